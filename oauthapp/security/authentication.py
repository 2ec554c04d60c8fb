"""Checking a user's password with lockout; shared by the login page and the password grant."""

from __future__ import annotations

from oauthapp.extensions import db
from oauthapp.models import CustomerUser, User
from oauthapp.security import lockout
from oauthapp.security.passwords import verify_password

INVALID_CREDENTIALS = "Invalid username or password."
LOCKED_NOW = (
    "Too many failed attempts: the account is now locked. Please contact your administrator."
)


class LoginRefused(Exception):
    """The credentials were not accepted; message is safe to show, reason is machine-readable."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason


def authenticate(account: User | CustomerUser | None, password: str, limit: int) -> None:
    """Accept the password or raise LoginRefused; failures count towards the lockout limit.

    Commits the counter change, so a refused attempt is remembered even though it raises.
    """
    if account is None:
        verify_password(None, password)  # spend the same time as for a real account
        raise LoginRefused(INVALID_CREDENTIALS, "invalid")
    reason = lockout.refusal_reason(account)
    if reason:
        raise LoginRefused(reason, "disabled" if not account.enabled else "locked")
    if not verify_password(account.password_hash, password):
        locked_now = lockout.register_failure(account, _limit(limit))
        db.session.commit()
        raise LoginRefused(
            LOCKED_NOW if locked_now else INVALID_CREDENTIALS, "locked" if locked_now else "invalid"
        )
    if account.failed_logins:
        lockout.register_success(account)
        db.session.commit()


def _limit(limit: int) -> int:
    return max(limit, 0)
