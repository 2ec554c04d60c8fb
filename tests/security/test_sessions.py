"""Sessions end for good: a copy of the cookie taken before an ending event stops working.

The attacker's side is a second test client given the copied cookie; the server is told apart
from it by nothing else (same address, same user agent).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest
from flask import Flask, session
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import event
from werkzeug.test import TestResponse

from oauthapp.accounts.service import get_customer_user, get_user
from oauthapp.accounts.session import load_user
from oauthapp.extensions import db
from oauthapp.security.authentication import LoginRefused, authenticate
from oauthapp.security.sessions import SESSION_KEY
from tests.accounts.helpers import csrf_token, log_in
from tests.applications.test_secret import session_of
from tests.cli.helpers import invoke
from tests.conftest import AppFactory
from tests.factories import make_customer, make_org, make_user

COOKIE = "oauthapp_session"
NEW_PASSWORD = "a brand new passphrase"
ENDED = "All your sessions have been ended. Please log in again."


@pytest.fixture
def alice(app: Flask) -> str:
    with app.app_context():
        return make_user("alice").username


def logged_in(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    assert log_in(client, username).status_code == 302
    return client


def stolen_copy(app: Flask, victim: FlaskClient) -> FlaskClient:
    """A new client holding a copy of the victim's session cookie."""
    cookie = victim.get_cookie(COOKIE)
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie(COOKIE, cookie.value)
    assert thief.get("/admin/").status_code == 200  # the copy works until the session ends
    return thief


def where_to(response: TestResponse) -> tuple[int, str]:
    """The status and, for a redirect, the path it leads to."""
    return response.status_code, urlsplit(response.headers.get("Location", "")).path


def log_out(client: FlaskClient) -> None:
    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/admin/")})
    assert where_to(response) == (302, "/login")


def test_a_cookie_copied_before_logout_no_longer_works(app: Flask, alice: str) -> None:
    victim = logged_in(app, alice)
    thief = stolen_copy(app, victim)

    log_out(victim)

    assert where_to(thief.get("/admin/")) == (302, "/login")


def test_a_password_change_ends_the_sessions(app: Flask, cli: FlaskCliRunner, alice: str) -> None:
    victim = logged_in(app, alice)
    thief = stolen_copy(app, victim)

    result = invoke(cli, "users", "set-password", alice, "--password", NEW_PASSWORD)

    assert result.exit_code == 0, result.output
    assert result.output == "Set the password of user 'alice'; its sessions have ended.\n"
    assert where_to(thief.get("/admin/")) == (302, "/login")
    assert where_to(victim.get("/admin/")) == (302, "/login")
    assert log_in(app.test_client(), alice, NEW_PASSWORD).status_code == 302


def test_a_password_the_policy_refuses_changes_nothing(
    app: Flask, cli: FlaskCliRunner, alice: str
) -> None:
    victim = logged_in(app, alice)

    result = invoke(cli, "users", "set-password", alice, "--password", "short")

    assert result.exit_code != 0
    assert "password" in result.output.lower()
    assert victim.get("/admin/").status_code == 200
    assert log_in(app.test_client(), alice).status_code == 302


def test_a_session_of_a_disabled_user_stays_ended_after_enabling_again(
    app: Flask, cli: FlaskCliRunner, alice: str
) -> None:
    thief = stolen_copy(app, logged_in(app, alice))

    assert invoke(cli, "users", "disable", alice).exit_code == 0
    assert invoke(cli, "users", "enable", alice).exit_code == 0

    assert where_to(thief.get("/admin/")) == (302, "/login")


@pytest.fixture
def limit_3(make_app: AppFactory) -> Flask:
    app = make_app(security={"failed_login_limit": 3})
    with app.app_context():
        make_user("alice")
    return app


def test_a_session_of_a_locked_user_stays_ended_after_unlocking(limit_3: Flask) -> None:
    thief = stolen_copy(limit_3, logged_in(limit_3, "alice"))
    guesser = limit_3.test_client()
    for _ in range(3):
        log_in(guesser, "alice", "wrong password")

    assert invoke(limit_3.test_cli_runner(), "users", "unlock", "alice").exit_code == 0

    assert where_to(thief.get("/admin/")) == (302, "/login")


def test_failed_logins_below_the_limit_leave_the_session_alone(limit_3: Flask) -> None:
    victim = logged_in(limit_3, "alice")
    guesser = limit_3.test_client()
    for _ in range(2):
        log_in(guesser, "alice", "wrong password")

    assert victim.get("/admin/").status_code == 200


