"""The client credentials, password and refresh-token grants, on Authlib's grant classes."""

from __future__ import annotations

from typing import Any, ClassVar

from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749.errors import InvalidRequestError, InvalidScopeError
from flask import request as http_request
from sqlalchemy import select

from oauthapp import get_settings
from oauthapp.accounts.service import normalize_email
from oauthapp.exceptions import InvalidInput
from oauthapp.extensions import db
from oauthapp.models import (
    AuthorizationCode,
    CustomerUser,
    Grant,
    Kind,
    OAuthApplication,
    RefreshToken,
    User,
)
from oauthapp.security import login_throttle
from oauthapp.security.authentication import LoginRefused, authenticate
from oauthapp.security.lockout import refusal_reason
from oauthapp.token import clients, throttle
from oauthapp.token.client_views import ClientView
from oauthapp.token.errors import GrantRefused, UnsupportedGrant
from oauthapp.token.issuing import token_response
from oauthapp.token.principals import load_member
from oauthapp.token.refresh_tokens import (
    claim_for_rotation,
    find_refresh_token,
    hold_family,
    is_usable,
    may_come_back,
    revoke_family,
)

Response = tuple[int, dict[str, Any], list[tuple[str, str]]]
BAD_CREDENTIALS = "The user credentials were incorrect."
BAD_REFRESH_TOKEN = "The refresh token is invalid, expired or revoked."  # noqa: S105


class _ClientChecked:
    """Client authentication and every client check, before any grant-specific work."""

    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = ["client_secret_basic", "client_secret_post"]
    PUBLIC_CLIENTS: ClassVar[bool] = False  # whether a client_id alone (method "none") will do
    CACHED_CLIENT: ClassVar[bool] = False  # whether the cached view of the client will do
    request: Any
    server: Any

    def authenticate_token_endpoint_client(self) -> Any:
        """The application (its cached ClientView with CACHED_CLIENT), checked for this grant."""
        authenticate = clients.authenticate_view if self.CACHED_CLIENT else clients.authenticate
        client = authenticate(self.request, "token", self.PUBLIC_CLIENTS)
        self.request.client = client
        self.server.validate_requested_scope(self.request.payload.scope)
        return client

    def required(self, name: str) -> str:
        value: str | None = self.request.payload.data.get(name)
        if not value:
            raise InvalidRequestError(f"Missing '{name}' in request.")
        return value


class ClientCredentialsGrant(_ClientChecked, grants.ClientCredentialsGrant):
    CACHED_CLIENT = True  # nothing here needs more than the view: no query while it is fresh

    def validate_token_request(self) -> None:
        """Only the scopes an administrator granted the application may be asked for."""
        client = clients.authenticate_view(self.request, "token", self.PUBLIC_CLIENTS)
        self.request.client = client
        self.server.validate_requested_scope(self.request.payload.scope, client.granted_scopes)

    def create_token_response(self) -> Response:
        application: ClientView = self.request.client
        owner = application.owner
        assert owner is not None  # clients.refusal() refuses ownerless applications
        scope = " ".join(sorted(set((self.request.payload.scope or "").split(" ")) - {""}))
        body = token_response(application, owner, with_refresh_token=False, scope=scope)
        return 200, body, self.TOKEN_RESPONSE_HEADER


class PasswordGrant(_ClientChecked, grants.ResourceOwnerPasswordCredentialsGrant):
    def validate_token_request(self) -> None:
        application = self.authenticate_token_endpoint_client()
        username, password = self.required("username"), self.required("password")
        address = http_request.remote_addr or "-"
        throttle.check_login(application.client_id, address)
        account = _find_account(application, username)
        try:
            authenticate(account, password, get_settings().failed_login_limit)
        except LoginRefused as refused:
            login_throttle.register_failure(address)
            # Only a right password learns why (disabled, or locked and for how long).
            hint = refused.message if refused.reason in ("disabled", "locked") else None
            raise GrantRefused(BAD_CREDENTIALS, hint) from None
        self.request.user = account

    def create_token_response(self) -> Response:
        body = token_response(self.request.client, self.request.user, with_refresh_token=True)
        return 200, body, self.TOKEN_RESPONSE_HEADER


