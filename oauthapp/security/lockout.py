"""Consecutive failed logins lock an account at security.failed_login_limit."""

from __future__ import annotations

from sqlalchemy import update

from oauthapp.extensions import db
from oauthapp.models import CustomerUser, User
from oauthapp.security.sessions import end_sessions


def refusal_reason(account: User | CustomerUser) -> str | None:
    """Why an account may not log in at all, or None."""
    if not account.enabled:
        return "Account is disabled."
    if account.locked:
        return "Account is locked."
    return None


def register_failure(account: User | CustomerUser, limit: int) -> bool:
    """Count a failed login and lock at the limit (0 = never); True when this one locked it.

    Both steps are single UPDATE statements, so concurrent failures are all counted.
    """
    model = type(account)
    db.session.execute(
        update(model).where(model.id == account.id).values(failed_logins=model.failed_logins + 1)
    )
    locked = False
    if limit:
        result = db.session.execute(
            update(model)
            .where(model.id == account.id, model.failed_logins >= limit, model.locked.is_(False))
            .values(locked=True)
        )
        locked = bool(getattr(result, "rowcount", 0))
        if locked:
            end_sessions(account)  # so that no session outlives the lock
    db.session.refresh(account)
    return locked


def register_success(account: User | CustomerUser) -> None:
    """A successful login resets the counter."""
    if account.failed_logins:
        account.failed_logins = 0


def unlock(account: User | CustomerUser) -> None:
    """Lift a lock and forget earlier failures."""
    account.locked = False
    account.failed_logins = 0
