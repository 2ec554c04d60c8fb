"""The password grant: who may log in through which application, and the lockout rules."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask

from oauthapp.models import CustomerUser, Grant, Kind, User, utcnow
from tests.factories import PASSWORD
from tests.token.grant_support import (
    App,
    load_row,
    me,
    new_application,
    new_customer,
    new_org,
    new_user,
    token_body,
    update_row,
    verify_with_jwks,
)
from tests.token.helpers import assert_error, password_grant

WRONG = "not the password"
DISABLED, LOCKED = "Account is disabled.", "Account is locked."


@pytest.fixture
def backoffice(app: Flask) -> App:
    return new_application(app, Grant.PASSWORD, Kind.BACKOFFICE)


@pytest.fixture
def storefront(app: Flask) -> App:
    return new_application(app, Grant.PASSWORD, Kind.STOREFRONT)


def log_in(app: Flask, registered: App, login: str, password: str = PASSWORD) -> Any:
    return password_grant(
        app.test_client(), registered.client_id, registered.secret, login, password
    )


def account_of(app: Flask, registered: App) -> tuple[type[Any], int, str]:
    """A user who may log in through the application: its model, id and login."""
    if registered.kind == Kind.STOREFRONT:
        return CustomerUser, *new_customer(app, registered.organization_id)
    return User, *new_user(app, registered.organization_id)


def test_a_back_office_app_logs_a_member_of_its_organization_in_by_username(
    app: Flask, backoffice: App
) -> None:
    user_id, username = new_user(app, backoffice.organization_id)
    body = token_body(log_in(app, backoffice, username))
    claims = verify_with_jwks(app, app.test_client(), body["access_token"], Kind.BACKOFFICE)[1]
    assert claims["sub"] == str(user_id)
    assert claims["client_id"] == backoffice.client_id
    assert claims["org"] == backoffice.organization_id
    assert me(app.test_client(), body["access_token"]).get_json()["username"] == username


def test_a_member_of_the_global_organization_may_log_in_through_any_back_office_app(
    app: Flask, backoffice: App
) -> None:
    _, username = new_user(app, new_org(app, is_global=True))
    token_body(log_in(app, backoffice, username))


def test_a_user_of_another_organization_gets_invalid_grant(app: Flask, backoffice: App) -> None:
    _, username = new_user(app, new_org(app))
    assert_error(log_in(app, backoffice, username), 400, "invalid_grant")


def test_a_storefront_app_logs_a_customer_user_in_by_email(app: Flask, storefront: App) -> None:
    customer_id, email = new_customer(app, storefront.organization_id)
    body = token_body(log_in(app, storefront, email))
    claims = verify_with_jwks(app, app.test_client(), body["access_token"], Kind.STOREFRONT)[1]
    assert claims["sub"] == str(customer_id)
    response = me(app.test_client(), body["access_token"], Kind.STOREFRONT)
    assert response.get_json()["email"] == email


def test_the_customer_email_is_matched_without_regard_to_case(app: Flask, storefront: App) -> None:
    _, email = new_customer(app, storefront.organization_id, "Jane.Doe@Example.COM")
    assert email == "jane.doe@example.com"
    token_body(log_in(app, storefront, "JANE.DOE@example.com"))


def test_a_customer_user_of_another_organization_gets_invalid_grant(
    app: Flask, storefront: App
) -> None:
    _, email = new_customer(app, new_org(app))
    assert_error(log_in(app, storefront, email), 400, "invalid_grant")


def test_a_back_office_user_on_a_storefront_app_gets_invalid_grant(
    app: Flask, storefront: App
) -> None:
    _, username = new_user(app, storefront.organization_id)
    assert_error(log_in(app, storefront, username), 400, "invalid_grant")


def test_a_back_office_users_email_on_a_storefront_app_gets_invalid_grant(
    app: Flask, storefront: App
) -> None:
    _, username = new_user(app, storefront.organization_id)
    assert_error(log_in(app, storefront, f"{username}@example.com"), 400, "invalid_grant")


def test_a_customer_user_on_a_back_office_app_gets_invalid_grant(
    app: Flask, backoffice: App
) -> None:
    _, email = new_customer(app, backoffice.organization_id)
    assert_error(log_in(app, backoffice, email), 400, "invalid_grant")


def test_an_unknown_username_gets_invalid_grant(app: Flask, backoffice: App) -> None:
    body = assert_error(log_in(app, backoffice, "nobody-here"), 400, "invalid_grant")
    assert "hint" not in body


@pytest.mark.parametrize("kind", [Kind.BACKOFFICE, Kind.STOREFRONT])
def test_a_wrong_password_gets_invalid_grant(app: Flask, kind: Kind) -> None:
    registered = new_application(app, Grant.PASSWORD, kind)
    _, _, login = account_of(app, registered)
    body = assert_error(log_in(app, registered, login, WRONG), 400, "invalid_grant")
    assert "hint" not in body


@pytest.mark.parametrize("kind", [Kind.BACKOFFICE, Kind.STOREFRONT])
def test_a_disabled_user_gets_invalid_grant_with_the_disabled_hint(app: Flask, kind: Kind) -> None:
    registered = new_application(app, Grant.PASSWORD, kind)
    model, account_id, login = account_of(app, registered)
    update_row(app, model, account_id, enabled=False)
    body = assert_error(log_in(app, registered, login), 400, "invalid_grant")
    assert body["hint"] == DISABLED


@pytest.mark.parametrize("kind", [Kind.BACKOFFICE, Kind.STOREFRONT])
def test_a_locked_user_gets_invalid_grant_with_the_locked_hint(app: Flask, kind: Kind) -> None:
    registered = new_application(app, Grant.PASSWORD, kind)
    model, account_id, login = account_of(app, registered)
    update_row(app, model, account_id, locked=True, locked_at=utcnow())
    body = assert_error(log_in(app, registered, login), 400, "invalid_grant")
    assert body["hint"] == f"{LOCKED} Try again in 15 minutes."


@pytest.fixture
def strict_app(make_app: Any) -> Flask:
    app: Flask = make_app(security={"failed_login_limit": 3})
    return app


@pytest.mark.parametrize("kind", [Kind.BACKOFFICE, Kind.STOREFRONT])
def test_failures_below_the_limit_leave_the_account_usable(strict_app: Flask, kind: Kind) -> None:
    registered = new_application(strict_app, Grant.PASSWORD, kind)
    model, account_id, login = account_of(strict_app, registered)
    for _ in range(2):
        assert_error(log_in(strict_app, registered, login, WRONG), 400, "invalid_grant")
    assert load_row(strict_app, model, account_id)["failed_logins"] == 2
    token_body(log_in(strict_app, registered, login))


@pytest.mark.parametrize("kind", [Kind.BACKOFFICE, Kind.STOREFRONT])
def test_the_failure_that_reaches_the_limit_locks_the_account(
    strict_app: Flask, kind: Kind
) -> None:
    registered = new_application(strict_app, Grant.PASSWORD, kind)
    model, account_id, login = account_of(strict_app, registered)
    for _ in range(2):
        log_in(strict_app, registered, login, WRONG)
    body = assert_error(log_in(strict_app, registered, login, WRONG), 400, "invalid_grant")
    assert "hint" not in body  # a wrong password learns nothing about the account
    row = load_row(strict_app, model, account_id)
    assert row["locked"] is True
    assert row["locked_at"] is not None


def test_after_the_lock_even_the_right_password_gets_the_locked_hint(strict_app: Flask) -> None:
    registered = new_application(strict_app, Grant.PASSWORD, Kind.BACKOFFICE)
    _, _, login = account_of(strict_app, registered)
    for _ in range(3):
        log_in(strict_app, registered, login, WRONG)
    body = assert_error(log_in(strict_app, registered, login), 400, "invalid_grant")
    assert body["hint"] == f"{LOCKED} Try again in 15 minutes."


def test_a_success_resets_the_failure_counter(strict_app: Flask) -> None:
    registered = new_application(strict_app, Grant.PASSWORD, Kind.BACKOFFICE)
    model, account_id, login = account_of(strict_app, registered)
    for _ in range(2):
        log_in(strict_app, registered, login, WRONG)
    token_body(log_in(strict_app, registered, login))
    assert load_row(strict_app, model, account_id)["failed_logins"] == 0
    for _ in range(2):
        assert_error(log_in(strict_app, registered, login, WRONG), 400, "invalid_grant")
    token_body(log_in(strict_app, registered, login))


def test_a_limit_of_zero_never_locks(make_app: Any) -> None:
    app = make_app(security={"failed_login_limit": 0})
    registered = new_application(app, Grant.PASSWORD, Kind.BACKOFFICE)
    model, account_id, login = account_of(app, registered)
    for _ in range(12):
        log_in(app, registered, login, WRONG)
    assert load_row(app, model, account_id)["locked"] is False
    token_body(log_in(app, registered, login))


@pytest.mark.parametrize("kind", [Kind.BACKOFFICE, Kind.STOREFRONT])
def test_the_response_carries_a_refresh_token(app: Flask, kind: Kind) -> None:
    registered = new_application(app, Grant.PASSWORD, kind)
    _, _, login = account_of(app, registered)
    body = token_body(log_in(app, registered, login))
    assert set(body) == {"token_type", "expires_in", "access_token", "refresh_token"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["refresh_token"]
    assert body["refresh_token"] != body["access_token"]


def test_without_refresh_tokens_the_response_has_none(make_app: Any) -> None:
    app = make_app(oauth2_server={"authorization_server": {"enable_refresh_token": False}})
    registered = new_application(app, Grant.PASSWORD, Kind.BACKOFFICE)
    _, _, login = account_of(app, registered)
    body = token_body(log_in(app, registered, login))
    assert set(body) == {"token_type", "expires_in", "access_token"}


@pytest.mark.parametrize("state", ["unknown", "wrong", "disabled", "locked"])
@pytest.mark.parametrize("kind", [Kind.BACKOFFICE, Kind.STOREFRONT])
def test_a_wrong_password_gets_the_same_answer_whatever_the_account(
    app: Flask, kind: Kind, state: str
) -> None:
    """No way to tell an unknown login from a disabled or locked account without its password."""
    registered = new_application(app, Grant.PASSWORD, kind)
    model, account_id, login = account_of(app, registered)
    if state == "disabled":
        update_row(app, model, account_id, enabled=False)
    if state == "locked":
        update_row(app, model, account_id, locked=True, locked_at=utcnow())
    if state == "unknown":
        login = "nobody@example.com" if kind == Kind.STOREFRONT else "nobody"
    response = log_in(app, registered, login, WRONG)
    assert response.status_code == 400
    assert response.get_json() == {
        "error": "invalid_grant",
        "error_description": "The user credentials were incorrect.",
    }


@pytest.mark.parametrize("kind", [Kind.BACKOFFICE, Kind.STOREFRONT])
def test_after_the_lock_expires_the_right_password_gets_a_token(app: Flask, kind: Kind) -> None:
    registered = new_application(app, Grant.PASSWORD, kind)
    model, account_id, login = account_of(app, registered)
    expired = utcnow() - timedelta(seconds=901)
    update_row(app, model, account_id, locked=True, locked_at=expired, failed_logins=10)
    token_body(log_in(app, registered, login))
    row = load_row(app, model, account_id)
    assert (row["locked"], row["locked_at"], row["failed_logins"]) == (False, None, 0)


def test_with_lockout_duration_zero_an_old_lock_still_holds(make_app: Any) -> None:
    app = make_app(security={"lockout_duration": 0})
    registered = new_application(app, Grant.PASSWORD, Kind.BACKOFFICE)
    model, account_id, login = account_of(app, registered)
    update_row(app, model, account_id, locked=True, locked_at=utcnow() - timedelta(days=30))
    body = assert_error(log_in(app, registered, login), 400, "invalid_grant")
    assert body["hint"] == f"{LOCKED} Please contact your administrator."
