"""A password hash made with other parameters than security.password_hash is replaced at the next
successful login, through each of the three doors: /login, /customer/user/login and the password
grant."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from argon2 import PasswordHasher
from flask import Flask
from sqlalchemy import event

from oauthapp.accounts.service import set_password
from oauthapp.extensions import db
from oauthapp.models import CustomerUser, Grant, Kind, User
from oauthapp.security.authentication import authenticate
from oauthapp.security.passwords import verify_password
from tests.accounts.helpers import log_in
from tests.authorize.helpers import customer_log_in
from tests.factories import PASSWORD
from tests.token.grant_support import (
    load_row,
    new_application,
    new_customer,
    new_org,
    new_user,
    update_row,
)
from tests.token.helpers import assert_error, password_grant

WRONG = "not the password"
# The configured parameters (cheap, so the tests stay fast) and a hash made with other ones.
CONFIGURED = {"time_cost": 1, "memory_cost": 16, "parallelism": 1}
CONFIGURED_PREFIX = "$argon2id$v=19$m=16,t=1,p=1$"
OLD_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    """An app hashing with security.password_hash alone (no OAUTHAPP_ARGON2 override)."""
    return make_app(OAUTHAPP_ARGON2=None, security={"password_hash": CONFIGURED})


@dataclass(frozen=True)
class Door:
    """An account that logs in through one door; log_in(password) answers True on success."""

    model: type[Any]
    account_id: int
    log_in: Callable[[str], bool]


def back_office(app: Flask) -> Door:
    user_id, username = new_user(app, new_org(app))

    def attempt(password: str) -> bool:
        response = log_in(app.test_client(), username, password)
        if response.status_code == 302:
            return True
        assert response.status_code == 200
        return False

    return Door(User, user_id, attempt)


def storefront(app: Flask) -> Door:
    customer_id, email = new_customer(app, new_org(app))

    def attempt(password: str) -> bool:
        response = customer_log_in(app.test_client(), email, password)
        if response.status_code == 302:
            return True
        assert response.status_code == 200
        return False

    return Door(CustomerUser, customer_id, attempt)


def password_grant_door(app: Flask) -> Door:
    registered = new_application(app, Grant.PASSWORD, Kind.BACKOFFICE)
    user_id, username = new_user(app, registered.organization_id)

    def attempt(password: str) -> bool:
        response = password_grant(
            app.test_client(), registered.client_id, registered.secret, username, password
        )
        if response.status_code == 200:
            return True
        assert_error(response, 400, "invalid_grant")
        return False

    return Door(User, user_id, attempt)


@pytest.fixture(params=[back_office, storefront, password_grant_door])
def door(request: pytest.FixtureRequest, app: Flask) -> Door:
    made: Door = request.param(app)
    return made


def stored_hash(app: Flask, door: Door) -> str:
    value: str = load_row(app, door.model, door.account_id)["password_hash"]
    return value


def give_old_hash(app: Flask, door: Door) -> str:
    old = OLD_HASHER.hash(PASSWORD)
    update_row(app, door.model, door.account_id, password_hash=old)
    return old


@pytest.fixture
def password_updates(app: Flask) -> Iterator[list[str]]:
    """The SQL statements that write a password hash, while the test runs."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE") and "password_hash" in statement:
            seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def test_a_hash_with_other_parameters_is_rehashed_at_login(app: Flask, door: Door) -> None:
    old = give_old_hash(app, door)
    assert door.log_in(PASSWORD) is True
    new = stored_hash(app, door)
    assert new != old
    assert new.startswith(CONFIGURED_PREFIX)
    with app.app_context():
        assert verify_password(new, PASSWORD) is True


def test_the_rehashed_account_logs_in_again(app: Flask, door: Door) -> None:
    give_old_hash(app, door)
    assert door.log_in(PASSWORD) is True
    assert door.log_in(PASSWORD) is True
    assert door.log_in(WRONG) is False


def test_a_failed_login_does_not_rehash(app: Flask, door: Door) -> None:
    old = give_old_hash(app, door)
    assert door.log_in(WRONG) is False
    assert stored_hash(app, door) == old


def test_a_hash_with_the_current_parameters_is_not_rewritten(
    app: Flask, door: Door, password_updates: list[str]
) -> None:
    current = stored_hash(app, door)
    assert current.startswith(CONFIGURED_PREFIX)
    assert door.log_in(PASSWORD) is True
    assert password_updates == []
    assert stored_hash(app, door) == current


def test_the_rehash_is_one_conditional_update(
    app: Flask, door: Door, password_updates: list[str]
) -> None:
    give_old_hash(app, door)
    password_updates.clear()
    assert door.log_in(PASSWORD) is True
    assert len(password_updates) == 1
    where = password_updates[0].split("WHERE", 1)[1]
    assert "password_hash = " in where


@pytest.mark.parametrize("model", [User, CustomerUser])
def test_a_password_changed_meanwhile_is_not_overwritten_by_the_rehash(
    app: Flask, model: type[Any]
) -> None:
    door = (back_office if model is User else storefront)(app)
    give_old_hash(app, door)
    new_password = "a brand new password"
    with app.app_context():
        # The login has read the account (old hash) when another request changes the password.
        stale = db.session.get(model, door.account_id)
        assert stale is not None
        db.session.expunge(stale)
        fresh = db.session.get(model, door.account_id)
        assert fresh is not None
        set_password(fresh, new_password)
        authenticate(stale, PASSWORD, 10)
    with app.app_context():
        stored = stored_hash(app, door)
        assert verify_password(stored, new_password) is True
        assert verify_password(stored, PASSWORD) is False
