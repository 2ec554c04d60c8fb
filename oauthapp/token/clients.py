"""Client authentication at the token, revocation and introspection endpoints."""

from __future__ import annotations

import base64
import binascii
from urllib.parse import unquote_plus

from authlib.consts import default_json_headers
from authlib.oauth2.rfc6749 import OAuth2Request
from authlib.oauth2.rfc6749.errors import InvalidClientError, InvalidRequestError
from flask import request as http_request

from oauthapp import audit
from oauthapp.models import Grant, OAuthApplication
from oauthapp.security.credentials import verify_secret
from oauthapp.security.lockout import lock_in_force
from oauthapp.token import throttle
from oauthapp.token.client_views import ClientView, client_view
from oauthapp.token.principals import load_application

# Which application grants may use which requested grant.
GRANTS_FOR_REQUEST: dict[str, tuple[str, ...]] = {
    "client_credentials": (Grant.CLIENT_CREDENTIALS,),
    "password": (Grant.PASSWORD,),
    "authorization_code": (Grant.AUTHORIZATION_CODE,),
    "refresh_token": (Grant.PASSWORD, Grant.AUTHORIZATION_CODE),
}
AUTH_FAILED = "Client authentication failed."


class ClientRefused(InvalidClientError):
    """401 invalid_client; a client that tried HTTP Basic is told the scheme to use."""

    status_code = 401

    def __init__(self, description: str, basic: bool) -> None:
        super().__init__(description=description, status_code=401)
        self.basic = basic

    def get_headers(self) -> list[tuple[str, str]]:
        headers = list(default_json_headers)
        if self.basic:
            headers.append(("WWW-Authenticate", 'Basic realm="OAuth"'))
        return headers


def authenticate(
    request: OAuth2Request, endpoint: str, allow_public: bool = False
) -> OAuthApplication:
    """The application whose credentials the request carries, checked for that endpoint.

    With ALLOW_PUBLIC, a public client may send its client_id alone (auth method "none").
    """
    view = authenticate_view(request, endpoint, allow_public)
    application = load_application(view.client_id)
    if application is None:  # deleted since the check: as if it never existed
        raise ClientRefused(AUTH_FAILED, request.auth_method == "client_secret_basic")
    return application


def authenticate_view(
    request: OAuth2Request, endpoint: str, allow_public: bool = False
) -> ClientView:
    """As authenticate(), but the cached view: no database query while nothing has changed."""
    client_id, secret, basic = _credentials(request, allow_public)
    address = http_request.remote_addr or "-"
    application = _load(client_id)
    request.presented = application  # for the outcome, even if the secret turns out wrong
    try:
        if application is None or not _verified(application, secret):
            audit.record_failure("client_authentication_failed", client_id, address)
            throttle.register_failure(client_id, address)
            raise ClientRefused(AUTH_FAILED, basic)
        throttle.check(client_id, address)
    except throttle.TooManyFailures:
        audit.record_failure("client_throttled", client_id, address)
        raise
    problem = refusal(application, request.payload.data.get("grant_type"), endpoint)
    if problem:
        raise ClientRefused(problem, basic)
    if secret is None:
        request.auth_method = "none"
    else:
        request.auth_method = "client_secret_basic" if basic else "client_secret_post"
    return application


def _verified(application: ClientView, secret: str | None) -> bool:
    """A public client sends no secret; a confidential one must send its own."""
    stored = application.secret_hash
    if secret is None:
        return stored is None and not application.confidential
    return stored is not None and verify_secret(secret, stored)


def _credentials(request: OAuth2Request, allow_public: bool) -> tuple[str, str | None, bool]:
    params = request.payload.data
    header = request.headers.get("Authorization", "")
    scheme, _, encoded = header.strip().partition(" ")
    if scheme.lower() == "basic":
        if "client_secret" in params:
            raise InvalidRequestError(
                "Use one client authentication method: HTTP Basic or client_secret in the body."
            )
        client_id, secret = _decode_basic(encoded.strip())
        if params.get("client_id", client_id) != client_id:
            raise InvalidRequestError("The client_id in the body differs from HTTP Basic.")
        return client_id, secret, True
    client_id, secret = params.get("client_id"), params.get("client_secret")
    if allow_public and client_id and "client_secret" not in params:
        return client_id, None, False
    if not client_id or not secret:
        raise ClientRefused(
            "Client authentication is required: HTTP Basic, or client_id and client_secret.",
            basic=False,
        )
    return client_id, secret, False


def _decode_basic(encoded: str) -> tuple[str, str]:
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        decoded = ""
    client_id, colon, secret = decoded.partition(":")
    if not colon or not client_id or not secret:
        raise ClientRefused("Malformed HTTP Basic credentials.", basic=True)
    # RFC 6749 §2.3.1: both parts are form-urlencoded before Basic encoding.
    return unquote_plus(client_id), unquote_plus(secret)


def _load(client_id: str) -> ClientView | None:
    if len(client_id) > 64 or "\x00" in client_id:  # no client's id; PostgreSQL refuses NUL
        return None
    return client_view(client_id)


def refusal(application: ClientView, grant_type: str | None, endpoint: str) -> str | None:
    """Why an authenticated application may not proceed, or None."""
    if not application.active:
        return "The application is inactive."
    if not application.organization_enabled:
        return "The application's organization is disabled."
    if endpoint == "token" and application.grant_type not in GRANTS_FOR_REQUEST.get(
        grant_type or "", ()
    ):
        return f"The application may not use the {grant_type} grant."
    if application.grant_type == Grant.CLIENT_CREDENTIALS:
        owner = application.owner
        if owner is None:
            return "The application has no owner."
        if not owner.enabled or lock_in_force(owner.locked, owner.locked_at):
            return "The application's owner is disabled or locked."
        if not owner.member:
            return "The application's owner is no longer a member of its organization."
    return None
