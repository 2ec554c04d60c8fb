"""Access tokens revoked before their expiry, remembered until they would have expired."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import Table, bindparam, select
from sqlalchemy.dialects import postgresql, sqlite

from oauthapp import cache
from oauthapp.cache.reads import lookup_connection
from oauthapp.extensions import db
from oauthapp.models import RevokedAccessToken, utcnow

_TABLE = cast(Table, RevokedAccessToken.__table__)
_INSERT_PG = postgresql.insert(_TABLE).on_conflict_do_nothing()
_INSERT_SQLITE = sqlite.insert(_TABLE).on_conflict_do_nothing()


def revoke_access_token(jti: str, expires_at: datetime) -> None:
    """Record the revocation (not committed); revoking twice or an expired token is a no-op.

    Concurrent revocations of one token (a refresh-token family revoked by racing requests)
    must not fail on the primary key, hence INSERT ... ON CONFLICT DO NOTHING.
    """
    now = utcnow()
    if expires_at <= now:
        return
    connection = db.session.connection()
    statement = _INSERT_PG if connection.dialect.name == "postgresql" else _INSERT_SQLITE
    connection.execute(statement, {"jti": jti, "expires_at": expires_at, "revoked_at": now})
    cache.changed(
        db.session(), cache.REVOCATIONS
    )  # a Core statement: the session's events do not see it


_REVOKED = select(RevokedAccessToken.jti).where(RevokedAccessToken.jti == bindparam("jti"))


def is_revoked(jti: str) -> bool:
    """Whether the access token with that id was revoked (from the cache while it is fresh)."""
    return cache.cache().get("revoked", jti, lambda: revoked_in_database(jti))


def revoked_in_database(jti: str) -> bool:
    with lookup_connection() as connection:
        return connection.execute(_REVOKED, {"jti": jti}).first() is not None
