"""What every OAuth endpoint does around its work: keys, malformed bodies, database faults."""

from __future__ import annotations

from collections.abc import Callable

from authlib.oauth2.rfc6749.errors import OAuth2Error
from flask import Response, current_app, request
from sqlalchemy.exc import SQLAlchemyError

from oauthapp.extensions import db
from oauthapp.keys import KEYS_MISSING_WARNING, KeyFileError, KeyRing, keys
from oauthapp.token import outcomes
from oauthapp.token.cors import add_cors_headers
from oauthapp.token.errors import TemporarilyUnavailable
from oauthapp.token.server import TokenRequest, parse_request, server

DATABASE_UNAVAILABLE = "The service is temporarily unavailable. Please try again later."


def signing_keys() -> KeyRing:
    """The loaded keys, or 503 with the keys warning the back-office shows."""
    try:
        return keys().ring()
    except KeyFileError as exc:
        current_app.logger.error("Signing keys unavailable: %s", exc)
        raise TemporarilyUnavailable(KEYS_MISSING_WARNING) from exc


def oauth_response(
    handle: Callable[[TokenRequest], Response], needs_keys: bool = False, told: bool = False
) -> Response:
    """Run an OAuth endpoint: always JSON, never a 500 for a fault the client cannot fix.

    With TOLD, the outcome is announced to its listeners (oauthapp.token.outcomes)."""
    token_request: TokenRequest | None = None
    try:
        if needs_keys:
            signing_keys()
        token_request = parse_request(request)
        response = handle(token_request)
    except OAuth2Error as error:
        response = server.handle_error_response(None, error)
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.exception("Database unavailable on %s", request.path)
        response = server.handle_error_response(None, TemporarilyUnavailable(DATABASE_UNAVAILABLE))
    if told:
        _announce(token_request, response)
    return add_cors_headers(response)


def _announce(token_request: TokenRequest | None, response: Response) -> None:
    if token_request is None:
        outcomes.announce(None, None, response)
        return
    application = token_request.client or token_request.presented
    outcomes.announce(token_request.form.get("grant_type"), application, response)
