"""Refresh tokens: opaque, stored as keyed hashes, rotated on use, revoked by family.

A family is what one login gave: each rotation adds its successor. Normally one token of a
family is live; within refresh_token_reuse_interval after a rotation the rotated token may be
presented again (two tabs refreshing at once) and adds a live token of its own. A family lives
refresh_token_absolute_lifetime seconds at most from its login, whatever its rotations.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, cast

from sqlalchemy import Table, bindparam, insert, select, update

from oauthapp import get_settings
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
    family_created_at: datetime | None = None,
) -> str:
    """Add a new refresh token (not committed) and return its only plain copy.

    Without FAMILY_ID a new family begins; a token added to a family never outlives the
    family's absolute lifetime. A plain INSERT on the session's connection: one statement, no
    unit-of-work flush.
    """
    plain = generate_secret()
    now = utcnow()
    began = family_created_at or now
    expires_at = now + timedelta(seconds=lifetime)
    family_end = _family_end(began)
    if family_end is not None:
        expires_at = min(expires_at, family_end)
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
            "expires_at": expires_at,
            "revoked": False,
            "rotated_at": None,
            "created_at": now,
            "family_created_at": began,
        },
    )
    return plain


_BY_HASH = select(RefreshToken).where(RefreshToken.token_hash == bindparam("token_hash"))


def find_refresh_token(plain: str) -> RefreshToken | None:
    """The stored refresh token for a presented one, whatever its state."""
    return db.session.scalar(_BY_HASH, {"token_hash": hash_secret(plain, PURPOSE)})


def _settings() -> tuple[int, int]:
    """The reuse interval and the absolute lifetime of families, in seconds (0: off)."""
    auth = get_settings().oauth2_server.authorization_server
    return auth.refresh_token_reuse_interval, auth.refresh_token_absolute_lifetime


def _family_end(began: datetime) -> datetime | None:
    """When a family that began then ends (refresh_token_absolute_lifetime), or None."""
    absolute = _settings()[1]
    return began + timedelta(seconds=absolute) if absolute else None


def ends_at(token: RefreshToken) -> datetime:
    """When the token stops working: its own expiry, or its family's end if sooner (the
    setting may have been lowered since it was issued)."""
    family_end = _family_end(token.family_created_at)
    return token.expires_at if family_end is None else min(token.expires_at, family_end)


def is_usable(token: RefreshToken, now: datetime | None = None) -> bool:
    """Neither revoked, rotated nor expired (its own expiry or its family's end)."""
    now = now or utcnow()
    return not token.revoked and token.rotated_at is None and ends_at(token) > now


def may_come_back(token: RefreshToken, now: datetime | None = None) -> bool:
    """Whether a rotated token presented again is a race rather than a theft: it was rotated
    within refresh_token_reuse_interval and has not expired."""
    interval = _settings()[0]
    if not interval or token.rotated_at is None:
        return False
    now = now or utcnow()
    return now - token.rotated_at <= timedelta(seconds=interval) and ends_at(token) > now


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


# The family's live tokens, locked in the order of their ids: every request that locks more
# than one of them takes them in that order, so two never wait for each other (a deadlock).
# An UPDATE alone locks rows in the order its plan reads them, which differs between
# concurrent statements once rows have moved. (SQLite has no row locks: the UPDATE takes the
# database's write lock.)
_LIVE_IN_ORDER = (
    select(_TABLE.c.id)
    .where(_TABLE.c.family_id == bindparam("family"), _TABLE.c.revoked.is_(False))
    .order_by(_TABLE.c.id)
    .with_for_update()
)
# Locked until the transaction ends (the value is left as it is).
_HOLD = update(_TABLE).where(_TABLE.c.id.in_(_LIVE_IN_ORDER)).values(revoked=False)
_REVOKE = update(_TABLE).where(_TABLE.c.id.in_(_LIVE_IN_ORDER)).values(revoked=True)


def hold_family(family_id: str) -> bool:
    """Lock the family's live tokens until the transaction ends; False if it has none left
    (it was revoked). A token added meanwhile is then seen by a concurrent revoke_family().

    On SQLite the statement takes the database's write lock. On PostgreSQL it locks the live
    rows, waiting for a revocation or rotation in progress; a rotation that retired the one
    live token added its successor, which only a statement begun after it committed sees:
    hence a second try before concluding the family was revoked.
    """
    connection = db.session.connection()
    return any(connection.execute(_HOLD, {"family": family_id}).rowcount for _ in range(2))


def revoke_family(family_id: str) -> None:
    """Revoke every refresh token of the family and the access tokens still alive from it.

    The first UPDATE waits for a rotation or a reuse within the interval that holds one of the
    family's tokens; the second, a statement of its own (PostgreSQL reads what committed before
    each statement), revokes the token that rotation added.
    """
    connection = db.session.connection()
    connection.execute(_REVOKE, {"family": family_id})
    connection.execute(_REVOKE, {"family": family_id})
    now = utcnow()
    alive = connection.execute(
        select(_TABLE.c.access_token_jti, _TABLE.c.access_token_expires_at).where(
            _TABLE.c.family_id == family_id, _TABLE.c.access_token_expires_at > now
        )
    ).all()
    for jti, expires_at in alive:
        revoke_access_token(jti, expires_at)
