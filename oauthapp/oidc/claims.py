"""The OpenID Connect subject and the claims each granted scope releases.

`sub` names the account's kind and id ("user:42", "customer:7"): back-office users and customer
users have ids of their own, so the kind keeps them apart under one issuer, and neither ever
changes. Access tokens keep the bare id as their `sub` (SPEC §3).
"""

from __future__ import annotations

from typing import Any

from oauthapp.authorize.scopes import split
from oauthapp.models import CustomerUser, User

SUBJECT_PREFIX = {"user": "user", "customer_user": "customer"}
SCOPE_CLAIMS = {
    "profile": ("name", "preferred_username", "locale"),
    "email": ("email", "email_verified"),
}
CLAIMS_SUPPORTED = [
    "sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "at_hash",
    *SCOPE_CLAIMS["profile"], *SCOPE_CLAIMS["email"],
]  # fmt: skip


def subject(account_type: str, account_id: int) -> str:
    """The OpenID subject of an account: its kind and id ("user" or "customer_user")."""
    return f"{SUBJECT_PREFIX[account_type]}:{account_id}"


def subject_of(account: User | CustomerUser) -> str:
    return subject("user" if isinstance(account, User) else "customer_user", account.id)


def user_claims(account: User | CustomerUser, scope: str) -> dict[str, Any]:
    """`sub`, and the claims of the scopes in SCOPE (the ID token's and userinfo's)."""
    scopes = split(scope)
    claims: dict[str, Any] = {"sub": subject_of(account)}
    if "profile" in scopes:
        login = account.username if isinstance(account, User) else account.email
        claims |= {"name": account.display_name, "preferred_username": login}
        claims["locale"] = account.locale
    if "email" in scopes:
        # The product never confirms that an address belongs to its account.
        claims |= {"email": account.email, "email_verified": False}
    return claims
