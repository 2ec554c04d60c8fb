"""Logging in and out of the back-office."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from oauthapp.accounts.service import get_user, set_enabled
from oauthapp.extensions import db
from oauthapp.forms import INVALID_TEXT
from oauthapp.models import utcnow
from oauthapp.security.authentication import INVALID_CREDENTIALS
from tests.accounts.helpers import csrf_token, log_in
from tests.factories import PASSWORD, make_user


@pytest.fixture
def alice(app: Flask) -> str:
    with app.app_context():
        return make_user("alice").username


def failed_logins(app: Flask, username: str) -> tuple[int, bool]:
    with app.app_context():
        user = get_user(username)
        return user.failed_logins, user.locked


def alert(response: TestResponse) -> list[str]:
    """The messages of the login form's alert."""
    found = re.search(r'role="alert">(.*?)</div>', response.get_data(as_text=True), re.DOTALL)
    return re.findall(r"<p>(.*?)</p>", found.group(1)) if found else []


def test_the_login_page_has_a_form_with_a_csrf_token(client: FlaskClient) -> None:
    response = client.get("/login")
    assert response.status_code == 200
    assert 'name="username"' in response.get_data(as_text=True)
    assert csrf_token(client)


def test_valid_credentials_log_in_and_open_the_home_page(client: FlaskClient, alice: str) -> None:
    response = log_in(client, alice)
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"
    home = client.get("/admin/")
    assert home.status_code == 200
    assert "Welcome, alice" in home.get_data(as_text=True)


def test_a_wrong_password_is_refused_and_counted(
    app: Flask, client: FlaskClient, alice: str
) -> None:
    response = log_in(client, alice, "wrong password")
    assert response.status_code == 200
    assert INVALID_CREDENTIALS in response.get_data(as_text=True)
    assert failed_logins(app, alice) == (1, False)
    assert client.get("/admin/").status_code == 302


def test_an_unknown_user_gets_the_same_message(client: FlaskClient) -> None:
    response = log_in(client, "nobody", "whatever password")
    assert INVALID_CREDENTIALS in response.get_data(as_text=True)


@pytest.mark.parametrize("username", ["\x00", "ali\x00ce"])
def test_a_username_with_a_nul_byte_is_a_form_error(
    client: FlaskClient, alice: str, username: str
) -> None:
    """PostgreSQL refuses NUL in a query: the form refuses it first (oauthapp.forms)."""
    response = log_in(client, username)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert INVALID_TEXT in page and "\x00" not in page
    assert client.get("/admin/").status_code == 302  # not logged in


def test_the_failure_limit_locks_the_account(make_app, alice_limit_3: tuple[Flask, str]) -> None:  # type: ignore[no-untyped-def]
    app, username = alice_limit_3
    client = app.test_client()
    for _ in range(2):
        assert INVALID_CREDENTIALS in log_in(client, username, "wrong password").get_data(
            as_text=True
        )
    # The locking failure answers as any wrong password: it must not tell that the name exists.
    assert alert(log_in(client, username, "wrong password")) == [INVALID_CREDENTIALS]
    assert failed_logins(app, username) == (3, True)


@pytest.fixture
def alice_limit_3(make_app) -> tuple[Flask, str]:  # type: ignore[no-untyped-def]
    app = make_app(security={"failed_login_limit": 3})
    with app.app_context():
        return app, make_user("alice").username


def test_a_locked_user_is_refused_even_with_the_right_password(
    alice_limit_3: tuple[Flask, str],
) -> None:
    app, username = alice_limit_3
    client = app.test_client()
    for _ in range(3):
        log_in(client, username, "wrong password")
    response = log_in(client, username)
    assert response.status_code == 200
    assert alert(response) == ["Account is locked. Try again in 15 minutes."]


def test_a_disabled_user_is_refused_with_a_clear_message(
    app: Flask, client: FlaskClient, alice: str
) -> None:
    with app.app_context():
        set_enabled(get_user(alice), False)
    response = log_in(client, alice)
    assert "Account is disabled." in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


def test_a_successful_login_resets_the_counter(app: Flask, client: FlaskClient, alice: str) -> None:
    log_in(client, alice, "wrong password")
    log_in(client, alice)
    assert failed_logins(app, alice) == (0, False)


def test_a_zero_limit_never_locks(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(security={"failed_login_limit": 0})
    with app.app_context():
        username = make_user().username
    client = app.test_client()
    for _ in range(12):
        log_in(client, username, "wrong password")
    assert failed_logins(app, username) == (12, False)


def test_a_post_without_csrf_token_is_refused_with_a_readable_page(
    client: FlaskClient, alice: str
) -> None:
    response = client.post("/login", data={"username": alice, "password": "x"})
    assert response.status_code == 400
    assert "form has expired" in response.get_data(as_text=True)
    assert response.mimetype == "text/html"


def test_empty_fields_show_messages_beside_them(client: FlaskClient) -> None:
    response = client.post(
        "/login", data={"csrf_token": csrf_token(client), "username": "", "password": ""}
    )
    assert response.status_code == 200
    assert response.get_data(as_text=True).count("This field is required.") == 2


def test_the_home_page_requires_login_and_remembers_where_to_go(client: FlaskClient) -> None:
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_a_local_next_is_followed_after_login(client: FlaskClient, alice: str) -> None:
    response = log_in(client, alice, next_url="/admin/?page=2")
    assert response.headers["Location"] == "/admin/?page=2"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
        "admin",
    ],
)
def test_a_foreign_next_is_ignored(client: FlaskClient, alice: str, target: str) -> None:
    response = log_in(client, alice, next_url=target)
    assert response.headers["Location"] == "/admin/"