def _find_account(application: OAuthApplication, login: str) -> User | CustomerUser | None:
    """Back-office apps log Users in by username, storefront apps Customer Users by email;
    only members of the application's organization (or of the global one) count."""
    if application.kind == Kind.STOREFRONT:
        try:
            email = normalize_email(login)
        except InvalidInput:
            return None
        customer = db.session.scalar(select(CustomerUser).where(CustomerUser.email == email))
        if customer is None or customer.organization_id != application.organization_id:
            return None
        return customer
    user = db.session.scalar(select(User).where(User.username == login))
    if user is None:
        return None
    member = any(
        role.organization_id == application.organization_id or role.organization.is_global
        for role in user.roles
    )
    return user if member else None


class RefreshTokenGrant(_ClientChecked, grants.RefreshTokenGrant):
    PUBLIC_CLIENTS = True  # public authorization-code clients refresh with their client_id

    def validate_token_request(self) -> None:
        if not get_settings().oauth2_server.authorization_server.enable_refresh_token:
            raise UnsupportedGrant("Refresh tokens are disabled on this server.")
        application = clients.authenticate(self.request, "token", self.PUBLIC_CLIENTS)
        self.request.client = application
        code_grant = application.grant_type == Grant.AUTHORIZATION_CODE
        if not code_grant:  # only authorization-code grants carry scopes to narrow
            self.server.validate_requested_scope(self.request.payload.scope)
        token = find_refresh_token(self.required("refresh_token"))
        if token is None or token.application_id != application.id:
            raise GrantRefused(BAD_REFRESH_TOKEN)
        # A rotated token back within refresh_token_reuse_interval: a race (two tabs), no theft.
        self.request.came_back = token.rotated_at is not None and may_come_back(token)
        if token.rotated_at is not None and not self.request.came_back:
            _detected_reuse(token)
        if not self.request.came_back and not is_usable(token):
            raise GrantRefused(BAD_REFRESH_TOKEN)
        self.request.refresh_token = token
        self.request.user = acting_account(application, token, BAD_REFRESH_TOKEN)
        self.request.granted_scope = (
            narrowed_scope(token.scope, self.request.payload.scope) if code_grant else ""
        )

    def create_token_response(self) -> Response:
        token: RefreshToken = self.request.refresh_token
        came_back = self.request.came_back
        if not came_back and not claim_for_rotation(token):
            # A concurrent request rotated it first (its commit is visible now).
            db.session.refresh(token)
            came_back = may_come_back(token)
            if not came_back:
                _detected_reuse(token)
        if came_back and not hold_family(token.family_id):  # revoked meanwhile
            _detected_reuse(token)
        body = token_response(
            self.request.client,
            self.request.user,
            with_refresh_token=True,
            family_id=token.family_id,
            family_created_at=token.family_created_at,
            scope=self.request.granted_scope,
            refresh_scope=token.scope,
        )
        return 200, body, self.TOKEN_RESPONSE_HEADER


def acting_account(
    application: OAuthApplication, holder: RefreshToken | AuthorizationCode, missing: str
) -> User | CustomerUser:
    """The account a refresh token or code acts for, if it may still act; else invalid_grant
    (with `missing` when the account is gone or no longer belongs to the application's
    organization, with the refusal once it is known)."""
    account_id = holder.user_id or holder.customer_user_id or 0
    account, member = load_member(application.kind, account_id, application.organization_id)
    if account is None or not member:
        raise GrantRefused(missing)
    reason = refusal_reason(account)
    if reason:
        raise GrantRefused(BAD_CREDENTIALS, reason)
    return account


def narrowed_scope(granted: str, requested: str | None) -> str:
    """The scope a refresh gives: what the user granted, or less if the client asks (RFC 6749
    §6); asking for more is invalid_scope."""
    if requested is None:
        return granted
    wanted = set(requested.split(" ")) - {""}
    if not wanted <= set(granted.split(" ")):
        raise InvalidScopeError("The scope may not exceed the scope the user granted.")
    return " ".join(name for name in granted.split(" ") if name in wanted)


def _detected_reuse(token: RefreshToken) -> None:
    """A rotated refresh token came back: revoke its family (when configured) and refuse."""
    if get_settings().oauth2_server.authorization_server.refresh_token_reuse_detection:
        family_id = token.family_id
        db.session.rollback()
        revoke_family(family_id)
        db.session.commit()
    raise GrantRefused("The refresh token was already used.")
