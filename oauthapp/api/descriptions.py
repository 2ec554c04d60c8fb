"""What /api/me and /api/frontend/me answer, for /openapi.json (SPEC §4)."""

from __future__ import annotations

from typing import Any

from oauthapp.api.bearer import REFUSALS
from oauthapp.openapi.schemas import component


def _account(kind: str, name: str) -> dict[str, Any]:
    text = {"type": "string"}
    schema = {
        "type": "object",
        "required": ["id", "type", name, "organization", "organization_id", "client_id"],
        "properties": {
            "id": {"type": "integer"},
            "type": {"const": kind},
            name: text,
            "organization": {**text, "description": "The organization the token was issued in."},
            "organization_id": {"type": "integer"},
            "client_id": text,
        },
    }
    return component("BackOfficeAccount" if kind == "user" else "StorefrontAccount", schema)


def _who(summary: str, operation_id: str, kind: str, name: str) -> dict[str, Any]:
    return {
        "summary": summary,
        "tags": ["Resources"],
        "operation_id": operation_id,
        "responses": {200: ("The acting account", _account(kind, name)), **REFUSALS},
        "security": ["bearer"],
    }


ME = _who("Who a back-office token acts for", "me", "user", "username")
FRONTEND_ME = _who("Who a storefront token acts for", "frontend_me", "customer_user", "email")
