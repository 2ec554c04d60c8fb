"""GET /api/me and GET /api/frontend/me: who the token acts for."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, g, jsonify

from oauthapp.api.bearer import REFUSALS, requires_token
from oauthapp.extensions import csrf
from oauthapp.models import Kind
from oauthapp.openapi import documented
from oauthapp.openapi.schemas import component
from oauthapp.token.cors import preflight
from oauthapp.token.principals import Principal

blueprint = Blueprint("api", __name__, url_prefix="/api")
csrf.exempt(blueprint)


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


@blueprint.get("/me", provide_automatic_options=False)
@documented(**_who("Who a back-office token acts for", "me", "user", "username"))
@requires_token(Kind.BACKOFFICE)
def me() -> Response:
    return jsonify(describe(g.principal))


@blueprint.get("/frontend/me", provide_automatic_options=False)
@documented(**_who("Who a storefront token acts for", "frontend_me", "customer_user", "email"))
@requires_token(Kind.STOREFRONT)
def frontend_me() -> Response:
    return jsonify(describe(g.principal))


@blueprint.route("/me", methods=["OPTIONS"], provide_automatic_options=False)
@blueprint.route("/frontend/me", methods=["OPTIONS"], provide_automatic_options=False)
def api_preflight() -> Response:
    return preflight("GET, OPTIONS")


def describe(principal: Principal) -> dict[str, Any]:
    """The acting account, and the organization the token was issued in."""
    name = "email" if principal.account_type == "customer_user" else "username"
    return {
        "id": principal.account_id,
        "type": principal.account_type,
        name: principal.account_name,
        "organization": principal.organization_name,
        "organization_id": principal.organization_id,
        "client_id": principal.client_id,
    }
