"""Applications as the management API shows them (SPEC §10)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from oauthapp.models import Grant, OAuthApplication, User

# JSON names of the form fields and service fields that differ from them.
FIELD_NAMES = {"organization": "organization_id", "owner": "owner_id"}


def json_field(name: str | None) -> str:
    """The request body's name for a form or service field ("" for the body as a whole)."""
    return FIELD_NAMES.get(name or "", name or "")


def application_json(application: OAuthApplication) -> dict[str, Any]:
    """Everything about the application but its secret."""
    owner = application.owner
    code_grant = application.grant_type == Grant.AUTHORIZATION_CODE
    return {
        "id": application.id,
        "client_id": application.client_id,
        "name": application.name,
        "organization_id": application.organization_id,
        "kind": application.kind,
        "grant": application.grant_type,
        "owner": None
        if owner is None
        else {"type": "user" if isinstance(owner, User) else "customer_user", "id": owner.id},
        "active": application.active,
        "created_at": _time(application.created_at),
        "updated_at": _time(application.updated_at),
        "last_used_at": _time(application.last_used_at),
        "redirect_uris": list(application.redirect_uris or []) if code_grant else [],
        "confidential": application.confidential,
        "skip_consent": application.skip_consent,
    }


def with_secret(application: OAuthApplication, secret: str | None) -> dict[str, Any]:
    """The application and its new secret (None for a public client), shown this once."""
    return {**application_json(application), "client_secret": secret}


def _time(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment is not None else None


APPLICATION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "client_id": {"type": "string"},
        "name": {"type": "string"},
        "organization_id": {"type": "integer"},
        "kind": {"enum": ["backoffice", "storefront"]},
        "grant": {"enum": [grant.value for grant in Grant]},
        "owner": {
            "type": ["object", "null"],
            "properties": {
                "type": {"enum": ["user", "customer_user"]},
                "id": {"type": "integer"},
            },
        },
        "active": {"type": "boolean"},
        "created_at": {"type": "string", "format": "date-time"},
        "updated_at": {"type": "string", "format": "date-time"},
        "last_used_at": {"type": ["string", "null"], "format": "date-time"},
        "redirect_uris": {"type": "array", "items": {"type": "string"}},
        "confidential": {"type": "boolean"},
        "skip_consent": {"type": "boolean"},
    },
}
WITH_SECRET_SCHEMA: dict[str, Any] = {
    "allOf": [
        APPLICATION_SCHEMA,
        {"type": "object", "properties": {"client_secret": {"type": ["string", "null"]}}},
    ]
}
LIST_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "items": {"type": "array", "items": APPLICATION_SCHEMA},
        "next": {"type": ["string", "null"], "format": "uri"},
    },
}
