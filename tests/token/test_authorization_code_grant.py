"""POST /oauth2-token with grant_type=authorization_code, and refresh for code applications."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from oauthapp.extensions import db
from oauthapp.models import AuthorizationCode, Kind, OAuthApplication, SecurityEvent, User
from tests.authorize.helpers import (
    REDIRECT,
    CodeApp,
    browser_for,
    exchange,
    new_code_app,
    obtain_code,
    pkce_pair,
)
from tests.token.grant_support import audience, me, token_body, update_row, verify_with_jwks
from tests.token.helpers import assert_error, basic, post_token, refresh_grant


@pytest.fixture
def code_app(app: Flask) -> CodeApp:
    return new_code_app(app)


@pytest.fixture
def browser(app: Flask, code_app: CodeApp) -> tuple[FlaskClient, int]:
    return browser_for(app, code_app)


def code_row(app: Flask) -> AuthorizationCode:
    with app.app_context():
        code = db.session.scalar(select(AuthorizationCode).order_by(AuthorizationCode.id.desc()))
        assert code is not None
        db.session.expunge(code)
        return code


@pytest.mark.parametrize("kind", list(Kind))
def test_a_confidential_client_exchanges_a_code_for_tokens_of_the_user(
    app: Flask, client: FlaskClient, kind: Kind
) -> None:
    code_app = new_code_app(app, kind=kind)
    browser, account_id = browser_for(app, code_app)
    code = obtain_code(browser, code_app, scope="openid email")
    body = token_body(exchange(client, code_app, code))
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert body["refresh_token"] and body["scope"] == "openid email"
    _, claims = verify_with_jwks(app, client, body["access_token"], kind)
    assert claims["sub"] == str(account_id)
    assert claims["aud"] == audience(app, kind)
    assert claims["client_id"] == code_app.client_id and claims["scope"] == "openid email"
    assert me(client, body["access_token"], kind).get_json()["id"] == account_id


def test_http_basic_authenticates_a_confidential_client(
    app: Flask, client: FlaskClient, code_app: CodeApp, browser: tuple[FlaskClient, int]
) -> None:
    code = obtain_code(browser[0], code_app)
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    assert code_app.secret is not None
    response = post_token(client, data, headers=basic(code_app.client_id, code_app.secret))
    assert token_body(response)["access_token"]


def test_a_public_client_exchanges_a_code_with_its_verifier_and_client_id_only(
    app: Flask, client: FlaskClient
) -> None:
    public = new_code_app(app, confidential=False)
    browser, user_id = browser_for(app, public)
    verifier, challenge = pkce_pair()
    code = obtain_code(browser, public, code_challenge=challenge, code_challenge_method="S256")
    body = token_body(exchange(client, public, code, verifier))
    assert me(client, body["access_token"]).get_json()["id"] == user_id


def test_a_confidential_client_may_use_pkce_too(
    client: FlaskClient, code_app: CodeApp, browser: tuple[FlaskClient, int]
) -> None:
    verifier, challenge = pkce_pair()
    code = obtain_code(browser[0], code_app, code_challenge=challenge, code_challenge_method="S256")
    assert token_body(exchange(client, code_app, code, verifier))["access_token"]


def test_a_wrong_verifier_is_an_invalid_grant(app: Flask, client: FlaskClient) -> None:
    public = new_code_app(app, confidential=False)
    browser, _ = browser_for(app, public)
    _, challenge = pkce_pair()
    code = obtain_code(browser, public, code_challenge=challenge, code_challenge_method="S256")
    other_verifier, _ = pkce_pair()
    assert_error(exchange(client, public, code, other_verifier), 400, "invalid_grant")


def test_a_missing_verifier_is_an_invalid_request(app: Flask, client: FlaskClient) -> None:
    public = new_code_app(app, confidential=False)
    browser, _ = browser_for(app, public)
    _, challenge = pkce_pair()
    code = obtain_code(browser, public, code_challenge=challenge, code_challenge_method="S256")
    assert_error(exchange(client, public, code), 400, "invalid_request")


def test_a_verifier_for_a_code_without_a_challenge_is_an_invalid_request(
    client: FlaskClient, code_app: CodeApp, browser: tuple[FlaskClient, int]
) -> None:
    code = obtain_code(browser[0], code_app)
    verifier, _ = pkce_pair()
    assert_error(exchange(client, code_app, code, verifier), 400, "invalid_request")


def test_a_public_client_sending_a_secret_is_an_invalid_client(
    app: Flask, client: FlaskClient
) -> None:
    public = new_code_app(app, confidential=False)
    browser, _ = browser_for(app, public)
    verifier, challenge = pkce_pair()
    code = obtain_code(browser, public, code_challenge=challenge, code_challenge_method="S256")
    response = exchange(client, public, code, verifier, client_secret="anything")
    assert_error(response, 401, "invalid_client")


def test_a_confidential_client_without_its_secret_is_an_invalid_client(
    app: Flask, client: FlaskClient, code_app: CodeApp, browser: tuple[FlaskClient, int]
) -> None:
    code = obtain_code(browser[0], code_app)
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
            "client_id": code_app.client_id}  # fmt: skip
    assert_error(post_token(client, data), 401, "invalid_client")
    assert token_body(exchange(client, code_app, code))["access_token"]  # the code is unspent


def test_a_missing_code_is_an_invalid_request(client: FlaskClient, code_app: CodeApp) -> None:
    assert_error(exchange(client, code_app, ""), 400, "invalid_request")


def test_an_unknown_code_is_an_invalid_grant(client: FlaskClient, code_app: CodeApp) -> None:
    assert_error(exchange(client, code_app, "not-a-code"), 400, "invalid_grant")


def test_an_expired_code_is_an_invalid_grant(
    app: Flask, client: FlaskClient, code_app: CodeApp, browser: tuple[FlaskClient, int]
) -> None:
    code = obtain_code(browser[0], code_app)
    row = code_row(app)
    update_row(app, AuthorizationCode, row.id, expires_at=row.created_at - timedelta(seconds=1))
    assert_error(exchange(client, code_app, code), 400, "invalid_grant")


def test_a_code_of_another_client_is_an_invalid_grant(
    app: Flask, client: FlaskClient, code_app: CodeApp, browser: tuple[FlaskClient, int]
) -> None:
    code = obtain_code(browser[0], code_app)
    thief = new_code_app(app, code_app.organization_id)
    assert_error(exchange(client, thief, code), 400, "invalid_grant")
    assert token_body(exchange(client, code_app, code))["access_token"]


def test_a_missing_redirect_uri_is_an_invalid_grant_when_the_request_named_one(
    client: FlaskClient, code_app: CodeApp, browser: tuple[FlaskClient, int]
) -> None:
    code = obtain_code(browser[0], code_app)
    assert_error(exchange(client, code_app, code, redirect_uri=None), 400, "invalid_grant")


def test_a_different_redirect_uri_is_an_invalid_grant(
    app: Flask, client: FlaskClient, browser: tuple[FlaskClient, int]
) -> None:
    code_app = new_code_app(app, redirect_uris=(REDIRECT, "https://app.example/other"))
    browser, _ = browser_for(app, code_app)
    code = obtain_code(browser, code_app)
    response = exchange(client, code_app, code, redirect_uri="https://app.example/other")
    assert_error(response, 400, "invalid_grant")


def test_the_redirect_uri_may_be_left_out_when_the_request_left_it_out(
    client: FlaskClient, code_app: CodeApp, browser: tuple[FlaskClient, int]
) -> None:
    code = obtain_code(browser[0], code_app, redirect_uri=None)
    assert token_body(exchange(client, code_app, code, redirect_uri=None))["access_token"]


def test_a_code_used_twice_revokes_every_token_it_gave(
    app: Flask, client: FlaskClient, code_app: CodeApp, browser: tuple[FlaskClient, int]
) -> None:
    code = obtain_code(browser[0], code_app)
    first = token_body(exchange(client, code_app, code))
    assert code_app.secret is not None
    rotated = token_body(
        refresh_grant(client, code_app.client_id, code_app.secret, first["refresh_token"])
    )
    assert me(client, rotated["access_token"]).status_code == 200

    assert_error(exchange(client, code_app, code), 400, "invalid_grant")

    assert me(client, first["access_token"]).status_code == 401
    assert me(client, rotated["access_token"]).status_code == 401
    response = refresh_grant(client, code_app.client_id, code_app.secret, rotated["refresh_token"])
    assert_error(response, 400, "invalid_grant")
    with app.app_context():
        query = select(SecurityEvent.event).where(SecurityEvent.application_id == code_app.id)
        assert "authorization_code_reused" in list(db.session.scalars(query))


def test_a_code_is_stored_only_as_a_hash_with_what_it_is_bound_to(
    app: Flask, code_app: CodeApp, browser: tuple[FlaskClient, int]
) -> None:
    _, challenge = pkce_pair()
    code = obtain_code(
        browser[0], code_app, scope="email", nonce="n-1", code_challenge=challenge,
        code_challenge_method="S256",
    )  # fmt: skip
    row = code_row(app)
    assert code not in row.code_hash and len(code) >= 43
    assert (row.application_id, row.user_id, row.redirect_uri) == (
        code_app.id,
        browser[1],
        REDIRECT,
    )
    assert (row.scope, row.nonce, row.code_challenge) == ("email", "n-1", challenge)
    assert row.code_challenge_method == "S256" and row.used_at is None
    assert row.expires_at - row.created_at == timedelta(seconds=600)


def test_the_code_lifetime_is_configurable(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(oauth2_server={"authorization_server": {"auth_code_lifetime": 30}})
    code_app = new_code_app(app)
    browser, _ = browser_for(app, code_app)
    obtain_code(browser, code_app)
    row = code_row(app)
    assert row.expires_at - row.created_at == timedelta(seconds=30)


def test_a_user_disabled_since_the_code_was_issued_gets_no_tokens(
    app: Flask, client: FlaskClient, code_app: CodeApp, browser: tuple[FlaskClient, int]
) -> None:
    code = obtain_code(browser[0], code_app)
    update_row(app, User, browser[1], enabled=False)
    assert_error(exchange(client, code_app, code), 400, "invalid_grant")


def test_an_application_deactivated_since_the_code_was_issued_is_an_invalid_client(
    app: Flask, client: FlaskClient, code_app: CodeApp, browser: tuple[FlaskClient, int]
) -> None:
    code = obtain_code(browser[0], code_app)
    update_row(app, OAuthApplication, code_app.id, active=False)
    assert_error(exchange(client, code_app, code), 401, "invalid_client")


def test_no_refresh_token_when_refresh_tokens_are_disabled(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(oauth2_server={"authorization_server": {"enable_refresh_token": False}})
    code_app = new_code_app(app)
    browser, _ = browser_for(app, code_app)
    body = token_body(exchange(app.test_client(), code_app, obtain_code(browser, code_app)))
    assert "refresh_token" not in body


def test_a_code_application_may_not_use_the_password_grant(
    client: FlaskClient, code_app: CodeApp
) -> None:
    data = {"grant_type": "password", "client_id": code_app.client_id,
            "client_secret": code_app.secret, "username": "u", "password": "p"}  # fmt: skip
    assert_error(post_token(client, data), 401, "invalid_client")
