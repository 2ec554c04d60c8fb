"""Finding what a presented token is: one of our refresh tokens or one of our access tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import current_app

from oauthapp import get_settings
from oauthapp.keys import KeyFileError, keys
from oauthapp.models import Kind, RefreshToken, utcnow
from oauthapp.token import access_tokens, verified
from oauthapp.token.client_views import ClientView
from oauthapp.token.principals import Principal, principal_for
from oauthapp.token.refresh_tokens import ends_at, find_refresh_token, is_usable
from oauthapp.token.revocations import is_revoked


@dataclass
class PresentedToken:
    """A token sent to revocation or introspection, as the server knows it."""

    type_hint: str  # "access_token" or "refresh_token"
    client_id: str
    organization_id: int
    refresh: RefreshToken | None = None
    claims: dict[str, Any] | None = None

    def check_client(self, client: ClientView) -> bool:
        return self.client_id == client.client_id

    def is_expired(self) -> bool:
        if self.refresh is not None:
            return ends_at(self.refresh) <= utcnow()
        return False  # verify() already refused expired access tokens

    def is_revoked(self) -> bool:
        if self.refresh is not None:
            return not is_usable(self.refresh)
        assert self.claims is not None
        return is_revoked(self.claims["jti"])

    def principal(self) -> Principal | None:
        """The application and account, if both may still act."""
        if self.claims is not None:
            return principal_for(self.claims)
        assert self.refresh is not None
        application = self.refresh.application
        account_id = self.refresh.user_id or self.refresh.customer_user_id or 0
        claims = {"client_id": application.client_id, "sub": str(account_id)}
        return principal_for(claims)

    def expires_at(self) -> datetime:
        if self.refresh is not None:
            return ends_at(self.refresh)
        assert self.claims is not None
        return datetime.fromtimestamp(self.claims["exp"], UTC)


def find_token(value: str, hint: str | None) -> PresentedToken | None:
    """Look the token up as the hint suggests first, then as the other type (RFC 7009 §2.1)."""
    finders = [_as_refresh_token, _as_access_token]
    if hint == "access_token":
        finders.reverse()
    for finder in finders:
        found = finder(value)
        if found is not None:
            return found
    return None


def _as_refresh_token(value: str) -> PresentedToken | None:
    if len(value) > 256:
        return None
    token = find_refresh_token(value)
    if token is None:
        return None
    application = token.application
    return PresentedToken(
        "refresh_token", application.client_id, application.organization_id, refresh=token
    )


def _as_access_token(value: str) -> PresentedToken | None:
    if value.count(".") != 2:
        return None
    issuer = get_settings().oauth2_server.issuer
    try:
        ring = keys().ring()
    except KeyFileError:
        current_app.logger.warning("Signing keys unavailable: access tokens cannot be checked")
        return None
    audiences = [
        access_tokens.audience(issuer, kind) for kind in (Kind.BACKOFFICE, Kind.STOREFRONT)
    ]
    try:
        claims = verified.verify(ring, value, issuer=issuer, expected_audience=audiences)
    except access_tokens.InvalidAccessToken:
        return None
    return PresentedToken("access_token", claims["client_id"], _organization(claims), claims=claims)


def _organization(claims: dict[str, Any]) -> int:
    org = claims.get("org")
    return org if isinstance(org, int) else -1
