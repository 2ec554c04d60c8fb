"""prompt=none, prompt=login and max_age."""

from __future__ import annotations

import time

from flask import Flask
from flask.testing import FlaskClient

from oauthapp.models import Kind
from tests.accounts.helpers import log_in
from tests.authorize.helpers import (
    CodeApp,
    assert_redirected_error,
    authorize_url,
    customer_log_in,
    decide,
    new_code_app,
    new_customer,
    redirected,
)
from tests.token.grant_support import new_user


def test_prompt_none_without_a_session_is_login_required(
    client: FlaskClient, code_app: CodeApp
) -> None:
    response = client.get(authorize_url(code_app.client_id, prompt="none"))
    assert_redirected_error(response, "login_required")


def test_prompt_none_without_a_consent_is_consent_required(
    browser: FlaskClient, code_app: CodeApp
) -> None:
    response = browser.get(authorize_url(code_app.client_id, prompt="none"))
    assert_redirected_error(response, "consent_required")


def test_prompt_none_with_a_session_and_a_consent_gives_a_code(
    browser: FlaskClient, code_app: CodeApp
) -> None:
    redirected(decide(browser, authorize_url(code_app.client_id)))
    assert "code" in redirected(browser.get(authorize_url(code_app.client_id, prompt="none")))


def test_prompt_none_with_an_expired_max_age_is_login_required(
    browser: FlaskClient, code_app: CodeApp
) -> None:
    redirected(decide(browser, authorize_url(code_app.client_id)))
    with browser.session_transaction() as session:
        session["auth_time"] = int(time.time()) - 120
    response = browser.get(authorize_url(code_app.client_id, prompt="none", max_age="60"))
    assert_redirected_error(response, "login_required")


def test_prompt_login_sends_a_signed_in_user_to_log_in_once_more(
    app: Flask, client: FlaskClient
) -> None:
    code_app = new_code_app(app, skip_consent=True)
    _, username = new_user(app, code_app.organization_id)
    log_in(client, username)
    url = authorize_url(code_app.client_id, prompt="login")
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?")
    assert client.get("/admin/").status_code == 302  # logged out, to log in again
    assert log_in(client, username, next_url=url).headers["Location"] == url
    assert "code" in redirected(client.get(url))  # once: no loop back to the login


def test_prompt_login_for_a_customer_asks_for_the_password_again(
    app: Flask, client: FlaskClient
) -> None:
    code_app = new_code_app(app, kind=Kind.STOREFRONT, skip_consent=True)
    _, email = new_customer(app, code_app.organization_id)
    customer_log_in(client, email)
    url = authorize_url(code_app.client_id, prompt="login")
    assert client.get(url).headers["Location"].startswith("/customer/user/login?")
    assert customer_log_in(client, email, next_url=url).headers["Location"] == url
    assert "code" in redirected(client.get(url))


def test_a_login_older_than_max_age_is_made_again(app: Flask, client: FlaskClient) -> None:
    code_app = new_code_app(app, skip_consent=True)
    _, username = new_user(app, code_app.organization_id)
    log_in(client, username)
    with client.session_transaction() as session:
        session["auth_time"] = int(time.time()) - 120
    url = authorize_url(code_app.client_id, max_age="60")
    assert client.get(url).headers["Location"].startswith("/login?")
    log_in(client, username, next_url=url)
    assert "code" in redirected(client.get(url))


def test_a_login_within_max_age_is_enough(app: Flask, client: FlaskClient) -> None:
    code_app = new_code_app(app, skip_consent=True)
    _, username = new_user(app, code_app.organization_id)
    log_in(client, username)
    assert "code" in redirected(client.get(authorize_url(code_app.client_id, max_age="3600")))


def test_a_plain_login_does_not_count_as_the_fresh_login_prompt_login_asks_for(
    app: Flask, client: FlaskClient
) -> None:
    code_app = new_code_app(app, skip_consent=True)
    _, username = new_user(app, code_app.organization_id)
    log_in(client, username)  # not for an authorize request
    response = client.get(authorize_url(code_app.client_id, prompt="login"))
    assert response.headers["Location"].startswith("/login?")
