"""GET /api/me and GET /api/frontend/me: who the token acts for."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, g, jsonify

from oauthapp.api.bearer import requires_token
from oauthapp.api.descriptions import FRONTEND_ME, ME
from oauthapp.extensions import csrf
from oauthapp.models import Kind
from oauthapp.openapi import documented
from oauthapp.token.cors import preflight
from oauthapp.token.principals import Principal

blueprint = Blueprint("api", __name__, url_prefix="/api")
csrf.exempt(blueprint)


@blueprint.get("/me", provide_automatic_options=False)
@documented(**ME)
@requires_token(Kind.BACKOFFICE)
def me() -> Response:
    return jsonify(describe(g.principal))


@blueprint.get("/frontend/me", provide_automatic_options=False)
@documented(**FRONTEND_ME)
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
