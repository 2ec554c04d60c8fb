"""Revocation (RFC 7009) and introspection (RFC 7662), on Authlib's endpoint classes."""

from __future__ import annotations

from typing import Any

from authlib.oauth2.rfc6749.errors import InvalidRequestError, OAuth2Error
from authlib.oauth2.rfc7009 import RevocationEndpoint as _RevocationEndpoint
from authlib.oauth2.rfc7662 import IntrospectionEndpoint as _IntrospectionEndpoint

from oauthapp import get_settings
from oauthapp.extensions import db
from oauthapp.token.client_views import ClientView
from oauthapp.token.lookup import PresentedToken, find_token
from oauthapp.token.refresh_tokens import revoke_family
from oauthapp.token.revocations import revoke_access_token

AUTH_METHODS = ["client_secret_basic", "client_secret_post"]
TOKEN_TYPES = ("access_token", "refresh_token")


class UnsupportedTokenType(OAuth2Error):
    """RFC 7009 §2.2.1: a 400 that names the hints the server understands."""

    error = "unsupported_token_type"
    status_code = 400


def check_token_params(request: Any) -> None:
    """The token is required and not blank; a hint, if given, is one this server knows."""
    if not request.form.get("token"):
        raise InvalidRequestError("The token parameter is required.")
    hint = request.form.get("token_type_hint")
    if hint and hint not in TOKEN_TYPES:
        raise UnsupportedTokenType(f"token_type_hint must be one of: {', '.join(TOKEN_TYPES)}.")


class RevocationEndpoint(_RevocationEndpoint):
    """A client revokes its own tokens; anything else is answered 200 and left alone."""

    CLIENT_AUTH_METHODS = AUTH_METHODS

    def check_params(self, request: Any, client: ClientView) -> None:
        check_token_params(request)

    def authenticate_token(self, request: Any, client: ClientView) -> PresentedToken | None:
        self.check_params(request, client)
        token = find_token(request.form["token"], request.form.get("token_type_hint"))
        # RFC 7009 §2.2: an invalid token, or another client's, is not an error worth telling.
        return token if token is not None and token.check_client(client) else None

    def revoke_token(self, token: PresentedToken, request: Any) -> None:
        if token.refresh is not None:
            # §2.1: revoking a refresh token also ends the access tokens issued from its grant.
            revoke_family(token.refresh.family_id)
        else:
            assert token.claims is not None
            revoke_access_token(token.claims["jti"], token.expires_at())
        db.session.commit()


class IntrospectionEndpoint(_IntrospectionEndpoint):
    """Any client of an organization may introspect the tokens issued in that organization."""

    CLIENT_AUTH_METHODS = AUTH_METHODS

    def check_params(self, request: Any, client: ClientView) -> None:
        check_token_params(request)

    def query_token(self, token_string: str, token_type_hint: str | None) -> PresentedToken | None:
        return find_token(token_string, token_type_hint)

    def check_permission(self, token: PresentedToken, client: ClientView, request: Any) -> bool:
        return token.organization_id == client.organization_id

    def create_introspection_payload(self, token: PresentedToken | None) -> dict[str, Any]:
        inactive = {"active": False}
        if token is None or token.is_expired() or token.is_revoked():
            return inactive
        principal = token.principal()
        if principal is None:  # application inactive or gone, account disabled
            return inactive
        payload: dict[str, Any] = {
            "active": True,
            "client_id": token.client_id,
            "username": principal.account_name,
            "sub": str(principal.account_id),
            "iss": get_settings().oauth2_server.issuer,
            "exp": int(token.expires_at().timestamp()),
            "org": token.organization_id,
        }
        if token.claims is not None:
            claims = token.claims
            payload.update(
                {"token_type": "Bearer", "scope": claims.get("scope", ""), "aud": claims["aud"]}
            )
            payload.update({name: claims[name] for name in ("iat", "nbf", "jti")})
        else:
            assert token.refresh is not None
            payload.update(
                {"token_type": "refresh_token", "iat": int(token.refresh.created_at.timestamp())}
            )
        return payload
