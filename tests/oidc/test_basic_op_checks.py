"""The checks of the OpenID Foundation's "Basic OP" conformance plan that apply to this provider
(authorization code flow, client_secret_basic/post, no request objects, no registration),
each test named after the plan's module it covers."""

from __future__ import annotations

import time
from urllib.parse import urlencode

from flask import Flask

from tests.authorize.helpers import (
    REDIRECT,
    assert_redirected_error,
    authorize_url,
    browser_for,
    exchange,
    new_code_app,
    obtain_code,
    redirected,
)
from tests.oidc.helpers import DISCOVERY, sign_in_flow, userinfo, verify_id_token
from tests.token.grant_support import token_body
from tests.token.helpers import assert_error, basic, post_token

ISSUER = "http://localhost:5000"


def test_oidcc_discovery_endpoint_verification(app: Flask) -> None:
    """oidcc-discovery-endpoint-verification: the discovery document's required fields."""
    document = app.test_client().get(DISCOVERY).get_json()
    assert document["issuer"] == ISSUER
    for name in ("authorization_endpoint", "token_endpoint", "jwks_uri", "userinfo_endpoint"):
        assert document[name].startswith(ISSUER + "/")
    assert "code" in document["response_types_supported"]
    assert "public" in document["subject_types_supported"]
    assert "RS256" in document["id_token_signing_alg_values_supported"]
    assert "openid" in document["scopes_supported"]


def test_oidcc_server(app: Flask) -> None:
    """oidcc-server: a code flow gives an ID token whose iss and aud are this issuer and the
    client."""
    code_app, _, _, body = sign_in_flow(app, "openid")
    claims = verify_id_token(app, body["id_token"], code_app.client_id)
    assert claims["iss"] == ISSUER and claims["aud"] == code_app.client_id


def test_oidcc_server_client_secret_post(app: Flask) -> None:
    """oidcc-server-client-secret-post: the client authenticates in the body."""
    code_app, _, _, body = sign_in_flow(app, "openid")  # exchange() posts the secret
    assert verify_id_token(app, body["id_token"], code_app.client_id)


def test_oidcc_server_client_secret_basic(app: Flask) -> None:
    """oidcc-server (client_secret_basic): the client authenticates with HTTP Basic."""
    code_app = new_code_app(app)
    browser, _ = browser_for(app, code_app)
    code = obtain_code(browser, code_app, scope="openid")
    assert code_app.secret is not None
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    response = post_token(
        app.test_client(), data, headers=basic(code_app.client_id, code_app.secret)
    )
    assert verify_id_token(app, token_body(response)["id_token"], code_app.client_id)


def test_oidcc_response_type_missing(app: Flask) -> None:
    """oidcc-response-type-missing: an error goes back to the client."""
    code_app = new_code_app(app)
    browser, _ = browser_for(app, code_app)
    response = browser.get(authorize_url(code_app.client_id, response_type=None, scope="openid"))
    assert_redirected_error(response, "invalid_request")


def test_oidcc_ensure_request_without_nonce_succeeds_for_code_flow(app: Flask) -> None:
    """oidcc-ensure-request-without-nonce-succeeds-for-code-flow."""
    code_app, _, _, body = sign_in_flow(app, "openid")
    assert "nonce" not in verify_id_token(app, body["id_token"], code_app.client_id)


def test_oidcc_ensure_request_with_unknown_parameter_succeeds(app: Flask) -> None:
    """oidcc-ensure-request-with-unknown-parameter-succeeds."""
    code_app, _, _, body = sign_in_flow(app, "openid", extra="foobar")
    assert verify_id_token(app, body["id_token"], code_app.client_id)


def test_oidcc_ensure_other_scope_order_succeeds(app: Flask) -> None:
    """oidcc-ensure-other-scope-order-succeeds: "email openid" as well as "openid email"."""
    code_app, _, _, body = sign_in_flow(app, "email openid")
    assert "email" in verify_id_token(app, body["id_token"], code_app.client_id)


def test_oidcc_scope_profile(app: Flask) -> None:
    """oidcc-scope-profile: userinfo answers the profile claims."""
    _, _, _, body = sign_in_flow(app, "openid profile")
    info = userinfo(app.test_client(), body["access_token"]).get_json()
    assert {"name", "preferred_username", "locale"} <= set(info)


def test_oidcc_scope_email(app: Flask) -> None:
    """oidcc-scope-email: userinfo answers email and email_verified."""
    _, _, _, body = sign_in_flow(app, "openid email")
    info = userinfo(app.test_client(), body["access_token"]).get_json()
    assert {"email", "email_verified"} <= set(info)


def test_oidcc_scope_all(app: Flask) -> None:
    """oidcc-scope-all (for the scopes this provider supports)."""
    _, _, _, body = sign_in_flow(app, "openid profile email")
    info = userinfo(app.test_client(), body["access_token"]).get_json()
    assert {"sub", "name", "email"} <= set(info)


