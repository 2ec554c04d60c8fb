"""The refresh grant for authorization-code applications: scope kept or narrowed, public clients."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from oauthapp.extensions import db
from oauthapp.models import Grant, Kind
from tests.authorize.helpers import (
    CodeApp,
    browser_for,
    exchange,
    new_code_app,
    obtain_code,
    pkce_pair,
)
from tests.factories import PASSWORD
from tests.token.grant_support import me, new_application, new_user, token_body, verify_with_jwks
from tests.token.helpers import assert_error, password_grant, post_token, refresh_grant


@pytest.fixture
def code_app(app: Flask) -> CodeApp:
    return new_code_app(app)


@pytest.fixture
def browser(app: Flask, code_app: CodeApp) -> tuple[FlaskClient, int]:
    return browser_for(app, code_app)


def test_the_refresh_grant_keeps_the_granted_scope(
    app: Flask, client: FlaskClient, code_app: CodeApp, browser: tuple[FlaskClient, int]
) -> None:
    code = obtain_code(browser[0], code_app, scope="openid profile")
    first = token_body(exchange(client, code_app, code))
    assert code_app.secret is not None
    body = token_body(
        refresh_grant(client, code_app.client_id, code_app.secret, first["refresh_token"])
    )
    _, claims = verify_with_jwks(app, client, body["access_token"], Kind.BACKOFFICE)
    assert claims["scope"] == "openid profile" and claims["sub"] == str(browser[1])
    assert me(client, first["access_token"]).status_code == 401  # rotated


def test_a_public_client_refreshes_with_its_client_id_only(app: Flask, client: FlaskClient) -> None:
    public = new_code_app(app, confidential=False)
    browser, _ = browser_for(app, public)
    verifier, challenge = pkce_pair()
    code = obtain_code(browser, public, code_challenge=challenge, code_challenge_method="S256")
    first = token_body(exchange(client, public, code, verifier))
    data = {"grant_type": "refresh_token", "client_id": public.client_id,
            "refresh_token": first["refresh_token"]}  # fmt: skip
    assert token_body(post_token(client, data))["refresh_token"] != first["refresh_token"]


def test_a_refresh_may_ask_for_less_than_the_granted_scope(
    app: Flask, client: FlaskClient, code_app: CodeApp, browser: tuple[FlaskClient, int]
) -> None:
    first = token_body(exchange(client, code_app, obtain_code(browser[0], code_app,
                                                              scope="openid email")))  # fmt: skip
    data = {"grant_type": "refresh_token", "client_id": code_app.client_id,
            "client_secret": code_app.secret, "refresh_token": first["refresh_token"],
            "scope": "email"}  # fmt: skip
    assert token_body(post_token(client, data))["scope"] == "email"


def test_a_refresh_may_not_ask_for_more_than_the_granted_scope(
    app: Flask, client: FlaskClient, code_app: CodeApp, browser: tuple[FlaskClient, int]
) -> None:
    first = token_body(exchange(client, code_app, obtain_code(browser[0], code_app,
                                                              scope="openid")))  # fmt: skip
    data = {"grant_type": "refresh_token", "client_id": code_app.client_id,
            "client_secret": code_app.secret, "refresh_token": first["refresh_token"],
            "scope": "openid email"}  # fmt: skip
    assert_error(post_token(client, data), 400, "invalid_scope")


def test_the_other_grants_never_look_at_codes_or_consents(app: Flask, client: FlaskClient) -> None:
    """The authorization code grant adds no query to the password and refresh grants."""
    password_app = new_application(app, Grant.PASSWORD)
    _, username = new_user(app, password_app.organization_id)
    seen: list[str] = []

    def record(conn: object, cursor: object, statement: str, *args: object) -> None:
        seen.append(statement.lower())

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        first = token_body(password_grant(client, password_app.client_id, password_app.secret,
                                          username, PASSWORD))  # fmt: skip
        token_body(refresh_grant(client, password_app.client_id, password_app.secret,
                                 first["refresh_token"]))  # fmt: skip
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert seen
    assert not [s for s in seen if "oauth_authorization_codes" in s or "oauth_consents" in s]
