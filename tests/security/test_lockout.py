"""Failed-login counting, lockout and its expiry, and authenticate() built on them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any, TypeVar

import pytest
from flask import Flask

from oauthapp.extensions import db
from oauthapp.models import CustomerUser, User, utcnow
from oauthapp.security import authentication, lockout
from oauthapp.security.authentication import INVALID_CREDENTIALS, LoginRefused, authenticate
from tests.conftest import AppFactory
from tests.factories import PASSWORD, make_customer, make_user

WRONG = "wrong password"
LIMIT = 3
DURATION = timedelta(seconds=900)  # the default security.lockout_duration
AccountT = TypeVar("AccountT", User, CustomerUser)


@pytest.fixture
def user(ctx: Flask) -> User:
    return make_user()


def fresh(model: type[AccountT], account_id: int) -> AccountT:
    """The account as stored: a new session, so only committed changes are visible."""
    db.session.remove()
    found = db.session.get(model, account_id)
    assert found is not None
    return found


def refused(account: User | CustomerUser | None, password: str, limit: int = LIMIT) -> LoginRefused:
    with pytest.raises(LoginRefused) as caught:
        authenticate(account, password, limit)
    return caught.value


# lockout.register_failure / register_success / unlock


def test_register_failure_increments_the_counter(user: User) -> None:
    assert lockout.register_failure(user, LIMIT) is False
    assert user.failed_logins == 1
    assert user.locked is False


def test_register_failure_locks_exactly_at_the_limit(user: User) -> None:
    for _ in range(LIMIT - 1):
        lockout.register_failure(user, LIMIT)
    assert user.locked is False
    lockout.register_failure(user, LIMIT)
    assert user.locked is True
    assert user.failed_logins == LIMIT


def test_register_failure_returns_true_only_for_the_locking_failure(user: User) -> None:
    results = [lockout.register_failure(user, LIMIT) for _ in range(LIMIT + 2)]
    assert results == [False, False, True, False, False]
    assert user.failed_logins == LIMIT + 2


def test_limit_one_locks_on_the_first_failure(user: User) -> None:
    assert lockout.register_failure(user, 1) is True
    assert user.locked is True


def test_limit_zero_never_locks(user: User) -> None:
    results = [lockout.register_failure(user, 0) for _ in range(25)]
    assert not any(results)
    assert user.failed_logins == 25
    assert user.locked is False


def test_a_lowered_limit_locks_on_the_next_failure(user: User) -> None:
    for _ in range(5):
        lockout.register_failure(user, 10)
    assert lockout.register_failure(user, LIMIT) is True
    assert user.locked is True


def test_register_failure_counts_customer_users(ctx: Flask) -> None:
    customer = make_customer()
    results = [lockout.register_failure(customer, 2) for _ in range(2)]
    assert results == [False, True]
    assert customer.failed_logins == 2
    assert customer.locked is True


def test_register_failure_counts_only_that_account(user: User) -> None:
    other = make_user()
    lockout.register_failure(user, LIMIT)
    db.session.refresh(other)
    assert other.failed_logins == 0


def test_register_success_resets_the_counter(user: User) -> None:
    lockout.register_failure(user, LIMIT)
    lockout.register_failure(user, LIMIT)
    lockout.register_success(user)
    assert user.failed_logins == 0


def test_register_success_does_not_unlock(user: User) -> None:
    for _ in range(LIMIT):
        lockout.register_failure(user, LIMIT)
    lockout.register_success(user)
    assert user.locked is True


def test_unlock_clears_the_lock_and_the_counter(user: User) -> None:
    for _ in range(LIMIT):
        lockout.register_failure(user, LIMIT)
    lockout.unlock(user)
    assert user.locked is False
    assert user.failed_logins == 0


def test_after_unlock_the_count_starts_again(user: User) -> None:
    for _ in range(LIMIT):
        lockout.register_failure(user, LIMIT)
    lockout.unlock(user)
    db.session.commit()
    assert [lockout.register_failure(user, LIMIT) for _ in range(LIMIT)] == [False, False, True]


def test_refusal_reason_is_none_for_an_enabled_unlocked_account(user: User) -> None:
    assert lockout.refusal_reason(user) is None


def test_refusal_reason_for_a_disabled_account(user: User) -> None:
    user.enabled = False
    assert lockout.refusal_reason(user) == "Account is disabled."


def test_refusal_reason_for_a_lock_without_a_time_asks_for_the_administrator(user: User) -> None:
    user.locked = True  # as locks were set before they expired
    assert lockout.refusal_reason(user) == "Account is locked. Please contact your administrator."


def test_refusal_reason_for_a_locked_account_says_when_it_opens(user: User) -> None:
    user.locked, user.locked_at = True, utcnow() - timedelta(minutes=1)
    assert lockout.refusal_reason(user) == "Account is locked. Try again in 14 minutes."


def test_refusal_reason_in_the_last_minute_says_one_minute(user: User) -> None:
    user.locked, user.locked_at = True, utcnow() - DURATION + timedelta(seconds=20)
    assert lockout.refusal_reason(user) == "Account is locked. Try again in 1 minute."


def test_refusal_reason_prefers_disabled_over_locked(user: User) -> None:
    user.enabled = False
    user.locked = True
    assert lockout.refusal_reason(user) == "Account is disabled."


# authentication.authenticate


def test_authenticate_accepts_the_right_password(user: User) -> None:
    authenticate(user, PASSWORD, LIMIT)  # no LoginRefused
    assert user.failed_logins == 0


def test_authenticate_refuses_an_unknown_account_as_invalid(ctx: Flask) -> None:
    error = refused(None, PASSWORD)
    assert error.reason == "invalid"
    assert error.message == INVALID_CREDENTIALS
    assert str(error) == INVALID_CREDENTIALS


def test_authenticate_counts_a_wrong_password(user: User) -> None:
    error = refused(user, WRONG)
    assert error.reason == "invalid"
    assert error.message == INVALID_CREDENTIALS
    assert user.failed_logins == 1
    assert user.locked is False


def test_authenticate_resets_the_counter_on_the_right_password(user: User) -> None:
    refused(user, WRONG)
    refused(user, WRONG)
    authenticate(user, PASSWORD, LIMIT)
    assert user.failed_logins == 0


def test_authenticate_refuses_a_disabled_account(user: User) -> None:
    user.enabled = False
    db.session.commit()
    error = refused(user, PASSWORD)
    assert error.message == "Account is disabled."
    assert error.reason == "disabled"


def test_authenticate_does_not_count_failures_of_a_disabled_account(user: User) -> None:
    user.enabled = False
    db.session.commit()
    refused(user, WRONG)
    assert fresh(User, user.id).failed_logins == 0


def test_authenticate_refuses_a_locked_account_even_with_the_right_password(
    user: User,
) -> None:
    user.locked, user.locked_at = True, utcnow()
    db.session.commit()
    error = refused(user, PASSWORD)
    assert error.message == "Account is locked. Try again in 15 minutes."
    assert error.reason == "locked"


def test_authenticate_the_locking_failure_answers_as_any_wrong_password(user: User) -> None:
    for _ in range(LIMIT - 1):
        assert refused(user, WRONG).message == INVALID_CREDENTIALS
    error = refused(user, WRONG)
    assert (error.message, error.reason) == (INVALID_CREDENTIALS, "invalid")
    assert user.locked is True


def test_authenticate_a_wrong_password_on_a_locked_account_is_not_counted(user: User) -> None:
    for _ in range(LIMIT):
        refused(user, WRONG)
    locked_at = user.locked_at
    error = refused(user, WRONG)
    assert (error.message, error.reason) == (INVALID_CREDENTIALS, "invalid")
    stored = fresh(User, user.id)
    assert (stored.failed_logins, stored.locked_at) == (LIMIT, locked_at)


def test_authenticate_with_limit_zero_never_locks(user: User) -> None:
    for _ in range(LIMIT * 3):
        assert refused(user, WRONG, limit=0).reason == "invalid"
    assert user.locked is False


def test_authenticate_treats_a_negative_limit_as_zero(user: User) -> None:
    for _ in range(LIMIT):
        assert refused(user, WRONG, limit=-1).reason == "invalid"
    assert user.locked is False


def test_authenticate_commits_the_failure_count(user: User) -> None:
    refused(user, WRONG)
    assert fresh(User, user.id).failed_logins == 1


def test_authenticate_commits_the_lock(user: User) -> None:
    user_id = user.id
    for _ in range(LIMIT):
        refused(user, WRONG)
    stored = fresh(User, user_id)
    assert stored.locked is True
    assert stored.failed_logins == LIMIT


def test_authenticate_commits_the_reset(user: User) -> None:
    user_id = user.id
    lockout.register_failure(user, LIMIT)
    db.session.commit()
    assert fresh(User, user_id).failed_logins == 1
    authenticate(fresh(User, user_id), PASSWORD, LIMIT)
    assert fresh(User, user_id).failed_logins == 0


def test_authenticate_works_for_customer_users(ctx: Flask) -> None:
    customer = make_customer()
    customer_id = customer.id
    authenticate(customer, PASSWORD, 2)
    refused(customer, WRONG, limit=2)
    assert refused(customer, WRONG, limit=2).message == INVALID_CREDENTIALS
    stored = fresh(CustomerUser, customer_id)
    assert stored.locked is True
    assert stored.failed_logins == 2


# The same answer to a wrong password, whatever the account


def account_in_state(state: str) -> User | None:
    """An account that is unknown, plain, disabled, or locked until later."""
    if state == "unknown":
        return None
    account = make_user()
    if state == "disabled":
        account.enabled = False
    if state == "locked":
        account.locked, account.locked_at = True, utcnow()
    db.session.commit()
    return account


@pytest.fixture
def verifications(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str | None]]:
    """The hashes authenticate() verified a password against, in order (None: the dummy)."""
    seen: list[str | None] = []
    real = authentication.verify_password

    def spy(password_hash: str | None, password: str) -> Any:
        seen.append(password_hash)
        return real(password_hash, password)

    monkeypatch.setattr(authentication, "verify_password", spy)
    yield seen


STATES = ["unknown", "wrong", "disabled", "locked"]


@pytest.mark.parametrize("state", STATES)
def test_a_wrong_password_gets_the_plain_refusal_whatever_the_account(
    ctx: Flask, state: str
) -> None:
    error = refused(account_in_state(state), WRONG)
    assert (error.message, error.reason) == (INVALID_CREDENTIALS, "invalid")


@pytest.mark.parametrize("state", STATES)
def test_every_attempt_verifies_one_password_hash(
    ctx: Flask, state: str, verifications: list[str | None]
) -> None:
    account = account_in_state(state)
    refused(account, WRONG)
    assert verifications == [account.password_hash if account else None]


@pytest.mark.parametrize("state", ["disabled", "locked"])
def test_the_account_state_is_checked_only_after_the_password(
    ctx: Flask, state: str, verifications: list[str | None]
) -> None:
    account = account_in_state(state)
    assert refused(account, PASSWORD).reason == state
    assert len(verifications) == 1


# Expiry of a lock (security.lockout_duration, 900 seconds by default)


def lock_set(account: User | CustomerUser, ago: timedelta) -> None:
    account.locked, account.locked_at, account.failed_logins = True, utcnow() - ago, LIMIT
    db.session.commit()


def test_register_failure_records_when_it_locked(user: User) -> None:
    before = utcnow()
    for _ in range(LIMIT):
        lockout.register_failure(user, LIMIT)
    assert user.locked_at is not None
    assert before <= user.locked_at <= utcnow()


def test_unlock_clears_the_lock_time(user: User) -> None:
    lock_set(user, timedelta(0))
    lockout.unlock(user)
    assert user.locked_at is None


def test_a_lock_is_in_force_until_the_duration_has_passed(user: User) -> None:
    lock_set(user, DURATION - timedelta(seconds=5))
    assert lockout.is_locked(user) is True
    assert user.is_active is False


def test_a_lock_older_than_the_duration_no_longer_counts(user: User) -> None:
    lock_set(user, DURATION + timedelta(seconds=1))
    assert lockout.is_locked(user) is False
    assert user.is_active is True


def test_after_expiry_the_right_password_logs_in_and_clears_the_lock(user: User) -> None:
    lock_set(user, DURATION + timedelta(seconds=1))
    authenticate(user, PASSWORD, LIMIT)
    stored = fresh(User, user.id)
    assert (stored.locked, stored.locked_at, stored.failed_logins) == (False, None, 0)


def test_after_expiry_a_wrong_password_locks_again_at_once(user: User) -> None:
    lock_set(user, DURATION + timedelta(seconds=1))
    error = refused(user, WRONG)
    assert (error.message, error.reason) == (INVALID_CREDENTIALS, "invalid")
    stored = fresh(User, user.id)
    assert stored.locked_at is not None and stored.locked_at > utcnow() - timedelta(seconds=5)
    assert lockout.is_locked(stored) is True


def test_a_lock_without_a_time_lasts_until_unlocked(user: User) -> None:
    user.locked = True
    db.session.commit()
    assert lockout.is_locked(user) is True


def test_with_lockout_duration_zero_a_lock_lasts_until_unlocked(make_app: AppFactory) -> None:
    app = make_app(security={"lockout_duration": 0})
    with app.app_context():
        account = make_user()
        lock_set(account, timedelta(days=30))
        assert lockout.is_locked(account) is True
        error = refused(account, PASSWORD)
        assert error.message == "Account is locked. Please contact your administrator."
