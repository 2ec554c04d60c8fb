"""What readiness depends on: the database, the signing keys, Redis when rate limits live there.

Each check answers in a few milliseconds and tells only whether the dependency works: the
probe is unauthenticated, so no error text, address or version leaves the process.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from oauthapp import get_settings
from oauthapp.extensions import db
from oauthapp.keys import keys
from oauthapp.security.rates import rate_limiter

log = logging.getLogger(__name__)


def database() -> bool:
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        log.debug("readiness: database unavailable: %s", exc)
        return False
    return True


def signing_keys() -> bool:
    return keys().status().available


def rate_limit_storage() -> bool:
    """Redis (or another shared storage) when configured; memory:// is always there."""
    if get_settings().rate_limit_storage_url.startswith("memory://"):
        return True
    try:
        return bool(rate_limiter().storage.check())
    except Exception as exc:  # a storage's client raises its own errors
        log.debug("readiness: rate-limit storage unavailable: %s", exc)
        return False


CHECKS: dict[str, Callable[[], bool]] = {
    "database": database,
    "signing_keys": signing_keys,
    "rate_limit_storage": rate_limit_storage,
}


def failures() -> list[str]:
    """The names of the checks that fail now, in a fixed order."""
    return [name for name, check in CHECKS.items() if not check()]
