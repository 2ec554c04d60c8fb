"""GET /oauth2-token/authorize: each error of SPEC §7, answered on this server or redirected."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from oauthapp.extensions import db
from oauthapp.models import AuthorizationCode, Grant, OAuthApplication, Organization
from tests.authorize.helpers import (
    REDIRECT,
    CodeApp,
    assert_error_page,
    assert_redirected_error,
    authorize_url,
    new_code_app,
    pkce_pair,
)
from tests.factories import make_application
from tests.token.grant_support import update_row

PUBLIC_NEEDS_CHALLENGE = "Code challenge must be provided for public clients."


def codes_issued(app: Flask) -> int:
    with app.app_context():
        return db.session.query(AuthorizationCode).count()


# Errors answered on this server: the client or its redirect URL cannot be trusted -------------


def test_a_missing_client_id_is_an_error_page(browser: FlaskClient) -> None:
    assert_error_page(browser.get(authorize_url(None)))


def test_an_unknown_client_id_is_an_error_page(browser: FlaskClient, code_app: CodeApp) -> None:
    unknown = ("y" if code_app.client_id.startswith("x") else "x") + code_app.client_id[1:]
    page = assert_error_page(browser.get(authorize_url(unknown)))
    assert "client_id is unknown" in page


def test_an_inactive_application_is_an_error_page(app: Flask, browser: FlaskClient) -> None:
    inactive = new_code_app(app, active=False)
    assert_error_page(browser.get(authorize_url(inactive.client_id)))


def test_an_application_of_a_disabled_organization_is_an_error_page(
    app: Flask, browser: FlaskClient, code_app: CodeApp
) -> None:
    update_row(app, Organization, code_app.organization_id, enabled=False)
    assert_error_page(browser.get(authorize_url(code_app.client_id)))


@pytest.mark.parametrize("grant", [Grant.PASSWORD, Grant.CLIENT_CREDENTIALS])
def test_an_application_of_another_grant_is_an_error_page(
    app: Flask, browser: FlaskClient, grant: Grant
) -> None:
    with app.app_context():
        application, _ = make_application(grant=grant)
        application.redirect_uris = [REDIRECT]  # even with the URL registered
        db.session.commit()
        client_id = application.client_id
    assert_error_page(browser.get(authorize_url(client_id)))


def test_an_unregistered_redirect_uri_is_an_error_page(
    browser: FlaskClient, code_app: CodeApp
) -> None:
    page = assert_error_page(
        browser.get(authorize_url(code_app.client_id, redirect_uri="https://evil.example/cb"))
    )
    assert "not registered" in page


def test_a_repeated_client_id_is_an_error_page(browser: FlaskClient, code_app: CodeApp) -> None:
    url = authorize_url(code_app.client_id) + "&client_id=" + code_app.client_id
    assert_error_page(browser.get(url))


def test_a_repeated_redirect_uri_is_an_error_page(browser: FlaskClient, code_app: CodeApp) -> None:
    url = authorize_url(code_app.client_id) + "&redirect_uri=" + REDIRECT
    assert_error_page(browser.get(url))


def test_the_redirect_uri_may_be_left_out_when_one_is_registered(
    browser: FlaskClient, code_app: CodeApp
) -> None:
    response = browser.get(authorize_url(code_app.client_id, redirect_uri=None))
    assert response.status_code == 200  # the consent page
    assert "wants to access your account" in response.get_data(as_text=True)


def test_the_redirect_uri_is_required_when_several_are_registered(
    app: Flask, browser: FlaskClient
) -> None:
    several = new_code_app(app, redirect_uris=(REDIRECT, "https://app.example/other"))
    page = assert_error_page(browser.get(authorize_url(several.client_id, redirect_uri=None)))
    assert "redirect_uri is required" in page


def test_an_error_page_is_html_even_without_a_session(
    client: FlaskClient, code_app: CodeApp
) -> None:
    assert_error_page(client.get(authorize_url(code_app.client_id, redirect_uri="x")))


# Errors sent back to the redirect URL ---------------------------------------------------------


@pytest.mark.parametrize("response_type", ["token", "id_token", "code token", "CODE"])
def test_another_response_type_is_unsupported(
    app: Flask, browser: FlaskClient, code_app: CodeApp, response_type: str
) -> None:
    response = browser.get(authorize_url(code_app.client_id, response_type=response_type))
    assert_redirected_error(response, "unsupported_response_type")
    assert codes_issued(app) == 0


def test_a_missing_response_type_is_an_invalid_request(
    browser: FlaskClient, code_app: CodeApp
) -> None:
    response = browser.get(authorize_url(code_app.client_id, response_type=None))
    assert_redirected_error(response, "invalid_request")


def test_a_public_client_without_a_code_challenge_is_an_invalid_request(
    app: Flask, browser: FlaskClient
) -> None:
    public = new_code_app(app, confidential=False)
    params = assert_redirected_error(
        browser.get(authorize_url(public.client_id)), "invalid_request"
    )
    assert params["error_description"] == PUBLIC_NEEDS_CHALLENGE


def test_the_plain_challenge_method_is_an_invalid_request(
    browser: FlaskClient, code_app: CodeApp
) -> None:
    _, challenge = pkce_pair()
    url = authorize_url(code_app.client_id, code_challenge=challenge, code_challenge_method="plain")
    assert_redirected_error(browser.get(url), "invalid_request")


def test_a_challenge_without_a_method_is_an_invalid_request(
    browser: FlaskClient, code_app: CodeApp
) -> None:
    # RFC 7636 reads a missing method as plain, which this server refuses.
    _, challenge = pkce_pair()
    url = authorize_url(code_app.client_id, code_challenge=challenge)
    assert_redirected_error(browser.get(url), "invalid_request")


def test_a_method_without_a_challenge_is_an_invalid_request(
    browser: FlaskClient, code_app: CodeApp
) -> None:
    url = authorize_url(code_app.client_id, code_challenge_method="S256")
    assert_redirected_error(browser.get(url), "invalid_request")


@pytest.mark.parametrize("challenge", ["short", "a" * 129, "a" * 42 + "!", "a" * 43 + "\n"])
def test_a_malformed_challenge_is_an_invalid_request(
    browser: FlaskClient, code_app: CodeApp, challenge: str
) -> None:
    url = authorize_url(code_app.client_id, code_challenge=challenge, code_challenge_method="S256")
    assert_redirected_error(browser.get(url), "invalid_request")


@pytest.mark.parametrize("scope", ["admin", "openid admin", "applications:manage", "OPENID"])
def test_an_unknown_scope_is_an_invalid_scope(
    browser: FlaskClient, code_app: CodeApp, scope: str
) -> None:
    assert_redirected_error(browser.get(authorize_url(code_app.client_id, scope=scope)),
                            "invalid_scope")  # fmt: skip


def test_a_repeated_scope_is_an_invalid_request(browser: FlaskClient, code_app: CodeApp) -> None:
    url = authorize_url(code_app.client_id, scope="openid") + "&scope=email"
    assert_redirected_error(browser.get(url), "invalid_request")


def test_a_repeated_state_is_an_invalid_request_without_a_state(
    browser: FlaskClient, code_app: CodeApp
) -> None:
    url = authorize_url(code_app.client_id) + "&state=other"
    assert_redirected_error(browser.get(url), "invalid_request", state=None)


@pytest.mark.parametrize("prompt", ["select_account", "none login", "LOGIN"])
def test_an_unknown_or_contradictory_prompt_is_an_invalid_request(
    browser: FlaskClient, code_app: CodeApp, prompt: str
) -> None:
    assert_redirected_error(browser.get(authorize_url(code_app.client_id, prompt=prompt)),
                            "invalid_request")  # fmt: skip


@pytest.mark.parametrize("max_age", ["-1", "ten", "1.5", "", "9" * 12])
def test_a_malformed_max_age_is_an_invalid_request(
    browser: FlaskClient, code_app: CodeApp, max_age: str
) -> None:
    assert_redirected_error(browser.get(authorize_url(code_app.client_id, max_age=max_age)),
                            "invalid_request")  # fmt: skip


def test_a_nonce_over_512_characters_is_an_invalid_request(
    browser: FlaskClient, code_app: CodeApp
) -> None:
    url = authorize_url(code_app.client_id, nonce="n" * 513)
    assert_redirected_error(browser.get(url), "invalid_request")


def test_a_state_over_2048_characters_is_an_invalid_request_without_the_state(
    browser: FlaskClient, code_app: CodeApp
) -> None:
    url = authorize_url(code_app.client_id, state="s" * 2049)
    assert_redirected_error(browser.get(url), "invalid_request", state=None)


def test_an_error_without_a_state_sends_none_back(browser: FlaskClient, code_app: CodeApp) -> None:
    url = authorize_url(code_app.client_id, state=None, scope="admin")
    assert_redirected_error(browser.get(url), "invalid_scope", state=None)


def test_an_error_keeps_the_query_of_the_registered_redirect_uri(
    app: Flask, browser: FlaskClient
) -> None:
    with_query = "https://app.example/cb?tenant=7"
    other = new_code_app(app, redirect_uris=(with_query,))
    response = browser.get(authorize_url(other.client_id, redirect_uri=with_query, scope="x"))
    params = assert_redirected_error(response, "invalid_scope", to="https://app.example/cb")
    assert params["tenant"] == "7"


def test_the_client_is_checked_before_the_response_type(
    browser: FlaskClient, code_app: CodeApp
) -> None:
    url = authorize_url(code_app.client_id, response_type="token", redirect_uri="https://x.example")
    assert_error_page(browser.get(url))


def test_an_application_switched_to_another_grant_is_refused(
    app: Flask, browser: FlaskClient, code_app: CodeApp
) -> None:
    update_row(app, OAuthApplication, code_app.id, grant_type=Grant.PASSWORD.value)
    assert_error_page(browser.get(authorize_url(code_app.client_id)))
