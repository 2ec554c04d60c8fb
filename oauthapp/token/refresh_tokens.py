"""Refresh tokens: opaque, stored as keyed hashes, rotated on use, revoked by family."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, cast

from sqlalchemy import Table, bindparam, insert, select, update

from oauthapp.extensions import db
from oauthapp.models import CustomerUser, OAuthApplication, RefreshToken, User, utcnow
from oauthapp.security.credentials import generate_secret, hash_secret
from oauthapp.token.access_tokens import IssuedToken
from oauthapp.token.revocations import revoke_access_token

if TYPE_CHECKING:
    from oauthapp.token.issuing import Client, Subject

PURPOSE = "refresh-token"


_TABLE = cast(Table, RefreshToken.__table__)
_INSERT = insert(_TABLE)


def issue_refresh_token(
    application: OAuthApplication | Client,
    account: User | CustomerUser | Subject,
    access: IssuedToken,
    lifetime: int,
    family_id: str | None = None,
    scope: str = "",
) -> str:
    """Add a new refresh token (not committed) and return its only plain copy.

    A plain INSERT on the session's connection: one statement, no unit-of-work flush.
    """
    plain = generate_secret()
    now = utcnow()
    db.session.connection().execute(
        _INSERT,
        {
            "token_hash": hash_secret(plain, PURPOSE),
            "application_id": application.id,
            "user_id": account.id if isinstance(account, User) else None,
            "customer_user_id": account.id if isinstance(account, CustomerUser) else None,
            "family_id": family_id or secrets.token_urlsafe(24),
            "access_token_jti": access.jti,
            "scope": scope,
            "access_token_expires_at": datetime.fromtimestamp(access.expires_at, UTC),
            "expires_at": now + timedelta(seconds=lifetime),
            "revoked": False,
            "rotated_at": None,
            "created_at": now,
        },
    )
    return plain


_BY_HASH = select(RefreshToken).where(RefreshToken.token_hash == bindparam("token_hash"))


def find_refresh_token(plain: str) -> RefreshToken | None:
    """The stored refresh token for a presented one, whatever its state."""
    return db.session.scalar(_BY_HASH, {"token_hash": hash_secret(plain, PURPOSE)})


def is_usable(token: RefreshToken, now: datetime | None = None) -> bool:
    """Neither revoked, rotated nor expired."""
    now = now or utcnow()
    return not token.revoked and token.rotated_at is None and token.expires_at > now


# Straight to the session's connection: the ORM has nothing to keep in step (the token row
# is read again by no one in this request).
_CLAIM = (
    update(_TABLE)
    .where(
        _TABLE.c.id == bindparam("token_id"),
        _TABLE.c.revoked.is_(False),
        _TABLE.c.rotated_at.is_(None),
    )
    .values(rotated_at=bindparam("now"), revoked=True)
)


def claim_for_rotation(token: RefreshToken) -> bool:
    """Mark the token rotated, atomically: of concurrent requests exactly one gets True.

    The access token issued with it is revoked in the same transaction.
    """
    result = db.session.connection().execute(_CLAIM, {"token_id": token.id, "now": utcnow()})
    if result.rowcount != 1:
        return False
    revoke_access_token(token.access_token_jti, token.access_token_expires_at)
    return True


def revoke_family(family_id: str) -> None:
    """Revoke every refresh token of the family and the access tokens still alive from it."""
    now = utcnow()
    alive = db.session.execute(
        select(RefreshToken.access_token_jti, RefreshToken.access_token_expires_at).where(
            RefreshToken.family_id == family_id, RefreshToken.access_token_expires_at > now
        )
    ).all()
    db.session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked.is_(False))
        .values(revoked=True)
        .execution_options(synchronize_session=False)
    )
    for jti, expires_at in alive:
        revoke_access_token(jti, expires_at)