def log_out_everywhere(client: FlaskClient) -> TestResponse:
    token = csrf_token(client, "/admin/profile")
    return client.post("/admin/profile/log-out-everywhere", data={"csrf_token": token})


def test_my_user_has_a_log_out_everywhere_button(app: Flask, alice: str) -> None:
    page = logged_in(app, alice).get("/admin/profile").get_data(as_text=True)

    assert 'action="/admin/profile/log-out-everywhere"' in page
    assert ">Log out everywhere</button>" in page


def test_log_out_everywhere_ends_the_other_sessions_and_this_one(app: Flask, alice: str) -> None:
    clicking, elsewhere = logged_in(app, alice), logged_in(app, alice)

    response = log_out_everywhere(clicking)

    assert where_to(response) == (302, "/login")
    assert ENDED in clicking.get("/login").get_data(as_text=True)
    assert where_to(clicking.get("/admin/")) == (302, "/login")
    assert where_to(elsewhere.get("/admin/")) == (302, "/login")


def test_log_out_everywhere_ends_only_that_users_sessions(app: Flask, alice: str) -> None:
    with app.app_context():
        make_user("bob")
    bob = logged_in(app, "bob")

    log_out_everywhere(logged_in(app, alice))

    assert bob.get("/admin/").status_code == 200


def test_log_out_everywhere_without_csrf_token_is_refused(app: Flask, alice: str) -> None:
    client = logged_in(app, alice)

    response = client.post("/admin/profile/log-out-everywhere")

    assert response.status_code == 400
    assert "form has expired" in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 200


def test_a_new_login_after_the_end_works(app: Flask, alice: str) -> None:
    client = logged_in(app, alice)
    log_out_everywhere(client)

    assert log_in(client, alice).status_code == 302
    assert client.get("/admin/").status_code == 200


def test_a_session_nobody_ended_keeps_working(app: Flask, alice: str) -> None:
    with app.app_context():
        make_user("bob")
    client = logged_in(app, alice)
    log_out(logged_in(app, "bob"))  # someone else's logout

    for path in ("/admin/", "/admin/profile", "/admin/users", "/admin/"):
        assert client.get(path).status_code == 200, path


def test_the_cookie_carries_the_version_as_a_plain_number(app: Flask, alice: str) -> None:
    client = logged_in(app, alice)
    log_out(client)  # the version is now 1

    assert log_in(client, alice).status_code == 302

    assert session_of(app, client)[SESSION_KEY] == 1


@contextmanager
def statements(app: Flask) -> Iterator[list[str]]:
    """The SQL statements run inside the block."""
    seen: list[str] = []

    def record(*args: object) -> None:
        seen.append(str(args[2]))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def test_the_version_check_costs_no_query_beyond_the_user_load(app: Flask, alice: str) -> None:
    with app.app_context():
        user_id = get_user(alice).id
    with app.test_request_context():
        session[SESSION_KEY] = 0
        with statements(app) as seen:
            user = load_user(str(user_id))

    assert user is not None
    # The user's row, then its roles (loaded with it, "selectin"); nothing for the version.
    assert len(seen) == 2, seen
    assert "FROM users" in seen[0]
    assert "FROM user_roles" in seen[1]


def customer_version(app: Flask, email: str) -> int:
    with app.app_context():
        db.session.remove()
        return get_customer_user(email).session_version


@pytest.fixture
def carol(app: Flask) -> str:
    with app.app_context():
        return make_customer("carol@example.com", org=make_org("Acme")).email


def test_a_customer_password_change_bumps_the_session_version(
    app: Flask, cli: FlaskCliRunner, carol: str
) -> None:
    before = customer_version(app, carol)

    result = invoke(cli, "customers", "set-password", carol, "--password", NEW_PASSWORD)

    assert result.exit_code == 0, result.output
    assert customer_version(app, carol) == before + 1


def test_disabling_a_customer_bumps_the_session_version(
    app: Flask, cli: FlaskCliRunner, carol: str
) -> None:
    before = customer_version(app, carol)

    assert invoke(cli, "customers", "disable", carol).exit_code == 0

    assert customer_version(app, carol) == before + 1


def test_locking_a_customer_bumps_the_session_version(app: Flask, carol: str) -> None:
    before = customer_version(app, carol)
    with app.app_context():
        customer = get_customer_user(carol)
        for _ in range(3):
            with pytest.raises(LoginRefused):
                authenticate(customer, "wrong password", 3)
        assert customer.locked

    assert customer_version(app, carol) == before + 1
