"""One bearer-token check for both APIs: header only, signature, claims, revocation, state."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from authlib.oauth2.rfc6749.errors import OAuth2Error
from flask import Response, g, jsonify, request
from sqlalchemy.exc import SQLAlchemyError

from oauthapp import get_settings, logs
from oauthapp.extensions import db
from oauthapp.models import Kind
from oauthapp.openapi.schemas import oauth_error
from oauthapp.token import access_tokens, verified
from oauthapp.token.cors import add_cors_headers
from oauthapp.token.errors import TemporarilyUnavailable
from oauthapp.token.guard import DATABASE_UNAVAILABLE, signing_keys
from oauthapp.token.metadata import resource_metadata_url
from oauthapp.token.principals import Principal, Revoked, principal_for, standing_problem
from oauthapp.token.server import server

View = TypeVar("View", bound=Callable[..., Any])


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# What a bearer-protected view may answer besides its own 200, for /openapi.json.
REFUSALS = {
    401: oauth_error(
        "invalid_token: no token in the Authorization header, or one refused", "WWW-Authenticate"
    ),
    503: oauth_error("temporarily_unavailable: keys or database unavailable", "Retry-After"),
}


class TokenRefused(Exception):
    """401 invalid_token, with the reason for the client's developer."""


def bearer_token() -> str:
    """The token from the Authorization header; never from the query string or body."""
    in_form = (
        request.mimetype == "application/x-www-form-urlencoded" and "access_token" in request.form
    )
    if "access_token" in request.args or in_form:
        raise TokenRefused("Send the access token in the Authorization header only.")
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise TokenRefused("An Authorization: Bearer header is required.")
    return token.strip()


def authorize(kind: Kind) -> Principal:
    """The principal of a valid, unrevoked token for that API, or TokenRefused."""
    return verified_token((kind,))[1]


def verified_token(kinds: tuple[Kind, ...]) -> tuple[dict[str, Any], Principal]:
    """The claims and principal of a valid, unrevoked token for one of those kinds' APIs
    (userinfo takes both), or TokenRefused."""
    token = bearer_token()
    issuer = get_settings().oauth2_server.issuer
    audiences = {access_tokens.audience(issuer, kind): kind for kind in kinds}
    try:
        claims = verified.verify(
            signing_keys(), token, issuer=issuer, expected_audience=list(audiences)
        )
    except access_tokens.InvalidAccessToken as exc:
        raise TokenRefused(str(exc)) from exc
    try:
        principal = principal_for(claims, jti=claims["jti"])
    except Revoked:
        raise TokenRefused("The access token was revoked.") from None
    if principal is None:
        raise TokenRefused(standing_problem(claims))
    if principal.kind != audiences.get(claims["aud"]):
        raise TokenRefused("The access token is for another API.")
    logs.note_client(principal.client_id)
    return claims, principal


def requires_token(kind: Kind) -> Callable[[View], View]:
    """Protect a view: it runs with g.principal set, or the client gets a JSON 401 or 503."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Response:
            def work() -> Response:
                g.principal = authorize(kind)
                response: Response = view(*args, **kwargs)
                return response

            return guarded(work, kind)

        return cast(View, wrapper)

    return decorate


class InsufficientScope(Exception):
    """403 insufficient_scope: the token is valid but lacks the scope the resource needs."""

    def __init__(self, description: str, scope: str) -> None:
        super().__init__(description)
        self.scope = scope


def guarded(work: Callable[[], Response], kind: Kind | None) -> Response:
    """Run a bearer-protected view: its response, or the JSON 401, 403 or 503 with CORS."""
    try:
        response = work()
    except TokenRefused as refused:
        response = refusal(str(refused), kind)
    except InsufficientScope as lacking:
        response = refusal(str(lacking), kind, "insufficient_scope", lacking.scope)
    except OAuth2Error as error:  # keys unavailable
        response = server.handle_error_response(None, error)
    except SQLAlchemyError:
        db.session.rollback()
        unavailable = TemporarilyUnavailable(DATABASE_UNAVAILABLE)
        response = server.handle_error_response(None, unavailable)
    return add_cors_headers(response)


def refusal(
    description: str,
    kind: Kind | None = Kind.BACKOFFICE,
    error: str = "invalid_token",
    scope: str | None = None,
) -> Response:
    """An RFC 6750 error: 401 invalid_token, or 403 insufficient_scope naming the SCOPE needed.

    Without KIND (userinfo serves both APIs' tokens) no resource metadata is named.
    """
    response = jsonify(error=error, error_description=description)
    response.status_code = 403 if error == "insufficient_scope" else 401
    quoted = description.replace("\\", "").replace('"', "'")
    challenge = f'Bearer realm="api", error="{error}", error_description="{quoted}"'
    if scope is not None:
        challenge += f', scope="{scope}"'
    if kind is not None:
        challenge += f', resource_metadata="{resource_metadata_url(kind)}"'
    response.headers["WWW-Authenticate"] = challenge
    response.headers["Cache-Control"] = "no-store"
    return response
