"""A redirect URL that is not exactly a registered one never gets a redirect, even an error."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.authorize.helpers import (
    AUTHORIZE,
    CodeApp,
    assert_error_page,
    authorize_url,
    browser_for,
    new_code_app,
    redirected,
)

HOSTILE = [
    "https://evil.example/cb",  # unregistered
    "https://app.example/cb/evil",  # the registered one as a prefix
    "https://app.example/cbx",
    "https://app.example/cb?next=https://evil.example",
    "https://app.example/cb#fragment",  # a fragment
    "https://app.example/cb#",
    "https://APP.example/cb",  # differently written, same URL to a browser
    "https://app.example:443/cb",
    "https://app.example/%63b",
    "https://app.example/cb/",
    "https://app.example/cb/../cb",
    "https://app.example.evil.example/cb",
    "https://app.example@evil.example/cb",
    "http://app.example/cb",
    "//app.example/cb",
    " https://app.example/cb",
    "https://app.example/cb ",
    "https://app.example/cb\x00",
]


@pytest.mark.parametrize("redirect_uri", HOSTILE)
@pytest.mark.parametrize("error", [None, "scope", "response_type"])
def test_a_redirect_uri_that_is_not_registered_exactly_never_redirects(
    browser: FlaskClient, code_app: CodeApp, redirect_uri: str, error: str | None
) -> None:
    broken = {"scope": {"scope": "admin"}, "response_type": {"response_type": "token"}}
    url = authorize_url(code_app.client_id, redirect_uri=redirect_uri, **broken.get(error, {}))
    assert_error_page(browser.get(url))


def test_a_double_encoded_redirect_uri_is_not_registered(
    browser: FlaskClient, code_app: CodeApp
) -> None:
    url = AUTHORIZE + f"?response_type=code&client_id={code_app.client_id}"
    url += "&redirect_uri=https%253A%252F%252Fapp.example%252Fcb"
    assert_error_page(browser.get(url))


def test_a_percent_encoded_redirect_uri_is_read_as_its_value(
    browser: FlaskClient, code_app: CodeApp
) -> None:
    url = AUTHORIZE + f"?response_type=code&client_id={code_app.client_id}"
    url += "&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&prompt=none"
    assert redirected(browser.get(url))["error"] == "consent_required"


def test_each_of_several_registered_urls_is_used_exactly(app: Flask) -> None:
    urls = ("https://app.example/cb", "http://127.0.0.1:8400/cb", "com.example.app:/callback")
    code_app = new_code_app(app, redirect_uris=urls, skip_consent=True)
    browser, _ = browser_for(app, code_app)
    for url in urls:
        response = browser.get(authorize_url(code_app.client_id, redirect_uri=url))
        assert response.headers["Location"].startswith(url + "?code=")


def test_another_applications_redirect_uri_is_not_this_ones(
    app: Flask, browser: FlaskClient, code_app: CodeApp
) -> None:
    other = new_code_app(app, redirect_uris=("https://other.example/cb",))
    url = authorize_url(code_app.client_id, redirect_uri="https://other.example/cb")
    assert_error_page(browser.get(url))
    assert other.client_id != code_app.client_id
