"""Consecutive failed logins lock an account at security.failed_login_limit, for
security.lockout_duration seconds (0 = until unlocked).

The rule "is this account locked now" lives here alone (lock_in_force); the login page, the
grants, the bearer APIs, introspection and Flask-Login all ask it.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, update

from oauthapp import get_settings
from oauthapp.extensions import db
from oauthapp.models.base import utcnow
from oauthapp.security.sessions import end_sessions

if TYPE_CHECKING:  # the models import this module (User.is_active)
    from oauthapp.models import CustomerUser, User

DISABLED = "Account is disabled."
LOCKED = "Account is locked."


def lock_ends_at(locked: bool, locked_at: datetime | None) -> datetime | None:
    """When a lock set at locked_at ends; None when there is no lock or it has no end.

    A lock without a time (set before locks expired) or with lockout_duration 0 lasts until
    unlocked.
    """
    duration = get_settings().lockout_duration
    if not locked or locked_at is None or not duration:
        return None
    return locked_at + timedelta(seconds=duration)


def lock_in_force(locked: bool, locked_at: datetime | None, now: datetime | None = None) -> bool:
    """The lockout rule: a lock counts until lockout_duration after it was set (0 = for good)."""
    if not locked:
        return False
    ends = lock_ends_at(locked, locked_at)
    return ends is None or (now or utcnow()) < ends


def is_locked(account: User | CustomerUser) -> bool:
    """Whether the account's lock is in force now."""
    return lock_in_force(account.locked, account.locked_at)


def locked_until(account: User | CustomerUser) -> datetime | None:
    """When the lock in force ends; None when the account is not locked or locked for good."""
    if not is_locked(account):
        return None
    return lock_ends_at(account.locked, account.locked_at)


def refusal_reason(account: User | CustomerUser) -> str | None:
    """Why an account may not log in at all, or None; for its owner, who knows the password."""
    if not account.enabled:
        return DISABLED
    if is_locked(account):
        return locked_message(account)
    return None


def locked_message(account: User | CustomerUser) -> str:
    """ "Account is locked." with when it opens again, or whom to ask."""
    until = locked_until(account)
    if until is None:
        return f"{LOCKED} Please contact your administrator."
    minutes = max(1, math.ceil((until - utcnow()).total_seconds() / 60))
    return f"{LOCKED} Try again in {minutes} minute{'s' if minutes != 1 else ''}."


def register_failure(account: User | CustomerUser, limit: int) -> bool:
    """Count a failed login and lock at the limit (0 = never); True when this one locked it.

    The counter runs until a success or an unlock, so after a lock expires the next failure
    locks again at once. Both steps are single UPDATE statements: concurrent failures all count.
    """
    model = type(account)
    db.session.execute(
        update(model).where(model.id == account.id).values(failed_logins=model.failed_logins + 1)
    )
    db.session.refresh(account)
    if not limit or account.failed_logins < limit or is_locked(account):
        return False
    return lock(account)


def lock(account: User | CustomerUser) -> bool:
    """Lock the account from now unless a lock is already in force; True when this call did.

    The one place an account gets locked; the caller commits.
    """
    model = type(account)
    # Only the lock this request saw: a concurrent failure that locked it first wins.
    unchanged: ColumnElement[bool] = model.locked.is_(False)
    if account.locked and account.locked_at is not None:
        unchanged = model.locked_at == account.locked_at
    result = db.session.execute(
        update(model)
        .where(model.id == account.id, unchanged)
        .values(locked=True, locked_at=utcnow())
    )
    locked = bool(getattr(result, "rowcount", 0))
    if locked:
        end_sessions(account)  # so that no session outlives the lock
    db.session.refresh(account)
    return locked


def register_success(account: User | CustomerUser) -> None:
    """A successful login resets the counter and clears a lock that has expired."""
    if account.failed_logins:
        account.failed_logins = 0
    if account.locked and not is_locked(account):
        account.locked, account.locked_at = False, None


def unlock(account: User | CustomerUser) -> None:
    """Lift a lock and forget earlier failures."""
    account.locked = False
    account.locked_at = None
    account.failed_logins = 0
