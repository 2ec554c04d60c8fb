"""The authorization code grant with PKCE (S256 only), on Authlib's grant and extension.

The authorize leg (oauthapp/authorize/) asks this grant to validate the request and to issue
the code; the token leg exchanges the code. Validation follows SPEC §7: a request whose client
or redirect URL cannot be trusted is refused on this server (UntrustedRequest), every other
error goes back to the redirect URL.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from authlib.common.urls import add_params_to_uri
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749.errors import (
    InvalidRequestError,
    InvalidScopeError,
    OAuth2Error,
    UnsupportedResponseTypeError,
)
from authlib.oauth2.rfc6749.hooks import hooked
from authlib.oauth2.rfc7636 import CodeChallenge

from oauthapp import audit, get_settings
from oauthapp.authorize import codes
from oauthapp.authorize.scopes import UnknownScope, parse_scope, scope_text
from oauthapp.extensions import db
from oauthapp.models import AuthorizationCode, Grant, OAuthApplication, utcnow
from oauthapp.token import clients
from oauthapp.token.errors import GrantRefused
from oauthapp.token.grants import Response, _ClientChecked, acting_account
from oauthapp.token.issuing import issue_tokens
from oauthapp.token.principals import load_application

PUBLIC_NEEDS_CHALLENGE = "Code challenge must be provided for public clients."
BAD_CODE = "The authorization code is invalid, expired or was issued to another client."
CODE_REUSED = "The authorization code was already used."
PARAMETERS = (
    "response_type", "client_id", "redirect_uri", "state", "scope", "nonce", "code_challenge",
    "code_challenge_method", "prompt", "max_age",
)  # fmt: skip
PROMPTS = ("none", "login", "consent")
MAX_STATE = 2048
MAX_NONCE = 512  # the column that keeps it
CHALLENGE = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
MAX_AGE = re.compile(r"[0-9]{1,9}")


class UntrustedRequest(Exception):
    """The client or redirect URL cannot be trusted: answer on this server, never redirect."""


class S256Challenge(CodeChallenge):
    """PKCE with S256 only; public clients must send a challenge."""

    DEFAULT_CODE_CHALLENGE_METHOD = "S256"
    SUPPORTED_CODE_CHALLENGE_METHOD: ClassVar[list[str]] = ["S256"]

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        challenge, method = data.get("code_challenge"), data.get("code_challenge_method")
        if not challenge:
            if method:
                raise InvalidRequestError("Missing 'code_challenge' in request.")
            if not grant.request.client.confidential:
                raise InvalidRequestError(PUBLIC_NEEDS_CHALLENGE)
            return
        if method != "S256":
            raise InvalidRequestError("The code_challenge_method must be S256.")
        if not CHALLENGE.fullmatch(challenge):
            raise InvalidRequestError("Invalid 'code_challenge' in request.")


class AuthorizationCodeGrant(_ClientChecked, grants.AuthorizationCodeGrant):
    PUBLIC_CLIENTS = True

    @staticmethod
    def validate_no_multiple_request_parameter(request: Any) -> None:
        """Repeated parameters are checked in validate_authorization_request, in SPEC order."""

    def validate_authorization_request(self) -> str:
        """The redirect URL, or UntrustedRequest, or an OAuth2Error that redirects."""
        client = _trusted_client(self.request.payload.datalist.get("client_id", []))
        redirect_uri, sent = _registered_redirect(client, self.request.payload.datalist)
        self.request.client = client
        self.request.redirect_uri_sent = sent
        try:
            _check_parameters(self.request.payload.datalist)
            self.request.scopes = _scopes(self.request.payload.scope)
            self.execute_hook("after_validate_authorization_request_payload", redirect_uri)
        except OAuth2Error as error:
            error.redirect_uri = redirect_uri
            raise
        self.redirect_uri = redirect_uri
        return redirect_uri

    def create_authorization_response(
        self, redirect_uri: str, grant_user: Any
    ) -> tuple[int, str, list[tuple[str, str]]]:
        data = self.request.payload.data
        bound = codes.CodeRequest(
            application=self.request.client,
            account=grant_user,
            redirect_uri=redirect_uri,
            redirect_uri_sent=self.request.redirect_uri_sent,
            scope=scope_text(self.request.scopes),
            nonce=data.get("nonce"),
            code_challenge=data.get("code_challenge"),
            code_challenge_method=data.get("code_challenge") and "S256",
            auth_time=self.request.auth_time,
        )
        lifetime = get_settings().oauth2_server.authorization_server.auth_code_lifetime
        params = [("code", codes.issue_code(bound, lifetime))]
        if data.get("state"):
            params.append(("state", data["state"]))
        params.append(("iss", get_settings().oauth2_server.issuer))
        return 302, "", [("Location", add_params_to_uri(redirect_uri, params))]

    @hooked
    def validate_token_request(self) -> None:
        client = self.authenticate_token_endpoint_client()
        code = codes.find_code(self.required("code"))
        if code is None or code.application_id != client.id:
            raise GrantRefused(BAD_CODE)
        if code.used_at is not None:
            _reused(code.id, client)
        if code.expires_at <= utcnow():
            raise GrantRefused(BAD_CODE)
        redirect_uri = self.request.payload.data.get("redirect_uri")
        if (code.redirect_uri_sent or redirect_uri) and redirect_uri != code.redirect_uri:
            raise GrantRefused("The redirect_uri differs from the authorization request's.")
        self.request.authorization_code = code

    def authenticate_token_endpoint_client(self) -> OAuthApplication:
        # The scope of a code grant comes from its code, not from the token request.
        client = clients.authenticate(self.request, "token", self.PUBLIC_CLIENTS)
        self.request.client = client
        return client

    @hooked
    def create_token_response(self) -> Response:
        code: AuthorizationCode = self.request.authorization_code
        application: OAuthApplication = self.request.client
        account = acting_account(application, code, BAD_CODE)
        self.request.user = account  # the ID token's subject
        tokens = issue_tokens(application, account, with_refresh_token=True, scope=code.scope)
        if not codes.spend_code(code, tokens):  # a concurrent request used it first
            db.session.rollback()
            _reused(code.id, application)
        db.session.commit()
        return 200, tokens.body, self.TOKEN_RESPONSE_HEADER


def _reused(code_id: int, application: OAuthApplication) -> None:
    """A code came back: revoke what it gave, note it in the audit trail, and refuse."""
    codes.revoke_code_tokens(code_id)
    audit.record("authorization_code_reused", application)
    db.session.commit()
    raise GrantRefused(CODE_REUSED)


def _trusted_client(values: list[str]) -> OAuthApplication:
    if len(values) != 1 or not values[0]:
        raise UntrustedRequest("The request must name one client_id.")
    client_id = values[0]
    application = None
    if len(client_id) <= 64 and "\x00" not in client_id:
        application = load_application(client_id)
    if (
        application is None
        or not application.active
        or not application.organization.enabled
        or application.grant_type != Grant.AUTHORIZATION_CODE
    ):
        raise UntrustedRequest(
            "The client_id is unknown, inactive, or not allowed to use the authorization code flow."
        )
    return application


def _registered_redirect(
    application: OAuthApplication, datalist: dict[str, list[str]]
) -> tuple[str, bool]:
    """The redirect URL (exactly as registered) and whether the request named it."""
    values = datalist.get("redirect_uri", [])
    registered = list(application.redirect_uris or [])
    if len(values) > 1:
        raise UntrustedRequest("The redirect_uri parameter is repeated.")
    if values:
        if values[0] not in registered:
            raise UntrustedRequest("The redirect_uri is not registered for this application.")
        return values[0], True
    if len(registered) != 1:
        raise UntrustedRequest(
            "The redirect_uri is required: this application has several redirect URLs."
        )
    return registered[0], False


def _check_parameters(datalist: dict[str, list[str]]) -> None:
    for name in PARAMETERS:
        values = datalist.get(name, [])
        if len(values) > 1:
            raise InvalidRequestError(f"The parameter '{name}' is repeated.")
        if values and "\x00" in values[0]:
            raise InvalidRequestError(f"The parameter '{name}' holds a NUL character.")
    data = {name: values[0] for name, values in datalist.items() if values}
    response_type = data.get("response_type")
    if not response_type:
        raise InvalidRequestError("Missing 'response_type' in request.")
    if response_type != "code":
        raise UnsupportedResponseTypeError(
            response_type, description="The response_type must be code."
        )
    if len(data.get("state", "")) > MAX_STATE:
        raise InvalidRequestError(f"The state must not exceed {MAX_STATE} characters.")
    _check_prompt(data.get("prompt"))
    if "max_age" in data and not MAX_AGE.fullmatch(data["max_age"]):
        raise InvalidRequestError("The max_age must be a whole number of seconds.")
    if len(data.get("nonce", "")) > MAX_NONCE:
        raise InvalidRequestError(f"The nonce must not exceed {MAX_NONCE} characters.")


def _check_prompt(prompt: str | None) -> None:
    if prompt is None:
        return
    values = prompt.split(" ")
    if any(value not in PROMPTS for value in values):
        raise InvalidRequestError("The prompt must be none, login or consent.")
    if "none" in values and len(values) > 1:
        raise InvalidRequestError("The prompt none may not be combined with another.")


def _scopes(text: str | None) -> tuple[str, ...]:
    try:
        return parse_scope(text)
    except UnknownScope as unknown:
        raise InvalidScopeError(str(unknown)) from None


def state_of(datalist: dict[str, list[str]]) -> str | None:
    """The state to send back with a redirect: the one the client sent, if usable."""
    values = datalist.get("state", [])
    if len(values) != 1 or not values[0] or len(values[0]) > MAX_STATE:
        return None
    return values[0]
