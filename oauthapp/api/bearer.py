"""One bearer-token check for both APIs: header only, signature, claims, revocation, state."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from authlib.oauth2.rfc6749.errors import OAuth2Error
from flask import Response, g, jsonify, request
from sqlalchemy.exc import SQLAlchemyError

from oauthapp import get_settings
from oauthapp.extensions import db
from oauthapp.models import Kind
from oauthapp.token import access_tokens
from oauthapp.token.cors import add_cors_headers
from oauthapp.token.errors import TemporarilyUnavailable
from oauthapp.token.guard import DATABASE_UNAVAILABLE, signing_keys
from oauthapp.token.metadata import resource_metadata_url
from oauthapp.token.principals import Principal, Revoked, principal_for
from oauthapp.token.server import server

View = TypeVar("View", bound=Callable[..., Any])


class TokenRefused(Exception):
    """401 invalid_token, with the reason for the client's developer."""


def bearer_token() -> str:
    """The token from the Authorization header; never from the query string or body."""
    if "access_token" in request.args or "access_token" in request.form:
        raise TokenRefused("Send the access token in the Authorization header only.")
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise TokenRefused("An Authorization: Bearer header is required.")
    return token.strip()


def authorize(kind: Kind) -> Principal:
    """The principal of a valid, unrevoked token for that API, or TokenRefused."""
    token = bearer_token()
    settings = get_settings()
    issuer = settings.oauth2_server.issuer
    try:
        claims = access_tokens.verify(
            signing_keys(),
            token,
            issuer=issuer,
            expected_audience=access_tokens.audience(issuer, kind),
        )
    except access_tokens.InvalidAccessToken as exc:
        raise TokenRefused(f"The access token is invalid: {exc}") from exc
    try:
        principal = principal_for(claims, jti=claims["jti"])
    except Revoked:
        raise TokenRefused("The access token was revoked.") from None
    if principal is None or principal.kind != kind:
        raise TokenRefused("The application is inactive or the user is disabled or locked.")
    return principal


def requires_token(kind: Kind) -> Callable[[View], View]:
    """Protect a view: it runs with g.principal set, or the client gets a JSON 401 or 503."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Response:
            try:
                g.principal = authorize(kind)
                response: Response = view(*args, **kwargs)
            except TokenRefused as refused:
                response = refusal(str(refused), kind)
            except OAuth2Error as error:  # keys unavailable
                response = server.handle_error_response(None, error)
            except SQLAlchemyError:
                db.session.rollback()
                unavailable = TemporarilyUnavailable(DATABASE_UNAVAILABLE)
                response = server.handle_error_response(None, unavailable)
            return add_cors_headers(response)

        return cast(View, wrapper)

    return decorate


def refusal(description: str, kind: Kind = Kind.BACKOFFICE) -> Response:
    response = jsonify(error="invalid_token", error_description=description)
    response.status_code = 401
    quoted = description.replace("\\", "").replace('"', "'")
    response.headers["WWW-Authenticate"] = (
        f'Bearer realm="api", error="invalid_token", error_description="{quoted}", '
        f'resource_metadata="{resource_metadata_url(kind)}"'
    )
    response.headers["Cache-Control"] = "no-store"
    return response
