"""Refresh tokens: opaque, stored as keyed hashes, rotated on use, revoked by family."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from oauthapp.extensions import db
from oauthapp.models import CustomerUser, OAuthApplication, RefreshToken, User, utcnow
from oauthapp.security.credentials import generate_secret, hash_secret
from oauthapp.token.access_tokens import IssuedToken
from oauthapp.token.revocations import revoke_access_token

PURPOSE = "refresh-token"


def issue_refresh_token(
    application: OAuthApplication,
    account: User | CustomerUser,
    access: IssuedToken,
    lifetime: int,
    family_id: str | None = None,
) -> str:
    """Add a new refresh token (not committed) and return its only plain copy."""
    plain = generate_secret()
    now = utcnow()
    db.session.add(
        RefreshToken(
            token_hash=hash_secret(plain, PURPOSE),
            application_id=application.id,
            user_id=account.id if isinstance(account, User) else None,
            customer_user_id=account.id if isinstance(account, CustomerUser) else None,
            family_id=family_id or secrets.token_urlsafe(24),
            access_token_jti=access.jti,
            access_token_expires_at=datetime.fromtimestamp(access.expires_at, UTC),
            expires_at=now + timedelta(seconds=lifetime),
            created_at=now,
        )
    )
    return plain


def find_refresh_token(plain: str) -> RefreshToken | None:
    """The stored refresh token for a presented one, whatever its state."""
    return db.session.scalar(
        select(RefreshToken).where(RefreshToken.token_hash == hash_secret(plain, PURPOSE))
    )


def is_usable(token: RefreshToken, now: datetime | None = None) -> bool:
    """Neither revoked, rotated nor expired."""
    now = now or utcnow()
    return not token.revoked and token.rotated_at is None and token.expires_at > now


def claim_for_rotation(token: RefreshToken) -> bool:
    """Mark the token rotated, atomically: of concurrent requests exactly one gets True.

    The access token issued with it is revoked in the same transaction.
    """
    now = utcnow()
    result = db.session.execute(
        update(RefreshToken)
        .where(
            RefreshToken.id == token.id,
            RefreshToken.revoked.is_(False),
            RefreshToken.rotated_at.is_(None),
        )
        .values(rotated_at=now, revoked=True)
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
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
