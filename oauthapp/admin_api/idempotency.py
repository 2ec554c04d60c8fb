"""Idempotency-Key on create: a retried request returns what the first one created.

A key belongs to the acting application and lives KEY_LIFETIME; the first request claims it (a
unique row, committed before the work), so two racing retries create one application. A claim
whose request never finished is given up after ABANDONED, so a crashed request does not hold its
key for a day.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError

from oauthapp.extensions import db
from oauthapp.models import IdempotencyKey, OAuthApplication, utcnow

KEY_LIFETIME = timedelta(hours=24)
ABANDONED = timedelta(minutes=1)
MAX_KEY_LENGTH = 255


@dataclass(frozen=True)
class Claim:
    """The outcome of presenting a key: ours to use (`mine`), or the earlier request's row."""

    row: IdempotencyKey
    mine: bool


def fingerprint(body: Any) -> str:
    """A hash of the request body, whatever the order of its keys."""
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()


def valid_key(key: str) -> bool:
    """1 to 255 visible ASCII characters (RFC 9110 field values, without spaces at the ends)."""
    return 0 < len(key) <= MAX_KEY_LENGTH and all(32 < ord(char) < 127 for char in key)


def claim(acting_application_id: int, key: str, body_fingerprint: str) -> Claim:
    """Claim KEY for a new request (committed), or the earlier request's row if it has one."""
    _forget_stale(acting_application_id, key)
    earlier = _find(acting_application_id, key)
    if earlier is not None:
        return Claim(earlier, mine=False)
    row = IdempotencyKey(
        acting_application_id=acting_application_id, key=key, fingerprint=body_fingerprint
    )
    db.session.add(row)
    try:
        db.session.commit()
    except IntegrityError:  # a concurrent retry claimed it first
        db.session.rollback()
        earlier = _find(acting_application_id, key)
        if earlier is None:
            raise
        return Claim(earlier, mine=False)
    return Claim(row, mine=True)


def complete(row: IdempotencyKey, application: OAuthApplication) -> None:
    """Remember what the claimed request created."""
    row.application_id = application.id
    row.completed = True
    db.session.commit()


def release(row: IdempotencyKey) -> None:
    """Give the key back: the request it was claimed for created nothing."""
    db.session.rollback()
    db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.id == row.id))
    db.session.commit()


def delete_expired(now: datetime) -> int:
    """Delete keys older than KEY_LIFETIME (for `oauth cleanup`); how many went."""
    result = db.session.execute(
        delete(IdempotencyKey).where(IdempotencyKey.created_at <= now - KEY_LIFETIME)
    )
    db.session.commit()
    return int(getattr(result, "rowcount", 0) or 0)


def _find(acting_application_id: int, key: str) -> IdempotencyKey | None:
    found: IdempotencyKey | None = db.session.scalar(
        select(IdempotencyKey).where(
            IdempotencyKey.acting_application_id == acting_application_id,
            IdempotencyKey.key == key,
        )
    )
    return found


def _forget_stale(acting_application_id: int, key: str) -> None:
    """Delete the key if it expired, or if its request was abandoned."""
    now = utcnow()
    db.session.execute(
        delete(IdempotencyKey).where(
            IdempotencyKey.acting_application_id == acting_application_id,
            IdempotencyKey.key == key,
            or_(
                IdempotencyKey.created_at <= now - KEY_LIFETIME,
                IdempotencyKey.completed.is_(False)
                & (IdempotencyKey.created_at <= now - ABANDONED),
            ),
        )
    )
    db.session.commit()
