"""Checking a user's password with lockout; shared by the login page and the password grant.

The password is checked first, and only someone who knows it learns that the account is
disabled or locked: to a wrong password, an unknown name and a disabled or locked account
answer exactly as a plain mistake does, after the same password hash verification.
"""

from __future__ import annotations

from sqlalchemy import update

from oauthapp.extensions import db
from oauthapp.models import CustomerUser, User
from oauthapp.security import lockout
from oauthapp.security.passwords import hash_password, needs_rehash, verify_password

INVALID_CREDENTIALS = "Invalid username or password."


class LoginRefused(Exception):
    """The credentials were not accepted; message is safe to show, reason is machine-readable."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason  # "invalid", "disabled" or "locked"


def authenticate(account: User | CustomerUser | None, password: str, limit: int) -> None:
    """Accept the password or raise LoginRefused; failures count towards the lockout limit.

    Commits the counter change, so a refused attempt is remembered even though it raises.
    A hash made with other parameters than security.password_hash is replaced on success.
    """
    if account is None:
        verify_password(None, password)  # spend the same time as for a real account
        raise LoginRefused(INVALID_CREDENTIALS, "invalid")
    if not verify_password(account.password_hash, password):
        _count_failure(account, limit)
        raise LoginRefused(INVALID_CREDENTIALS, "invalid")
    reason = lockout.refusal_reason(account)
    if reason:
        raise LoginRefused(reason, "disabled" if not account.enabled else "locked")
    changed = _rehash(account, password)
    if account.failed_logins or account.locked:
        lockout.register_success(account)
        changed = True
    if changed:
        db.session.commit()


def _rehash(account: User | CustomerUser, password: str) -> bool:
    """Hash the password again with the configured parameters if its hash used others.

    The UPDATE matches the hash just verified, so a password changed meanwhile stays.
    """
    old = account.password_hash
    if not needs_rehash(old):
        return False
    model = type(account)
    db.session.execute(
        update(model)
        .where(model.id == account.id, model.password_hash == old)
        .values(password_hash=hash_password(password)),
        execution_options={"synchronize_session": False},
    )
    return True


def _count_failure(account: User | CustomerUser, limit: int) -> None:
    """A wrong password counts only against an enabled account whose lock is not in force.

    Guesses at a locked account neither extend its lock nor grow its count; the answer is the
    same either way.
    """
    if account.enabled and not lockout.is_locked(account):
        lockout.register_failure(account, max(limit, 0))
        db.session.commit()
