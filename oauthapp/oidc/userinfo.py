"""The userinfo answer: the claims of a verified access token's scopes."""

from __future__ import annotations

from typing import Any

from oauthapp.api.bearer import InsufficientScope, TokenRefused
from oauthapp.authorize.scopes import split
from oauthapp.oidc.claims import user_claims
from oauthapp.token.principals import Principal, load_account


def userinfo(claims: dict[str, Any], principal: Principal) -> dict[str, Any]:
    """What /oauth2/userinfo answers for a verified access token: the claims of its scope."""
    scope = claims.get("scope") or ""
    if "openid" not in split(scope):
        raise InsufficientScope("The access token was not granted the openid scope.", "openid")
    account = load_account(principal.kind, principal.account_id)
    if account is None:  # removed since the token's standing was checked
        raise TokenRefused("The user of the access token no longer exists.")
    return user_claims(account, scope)
