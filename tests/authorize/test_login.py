"""Without a session of the right kind the browser logs in, then comes back to authorize."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from oauthapp.forms import INVALID_TEXT
from oauthapp.models import CustomerUser, Kind
from tests.accounts.helpers import log_in
from tests.authorize.helpers import (
    CUSTOMER_LOGIN,
    authorize_url,
    customer_client,
    customer_log_in,
    form_token,
    new_code_app,
    new_customer,
    quoted,
    redirected,
    user_client,
)
from tests.factories import PASSWORD
from tests.token.grant_support import new_user, update_row


def login_target(response_location: str) -> tuple[str, str]:
    """The login page a redirect leads to, and the next URL it carries."""
    parts = urlsplit(response_location)
    (next_url,) = parse_qs(parts.query)["next"]
    return parts.path, next_url


def test_a_back_office_application_sends_the_browser_to_the_back_office_login(
    app: Flask, client: FlaskClient
) -> None:
    code_app = new_code_app(app)
    url = authorize_url(code_app.client_id, scope="openid")
    response = client.get(url)
    assert response.status_code == 302
    assert login_target(response.headers["Location"]) == ("/login", url)


def test_a_storefront_application_sends_the_browser_to_the_customer_login(
    app: Flask, client: FlaskClient
) -> None:
    code_app = new_code_app(app, kind=Kind.STOREFRONT)
    url = authorize_url(code_app.client_id)
    response = client.get(url)
    assert response.status_code == 302
    assert login_target(response.headers["Location"]) == (CUSTOMER_LOGIN, url)


def test_a_customer_session_is_no_session_for_a_back_office_application(
    app: Flask,
) -> None:
    code_app = new_code_app(app)
    browser, _ = customer_client(app, code_app.organization_id)
    response = browser.get(authorize_url(code_app.client_id))
    assert login_target(response.headers["Location"])[0] == "/login"


def test_a_back_office_session_is_no_session_for_a_storefront_application(app: Flask) -> None:
    code_app = new_code_app(app, kind=Kind.STOREFRONT)
    browser, _ = user_client(app, code_app.organization_id)
    response = browser.get(authorize_url(code_app.client_id))
    assert login_target(response.headers["Location"])[0] == CUSTOMER_LOGIN


def test_the_back_office_login_names_the_application_and_leads_back(
    app: Flask, client: FlaskClient
) -> None:
    code_app = new_code_app(app)
    _, username = new_user(app, code_app.organization_id)
    url = authorize_url(code_app.client_id)
    page = client.get("/login?" + urlencode({"next": url}))
    assert f"Log in to continue to {quoted(code_app.name)}." in page.get_data(as_text=True)
    response = log_in(client, username, next_url=url)
    assert response.status_code == 302
    assert response.headers["Location"] == url
    assert "wants to access your account" in client.get(url).get_data(as_text=True)


def test_the_customer_login_page_has_its_fields_and_names_the_application(
    app: Flask, client: FlaskClient
) -> None:
    code_app = new_code_app(app, kind=Kind.STOREFRONT)
    page = client.get(CUSTOMER_LOGIN + "?" + urlencode({"next": authorize_url(code_app.client_id)}))
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert ">Email Address<" in html and ">Password<" in html
    assert ">Sign In</button>" in html
    assert 'name="csrf_token"' in html
    assert f"Sign in to continue to {quoted(code_app.name)}." in html


def test_the_customer_login_leads_back_to_the_authorize_url(
    app: Flask, client: FlaskClient
) -> None:
    code_app = new_code_app(app, kind=Kind.STOREFRONT, skip_consent=True)
    _, email = new_customer(app, code_app.organization_id)
    url = authorize_url(code_app.client_id)
    response = customer_log_in(client, email, next_url=url)
    assert response.status_code == 302
    assert response.headers["Location"] == url
    assert "code" in redirected(client.get(url))


def test_a_wrong_customer_password_is_refused_and_counted(app: Flask, client: FlaskClient) -> None:
    code_app = new_code_app(app, kind=Kind.STOREFRONT)
    _, email = new_customer(app, code_app.organization_id)
    response = customer_log_in(client, email, "wrong password")
    assert response.status_code == 200
    assert "Invalid email address or password." in response.get_data(as_text=True)
    assert client.get("/customer/user/profile").status_code == 302


def test_an_unknown_email_gets_the_same_message(client: FlaskClient) -> None:
    response = customer_log_in(client, "nobody@example.com", "whatever password")
    assert "Invalid email address or password." in response.get_data(as_text=True)


def test_an_unusable_email_is_an_unknown_customer(client: FlaskClient) -> None:
    response = customer_log_in(client, "not an address", "whatever password")
    assert response.status_code == 200
    assert "Invalid email address or password." in response.get_data(as_text=True)


def test_a_nul_byte_in_the_email_is_a_form_error(client: FlaskClient) -> None:
    response = customer_log_in(client, "a\x00b@example.com", "whatever password")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert INVALID_TEXT in page and "\x00" not in page
    assert client.get("/customer/user/profile").status_code == 302


def test_the_customer_login_locks_the_account_at_the_limit(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(security={"failed_login_limit": 2})
    org = new_code_app(app, kind=Kind.STOREFRONT).organization_id
    _, email = new_customer(app, org)
    client = app.test_client()
    customer_log_in(client, email, "wrong password")
    locked = customer_log_in(client, email, "wrong password")  # locks, answers as any failure
    assert "Invalid email address or password." in locked.get_data(as_text=True)
    refused = customer_log_in(client, email, PASSWORD)
    assert "Account is locked." in refused.get_data(as_text=True)


def test_failed_customer_logins_are_limited_per_address(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(rate_limit={"login": "2/minute"})
    client = app.test_client()
    for _ in range(2):
        assert customer_log_in(client, "nobody@example.com", "wrong").status_code == 200
    response = customer_log_in(client, "nobody@example.com", "wrong")
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) >= 1


def test_a_customer_login_without_a_csrf_token_logs_nobody_in(
    app: Flask, client: FlaskClient
) -> None:
    org = new_code_app(app, kind=Kind.STOREFRONT).organization_id
    _, email = new_customer(app, org)
    response = client.post(CUSTOMER_LOGIN, data={"email": email, "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/customer/user/profile").status_code == 302


@pytest.mark.parametrize(
    "next_url",
    ["https://evil.example/", "//evil.example/oauth2-token/authorize", "/admin/",
     "/oauth2-token/authorize/../../admin/", "\\\\evil.example/oauth2-token/authorize",
     "https://evil.example/oauth2-token/authorize?client_id=x"],
)  # fmt: skip
def test_the_customer_login_never_leads_outside_the_authorize_url(
    app: Flask, client: FlaskClient, next_url: str
) -> None:
    org = new_code_app(app, kind=Kind.STOREFRONT).organization_id
    _, email = new_customer(app, org)
    response = customer_log_in(client, email, next_url=next_url)
    assert response.status_code == 302
    assert response.headers["Location"] == "/customer/user/profile"


def test_a_signed_in_customer_opening_the_login_page_goes_on(app: Flask) -> None:
    org = new_code_app(app, kind=Kind.STOREFRONT).organization_id
    browser, _ = customer_client(app, org)
    response = browser.get(CUSTOMER_LOGIN)
    assert response.headers["Location"] == "/customer/user/profile"


def test_a_customer_sign_out_ends_the_session_everywhere(app: Flask) -> None:
    org = new_code_app(app, kind=Kind.STOREFRONT).organization_id
    _, email = new_customer(app, org)
    first, second = app.test_client(), app.test_client()
    for browser in (first, second):
        assert customer_log_in(browser, email).status_code == 302
    page = first.get("/customer/user/profile").get_data(as_text=True)
    response = first.post("/customer/user/logout", data={"csrf_token": form_token(page)})
    assert response.headers["Location"] == CUSTOMER_LOGIN
    assert first.get("/customer/user/profile").status_code == 302
    assert second.get("/customer/user/profile").status_code == 302  # its version is gone


def test_a_disabled_customer_loses_the_session(app: Flask) -> None:
    org = new_code_app(app, kind=Kind.STOREFRONT).organization_id
    browser, customer_id = customer_client(app, org)
    assert browser.get("/customer/user/profile").status_code == 200
    update_row(app, CustomerUser, customer_id, enabled=False)
    assert browser.get("/customer/user/profile").status_code == 302


def test_a_user_of_another_organization_is_denied(app: Flask) -> None:
    code_app = new_code_app(app)
    other = new_code_app(app)  # another organization
    browser, _ = user_client(app, other.organization_id)
    response = browser.get(authorize_url(code_app.client_id))
    params = redirected(response)
    assert params["error"] == "access_denied"
