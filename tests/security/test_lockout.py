"""Failed-login counting, lockout, and authenticate() built on them."""

from __future__ import annotations

from typing import TypeVar

import pytest
from flask import Flask

from oauthapp.extensions import db
from oauthapp.models import CustomerUser, User
from oauthapp.security import lockout
from oauthapp.security.authentication import (
    INVALID_CREDENTIALS,
    LOCKED_NOW,
    LoginRefused,
    authenticate,
)
from tests.factories import PASSWORD, make_customer, make_user

WRONG = "wrong password"
LIMIT = 3
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


def test_refusal_reason_for_a_locked_account(user: User) -> None:
    user.locked = True
    assert lockout.refusal_reason(user) == "Account is locked."


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
    user.locked = True
    db.session.commit()
    error = refused(user, PASSWORD)
    assert error.message == "Account is locked."
    assert error.reason == "locked"


def test_authenticate_the_locking_failure_says_the_account_is_now_locked(user: User) -> None:
    for _ in range(LIMIT - 1):
        assert refused(user, WRONG).message == INVALID_CREDENTIALS
    error = refused(user, WRONG)
    assert error.message == LOCKED_NOW
    assert error.reason == "locked"
    assert user.locked is True


def test_authenticate_after_locking_says_account_is_locked(user: User) -> None:
    for _ in range(LIMIT):
        refused(user, WRONG)
    error = refused(user, WRONG)
    assert error.message == "Account is locked."
    assert user.failed_logins == LIMIT


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
    assert refused(customer, WRONG, limit=2).message == LOCKED_NOW
    stored = fresh(CustomerUser, customer_id)
    assert stored.locked is True
    assert stored.failed_logins == 2