def test_a_next_with_a_nul_byte_is_a_form_error(client: FlaskClient, alice: str) -> None:
    response = log_in(client, alice, next_url="/\x00x")
    assert response.status_code == 200
    assert INVALID_TEXT in response.get_data(as_text=True)


def test_a_login_link_whose_next_holds_a_nul_byte_still_logs_in(
    client: FlaskClient, alice: str
) -> None:
    page = client.get("/login?next=/admin/%00profile").get_data(as_text=True)
    carried = re.search(r'name="next"[^>]*value="([^"]*)"', page)
    assert carried and "\x00" not in carried.group(1)
    form = {"csrf_token": csrf_token(client), "username": alice, "password": PASSWORD,
            "next": carried.group(1)}  # fmt: skip
    response = client.post("/login", data=form)
    assert response.headers["Location"] == "/admin/profile"


def test_the_session_cookie_is_http_only_and_same_site(client: FlaskClient, alice: str) -> None:
    response = log_in(client, alice)
    cookie = next(
        c for c in response.headers.getlist("Set-Cookie") if c.startswith("oauthapp_session=")
    )
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_the_session_cookie_holds_no_password(client: FlaskClient, alice: str) -> None:
    response = log_in(client, alice)
    cookies = " ".join(response.headers.getlist("Set-Cookie"))
    assert "correct horse" not in cookies


def test_logout_by_post_ends_the_session(client: FlaskClient, alice: str) -> None:
    log_in(client, alice)
    token = csrf_token(client, "/admin/")
    response = client.post("/logout", data={"csrf_token": token})
    assert response.headers["Location"] == "/login"
    assert client.get("/admin/").status_code == 302


def test_logout_by_get_only_asks_for_confirmation(client: FlaskClient, alice: str) -> None:
    log_in(client, alice)
    response = client.get("/logout")
    assert response.status_code == 200
    assert "Do you want to log out" in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 200


def test_logout_without_csrf_token_is_refused(client: FlaskClient, alice: str) -> None:
    log_in(client, alice)
    assert client.post("/logout").status_code == 400
    assert client.get("/admin/").status_code == 200


def test_disabling_a_user_ends_its_sessions(app: Flask, client: FlaskClient, alice: str) -> None:
    log_in(client, alice)
    with app.app_context():
        set_enabled(get_user(alice), False)
        db.session.remove()
    assert client.get("/admin/").status_code == 302


def lock(app: Flask, username: str, ago: timedelta = timedelta(0)) -> None:
    with app.app_context():
        user = get_user(username)
        user.locked, user.locked_at, user.failed_logins = True, utcnow() - ago, 10
        db.session.commit()


@pytest.mark.parametrize("state", ["unknown", "wrong", "disabled", "locked"])
def test_a_wrong_password_gets_the_same_answer_whatever_the_account(
    app: Flask, client: FlaskClient, alice: str, state: str
) -> None:
    """No way to tell an unknown name from a disabled or locked account without its password."""
    if state == "disabled":
        with app.app_context():
            set_enabled(get_user(alice), False)
    if state == "locked":
        lock(app, alice)
    response = log_in(client, "nobody" if state == "unknown" else alice, "wrong password")
    assert response.status_code == 200
    assert alert(response) == [INVALID_CREDENTIALS]


def test_a_locked_user_learns_it_only_with_the_right_password(
    app: Flask, client: FlaskClient, alice: str
) -> None:
    lock(app, alice, ago=timedelta(minutes=5))
    assert alert(log_in(client, alice)) == ["Account is locked. Try again in 10 minutes."]
    assert client.get("/admin/").status_code == 302


def test_after_the_lock_expires_the_right_password_logs_in_and_resets_the_counter(
    app: Flask, client: FlaskClient, alice: str
) -> None:
    lock(app, alice, ago=timedelta(seconds=901))
    response = log_in(client, alice)
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200
    assert failed_logins(app, alice) == (0, False)


def test_a_session_ends_when_its_user_is_locked(
    app: Flask, client: FlaskClient, alice: str
) -> None:
    log_in(client, alice)
    lock(app, alice)
    assert client.get("/admin/").status_code == 302


def test_a_session_survives_a_lock_that_has_expired(
    app: Flask, client: FlaskClient, alice: str
) -> None:
    log_in(client, alice)
    lock(app, alice, ago=timedelta(seconds=901))
    assert client.get("/admin/").status_code == 200
