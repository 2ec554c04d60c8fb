"""Routes of the token service; each one line over the server or a discovery document."""

from __future__ import annotations

from authlib.oauth2.rfc6749.errors import OAuth2Error
from flask import Blueprint, Response, jsonify

from oauthapp.extensions import csrf
from oauthapp.models import Kind
from oauthapp.openapi import documented
from oauthapp.token import descriptions as d
from oauthapp.token.cors import add_cors_headers, preflight
from oauthapp.token.guard import oauth_response, signing_keys
from oauthapp.token.metadata import (
    jwks,
    openid_configuration,
    resource_metadata,
    server_metadata,
)
from oauthapp.token.server import server

blueprint = Blueprint("token", __name__)
csrf.exempt(blueprint)  # clients authenticate with credentials, not with a session cookie


@blueprint.post("/oauth2-token", provide_automatic_options=False)
@documented(**d.TOKEN)
def token() -> Response:
    return oauth_response(server.create_token_response, needs_keys=True, told=True)


@blueprint.post("/oauth2/revoke", provide_automatic_options=False)
@documented(**d.REVOKE)
def revoke() -> Response:
    return oauth_response(lambda req: server.create_endpoint_response("revocation", req))


@blueprint.post("/oauth2/introspect", provide_automatic_options=False)
@documented(**d.INTROSPECT)
def introspect() -> Response:
    return oauth_response(lambda req: server.create_endpoint_response("introspection", req))


@blueprint.route("/oauth2-token", methods=["OPTIONS"], provide_automatic_options=False)
@blueprint.route("/oauth2/revoke", methods=["OPTIONS"], provide_automatic_options=False)
@blueprint.route("/oauth2/introspect", methods=["OPTIONS"], provide_automatic_options=False)
def token_preflight() -> Response:
    return preflight("POST, OPTIONS")


@blueprint.get("/.well-known/oauth-authorization-server")
@documented(**d.SERVER_METADATA_DOCUMENT)
def metadata() -> Response:
    return _public(jsonify(server_metadata()))


@blueprint.get("/.well-known/openid-configuration")
@documented(**d.OPENID_CONFIGURATION_DOCUMENT)
def openid_metadata() -> Response:
    return _public(jsonify(openid_configuration()))


@blueprint.get("/.well-known/oauth-protected-resource/api")
@documented(**d.API_RESOURCE_DOCUMENT)
def api_resource() -> Response:
    return _public(jsonify(resource_metadata(Kind.BACKOFFICE)))


@blueprint.get("/.well-known/oauth-protected-resource/api/frontend")
@documented(**d.FRONTEND_RESOURCE_DOCUMENT)
def frontend_resource() -> Response:
    return _public(jsonify(resource_metadata(Kind.STOREFRONT)))


@blueprint.get("/.well-known/jwks.json")
@documented(**d.JWKS_DOCUMENT)
def jwks_document() -> Response:
    try:
        ring = signing_keys()
    except OAuth2Error as error:
        return add_cors_headers(server.handle_error_response(None, error))
    return _public(jsonify(jwks(ring)))


def _public(response: Response) -> Response:
    response.headers["Cache-Control"] = "public, max-age=300"
    return add_cors_headers(response)
