"""Locked accounts on the Users and Customer Users pages, and their Unlock action."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from oauthapp.extensions import db
from oauthapp.models import CustomerUser, User, utcnow
from tests.accounts.conftest import People, build_people, logged_in
from tests.accounts.helpers import csrf_token, log_in
from tests.factories import PASSWORD

LOCKED_BADGE = re.compile(r"Locked until \d{4}-\d\d-\d\d \d\d:\d\d UTC<")
UNLOCK_BUTTON = ">Unlock</button>"


def lock(app: Flask, model: type[Any], account_id: int, ago: timedelta = timedelta(0)) -> None:
    """Lock the account as ten failed logins do, ago in the past."""
    with app.app_context():
        account = db.session.get_one(model, account_id)
        account.locked, account.locked_at, account.failed_logins = True, utcnow() - ago, 10
        db.session.commit()


def lock_state(app: Flask, model: type[Any], account_id: int) -> tuple[Any, ...]:
    with app.app_context():
        account = db.session.get_one(model, account_id)
        return account.locked, account.locked_at, account.failed_logins


def post_unlock(client: FlaskClient, path: str, token: bool = True) -> Any:
    data = {"csrf_token": csrf_token(client, "/admin/")} if token else {}
    return client.post(f"{path}/unlock", data=data)


@pytest.fixture
def bob_locked(app: Flask, people: People) -> str:
    """Bob (USER of Acme) locked: his page, which alice administers and oscar cannot see."""
    lock(app, User, people.bob)
    return f"/admin/users/{people.bob}"


@pytest.fixture
def alice_locked(app: Flask, people: People) -> str:
    """Alice (ADMINISTRATOR of Acme) locked: her page, which bob (USER of Acme) can see."""
    lock(app, User, people.alice)
    return f"/admin/users/{people.alice}"


@pytest.fixture
def carol_locked(app: Flask, people: People) -> str:
    """carol@example.com (customer user of Acme) locked: her page."""
    lock(app, CustomerUser, people.carol)
    return f"/admin/customer-users/{people.carol}"


def test_the_users_list_shows_a_lock_with_its_end_and_an_unlock_button(
    app: Flask, bob_locked: str
) -> None:
    html = logged_in(app, "alice").get("/admin/users").get_data(as_text=True)
    assert LOCKED_BADGE.search(html)
    assert f'action="{bob_locked}/unlock"' in html
    assert UNLOCK_BUTTON in html


def test_the_customer_users_list_shows_a_lock_and_an_unlock_button(
    app: Flask, carol_locked: str
) -> None:
    html = logged_in(app, "alice").get("/admin/customer-users").get_data(as_text=True)
    assert LOCKED_BADGE.search(html)
    assert f'action="{carol_locked}/unlock"' in html


@pytest.mark.parametrize("path", ["/admin/users", "/admin/customer-users"])
@pytest.mark.usefixtures("alice_locked", "carol_locked")
def test_a_plain_user_sees_locks_but_no_unlock_button(app: Flask, path: str) -> None:
    html = logged_in(app, "bob").get(path).get_data(as_text=True)
    assert LOCKED_BADGE.search(html)
    assert UNLOCK_BUTTON not in html


@pytest.mark.parametrize("fixture", ["bob_locked", "carol_locked"])
def test_the_view_page_shows_the_lock_and_an_unlock_button(
    app: Flask, request: pytest.FixtureRequest, fixture: str
) -> None:
    path = request.getfixturevalue(fixture)
    html = logged_in(app, "alice").get(path).get_data(as_text=True)
    assert LOCKED_BADGE.search(html)
    assert f'action="{path}/unlock"' in html


def test_a_lock_that_has_expired_is_not_shown(app: Flask, people: People) -> None:
    lock(app, User, people.bob, ago=timedelta(seconds=901))
    html = logged_in(app, "alice").get(f"/admin/users/{people.bob}").get_data(as_text=True)
    assert "Locked" not in html
    assert UNLOCK_BUTTON not in html


def test_a_lock_for_good_says_until_unlocked(make_app: Any) -> None:
    app = make_app(security={"lockout_duration": 0})
    with app.app_context():
        people = build_people()
    lock(app, User, people.bob, ago=timedelta(days=2))
    html = logged_in(app, "alice").get(f"/admin/users/{people.bob}").get_data(as_text=True)
    assert "Locked until unlocked<" in html


@pytest.mark.parametrize(
    ("fixture", "model"), [("bob_locked", User), ("carol_locked", CustomerUser)]
)
def test_an_administrator_unlocks_and_returns_to_the_page_with_a_message(
    app: Flask, request: pytest.FixtureRequest, fixture: str, model: type[Any]
) -> None:
    path = request.getfixturevalue(fixture)
    client = logged_in(app, "alice")
    response = post_unlock(client, path)
    assert response.status_code == 302
    assert response.headers["Location"] == path
    page = client.get(path).get_data(as_text=True)
    assert "Unlocked successfully." in page
    assert UNLOCK_BUTTON not in page
    assert lock_state(app, model, int(path.rsplit("/", 1)[1])) == (False, None, 0)


def test_an_administrator_of_the_global_organization_may_unlock(
    app: Flask, people: People, carol_locked: str
) -> None:
    assert post_unlock(logged_in(app, "root"), carol_locked).status_code == 302
    assert lock_state(app, CustomerUser, people.carol) == (False, None, 0)


def test_an_unlocked_user_logs_in_again(app: Flask, people: People, bob_locked: str) -> None:
    post_unlock(logged_in(app, "alice"), bob_locked)
    assert log_in(app.test_client(), "bob", PASSWORD).status_code == 302


@pytest.mark.parametrize(
    ("fixture", "model"), [("alice_locked", User), ("carol_locked", CustomerUser)]
)
def test_a_plain_user_may_not_unlock(
    app: Flask, request: pytest.FixtureRequest, fixture: str, model: type[Any]
) -> None:
    path = request.getfixturevalue(fixture)
    account_id = int(path.rsplit("/", 1)[1])
    before = lock_state(app, model, account_id)
    assert post_unlock(logged_in(app, "bob"), path).status_code == 403
    assert lock_state(app, model, account_id) == before


@pytest.mark.parametrize("fixture", ["bob_locked", "carol_locked"])
def test_an_administrator_of_another_organization_gets_not_found(
    app: Flask, request: pytest.FixtureRequest, fixture: str
) -> None:
    path = request.getfixturevalue(fixture)
    assert post_unlock(logged_in(app, "oscar"), path).status_code == 404


def test_unlock_without_a_csrf_token_is_refused(
    app: Flask, people: People, bob_locked: str
) -> None:
    assert post_unlock(logged_in(app, "alice"), bob_locked, token=False).status_code == 400
    assert lock_state(app, User, people.bob)[0] is True


def test_unlock_by_get_is_not_allowed(app: Flask, bob_locked: str) -> None:
    assert logged_in(app, "alice").get(f"{bob_locked}/unlock").status_code == 405
