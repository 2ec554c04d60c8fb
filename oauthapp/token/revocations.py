"""Access tokens revoked before their expiry, remembered until they would have expired."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Insert, select
from sqlalchemy.dialects import postgresql, sqlite

from oauthapp.extensions import db
from oauthapp.models import RevokedAccessToken, utcnow


def revoke_access_token(jti: str, expires_at: datetime) -> None:
    """Record the revocation (not committed); revoking twice or an expired token is a no-op.

    Concurrent revocations of one token (a refresh-token family revoked by racing requests)
    must not fail on the primary key, hence INSERT ... ON CONFLICT DO NOTHING.
    """
    now = utcnow()
    if expires_at <= now:
        return
    values = {"jti": jti, "expires_at": expires_at, "revoked_at": now}
    statement: Insert
    if db.session.get_bind().dialect.name == "postgresql":
        statement = postgresql.insert(RevokedAccessToken).values(values).on_conflict_do_nothing()
    else:
        statement = sqlite.insert(RevokedAccessToken).values(values).on_conflict_do_nothing()
    db.session.execute(statement)


def is_revoked(jti: str) -> bool:
    """Whether the access token with that id was revoked."""
    found = db.session.scalar(select(RevokedAccessToken.jti).where(RevokedAccessToken.jti == jti))
    return found is not None
