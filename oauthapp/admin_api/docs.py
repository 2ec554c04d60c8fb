"""What each view of the management API answers, for the OpenAPI document (oauthapp.openapi)."""

from __future__ import annotations

from typing import Any

from oauthapp.admin_api.listing import PARAMETERS
from oauthapp.admin_api.serialization import (
    APPLICATION_SCHEMA,
    LIST_SCHEMA,
    WITH_SECRET_SCHEMA,
)
from oauthapp.models import Grant, Kind
from oauthapp.openapi.schemas import ref

STRINGS = {"type": "array", "items": {"type": "string"}}
CODE_FIELDS: dict[str, Any] = {
    "redirect_uris": {**STRINGS, "description": "Authorization-code applications only."},
    "confidential": {"type": "boolean", "default": True},
    "skip_consent": {"type": "boolean", "default": False},
}
CREATE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["name", "grant"],
    "additionalProperties": False,
    "properties": {
        "organization_id": {"type": ["integer", "null"], "minimum": 1,
                            "description": "Required unless the caller may create in one only."},
        "name": {"type": "string", "minLength": 1, "maxLength": 255},
        "grant": {"enum": [grant.value for grant in Grant]},
        "kind": {"enum": [kind.value for kind in Kind], "default": "backoffice"},
        "owner_id": {"type": ["integer", "null"], "minimum": 1,
                     "description": "A user (back-office) or customer user (storefront); "
                                    "Client Credentials applications only."},
        "active": {"type": "boolean", "default": True},
        **CODE_FIELDS,
    },
}  # fmt: skip
PATCH_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 255},
        "active": {"type": "boolean"},
        **CODE_FIELDS,
    },
}
ID = [{"name": "application_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key", "in": "header", "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
    "description": "A retry with the same key returns the application created first (200, "
                   "no secret); the same key with another body is 422. Kept 24 hours.",
}  # fmt: skip


def problem(description: str) -> tuple[str, dict[str, Any]]:
    return description, ref("Problem")


COMMON: dict[int, Any] = {
    401: problem("No valid bearer token (WWW-Authenticate says why)"),
    403: problem("The token lacks applications:manage, or the application is another's"),
    503: problem("The database or the signing keys are unavailable"),
}
ONE: dict[int, Any] = {**COMMON, 404: problem("No application has this id")}
BASE: dict[str, Any] = {"tags": ["admin"], "security": ["bearer"]}

LIST_DOC = {
    **BASE, "summary": "List the applications the token's owner may manage",
    "parameters": PARAMETERS,
    "responses": {200: ("One page, and the URL of the next (or null)", LIST_SCHEMA),
                  400: problem("A bad filter or page"), **COMMON},
}  # fmt: skip
CREATE_DOC = {
    **BASE, "summary": "Create an application; the answer holds its secret, once",
    "request": {"application/json": CREATE_SCHEMA}, "parameters": [IDEMPOTENCY_KEY],
    "responses": {
        201: ("Created; client_secret is shown only now (null for a public client)",
              WITH_SECRET_SCHEMA),
        200: ("A retry with the same Idempotency-Key: the same application, no secret",
              APPLICATION_SCHEMA),
        400: problem("Malformed JSON, not an object, or a bad Idempotency-Key"),
        409: problem("The name is taken, or the key's first request is still running"),
        410: problem("The key's application was deleted since"),
        415: problem("Not application/json"),
        422: problem("Validation failed: the form's messages per field"), **COMMON,
    },
}  # fmt: skip
READ_DOC = {**BASE, "summary": "One application", "parameters": ID,
            "responses": {200: ("The application", APPLICATION_SCHEMA), **ONE}}  # fmt: skip
PATCH_DOC = {
    **BASE, "summary": "Change an application's name, switch or authorization-code settings",
    "parameters": ID, "request": {"application/json": PATCH_SCHEMA},
    "responses": {200: ("The changed application", APPLICATION_SCHEMA),
                  409: problem("The name is taken"), 415: problem("Not application/json"),
                  422: problem("Validation failed: the form's messages per field"), **ONE},
}  # fmt: skip
DELETE_DOC = {**BASE, "summary": "Delete an application", "parameters": ID,
              "responses": {204: "Deleted", **ONE}}  # fmt: skip
REGENERATE_DOC = {
    **BASE, "summary": "Issue a new client secret; the old one stops working", "parameters": ID,
    "responses": {200: ("The application and its new client_secret", WITH_SECRET_SCHEMA),
                  422: problem("A public client has no secret"), **ONE},
}  # fmt: skip


def SWITCH_DOC(summary: str) -> dict[str, Any]:
    return {**BASE, "summary": summary, "parameters": ID,
            "responses": {200: ("The application", APPLICATION_SCHEMA), **ONE}}  # fmt: skip