def test_oidcc_userinfo_get(app: Flask) -> None:
    """oidcc-userinfo-get: userinfo's sub equals the ID token's."""
    code_app, _, _, body = sign_in_flow(app, "openid")
    info = userinfo(app.test_client(), body["access_token"]).get_json()
    assert info["sub"] == verify_id_token(app, body["id_token"], code_app.client_id)["sub"]


def test_oidcc_userinfo_post_header(app: Flask) -> None:
    """oidcc-userinfo-post-header: POST with the token in the header."""
    code_app, _, _, body = sign_in_flow(app, "openid")
    info = userinfo(app.test_client(), body["access_token"], "POST").get_json()
    assert info["sub"] == verify_id_token(app, body["id_token"], code_app.client_id)["sub"]


def test_oidcc_userinfo_post_body(app: Flask) -> None:
    """oidcc-userinfo-post-body: the plan accepts a refusal; this provider refuses body tokens."""
    _, _, _, body = sign_in_flow(app, "openid")
    response = app.test_client().post(
        "/oauth2/userinfo", data={"access_token": body["access_token"]}
    )
    assert_error(response, 401, "invalid_token")


def test_oidcc_prompt_none_not_logged_in(app: Flask) -> None:
    """oidcc-prompt-none-not-logged-in: login_required goes back to the client."""
    code_app = new_code_app(app)
    response = app.test_client().get(
        authorize_url(code_app.client_id, scope="openid", prompt="none")
    )
    assert_redirected_error(response, "login_required")


def test_oidcc_prompt_none_logged_in(app: Flask) -> None:
    """oidcc-prompt-none-logged-in: a second request with prompt=none gets a code at once."""
    code_app = new_code_app(app)
    browser, _ = browser_for(app, code_app)
    obtain_code(browser, code_app, scope="openid")
    response = browser.get(authorize_url(code_app.client_id, scope="openid", prompt="none"))
    assert "code" in redirected(response)


def test_oidcc_prompt_login(app: Flask) -> None:
    """oidcc-prompt-login: a signed-in user is asked to log in again."""
    code_app = new_code_app(app)
    browser, _ = browser_for(app, code_app)
    obtain_code(browser, code_app, scope="openid")
    response = browser.get(authorize_url(code_app.client_id, scope="openid", prompt="login"))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?")


def test_oidcc_max_age_1(app: Flask) -> None:
    """oidcc-max-age-1: a login older than max_age must be made again."""
    code_app = new_code_app(app)
    browser, _ = browser_for(app, code_app)
    with browser.session_transaction() as session:
        session["auth_time"] = int(time.time()) - 5
    response = browser.get(authorize_url(code_app.client_id, scope="openid", max_age="1"))
    assert response.headers["Location"].startswith("/login?")


def test_oidcc_max_age_10000(app: Flask) -> None:
    """oidcc-max-age-10000: a recent login is kept, and auth_time is in the ID token."""
    code_app = new_code_app(app)
    browser, _ = browser_for(app, code_app)
    code = obtain_code(browser, code_app, scope="openid", max_age="10000")
    body = token_body(exchange(app.test_client(), code_app, code))
    claims = verify_id_token(app, body["id_token"], code_app.client_id)
    assert 0 <= claims["iat"] - claims["auth_time"] <= 10000


def test_oidcc_codereuse(app: Flask) -> None:
    """oidcc-codereuse: a code used twice is refused and its access token stops working."""
    code_app = new_code_app(app)
    browser, _ = browser_for(app, code_app)
    code = obtain_code(browser, code_app, scope="openid")
    client = app.test_client()
    body = token_body(exchange(client, code_app, code))
    assert_error(exchange(client, code_app, code), 400, "invalid_grant")
    assert_error(userinfo(client, body["access_token"]), 401, "invalid_token")


def test_oidcc_ensure_registered_redirect_uri(app: Flask) -> None:
    """oidcc-ensure-registered-redirect-uri: an unregistered redirect URL is an error page."""
    code_app = new_code_app(app)
    browser, _ = browser_for(app, code_app)
    url = authorize_url(code_app.client_id, scope="openid", redirect_uri="https://evil.example/")
    response = browser.get(url)
    assert response.status_code == 400 and "Location" not in response.headers


def test_oidcc_id_token_hint(app: Flask) -> None:
    """oidcc-id-token-hint: an authorize request carrying the ID token as a hint succeeds."""
    code_app, browser, _, body = sign_in_flow(app, "openid")
    url = authorize_url(code_app.client_id, scope="openid", prompt="none")
    response = browser.get(url + "&" + urlencode({"id_token_hint": body["id_token"]}))
    assert "code" in redirected(response)
