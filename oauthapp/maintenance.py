"""Periodic clean-up: what `flask oauth cleanup` removes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete

from oauthapp import get_settings
from oauthapp.admin_api import idempotency
from oauthapp.extensions import db
from oauthapp.models import (
    AuthorizationCode,
    Grant,
    OAuthApplication,
    RefreshToken,
    RevokedAccessToken,
    utcnow,
)
from oauthapp.notifications import outbox
from oauthapp.retired_keys import delete_retired
from oauthapp.usage import store as usage


@dataclass(frozen=True)
class CleanupCounts:
    refresh_tokens: int
    revoked_access_tokens: int
    orphaned_applications: int
    sent_messages: int = 0
    retired_keys: int = 0
    authorization_codes: int = 0
    usage_counts: int = 0
    idempotency_keys: int = 0


def cleanup(now: datetime | None = None) -> CleanupCounts:
    """Delete expired tokens, codes, revocations and idempotency keys, ownerless
    client-credentials apps, old mail and usage counts."""
    now = now or utcnow()
    tokens = db.session.execute(delete(RefreshToken).where(RefreshToken.expires_at <= now))
    # A code past its lifetime is refused whatever its state; its tokens outlive it on their own.
    codes = db.session.execute(delete(AuthorizationCode).where(AuthorizationCode.expires_at <= now))
    revoked = db.session.execute(
        delete(RevokedAccessToken).where(RevokedAccessToken.expires_at <= now)
    )
    # An owner's deletion sets the application's owner to NULL; such an app can never get a token.
    orphans = db.session.execute(
        delete(OAuthApplication).where(
            OAuthApplication.grant_type == Grant.CLIENT_CREDENTIALS.value,
            OAuthApplication.user_id.is_(None),
            OAuthApplication.customer_user_id.is_(None),
        )
    )
    usage_counts = usage.delete_before(now - usage.KEEP)
    db.session.commit()
    return CleanupCounts(
        refresh_tokens=_count(tokens),
        revoked_access_tokens=_count(revoked),
        orphaned_applications=_count(orphans),
        sent_messages=outbox.delete_sent_before(now - outbox.KEEP_SENT),
        authorization_codes=_count(codes),
        usage_counts=usage_counts,
        retired_keys=delete_retired(get_settings().oauth2_server.public_key, now.timestamp()),
        idempotency_keys=idempotency.delete_expired(now),
    )


def _count(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
