"""Nonces cannot be replayed within a code's lifetime; max_age brings auth_time along."""

from __future__ import annotations

import time

from flask import Flask
from sqlalchemy import select

from oauthapp.extensions import db
from oauthapp.models import AuthorizationCode, utcnow
from tests.authorize.helpers import (
    assert_redirected_error,
    authorize_url,
    browser_for,
    exchange,
    new_code_app,
    obtain_code,
)
from tests.oidc.helpers import verify_id_token
from tests.token.grant_support import token_body, update_row


def test_a_nonce_bound_to_an_unexpired_code_of_the_client_is_refused(app: Flask) -> None:
    code_app = new_code_app(app)
    browser, _ = browser_for(app, code_app)
    obtain_code(browser, code_app, scope="openid", nonce="once")
    response = browser.get(authorize_url(code_app.client_id, scope="openid", nonce="once"))
    assert_redirected_error(response, "invalid_request")


def test_the_same_nonce_is_accepted_once_its_code_has_expired(app: Flask) -> None:
    code_app = new_code_app(app)
    browser, _ = browser_for(app, code_app)
    obtain_code(browser, code_app, scope="openid", nonce="once")
    with app.app_context():
        code_id = db.session.scalar(select(AuthorizationCode.id))
    update_row(app, AuthorizationCode, code_id, expires_at=utcnow())
    assert obtain_code(browser, code_app, scope="openid", nonce="once")


def test_another_client_may_use_the_same_nonce(app: Flask) -> None:
    first, second = new_code_app(app), new_code_app(app)
    browser, _ = browser_for(app, first)
    obtain_code(browser, first, scope="openid", nonce="shared")
    other, _ = browser_for(app, second)
    assert obtain_code(other, second, scope="openid", nonce="shared")


def test_max_age_gives_the_auth_time_of_a_recent_enough_login(app: Flask) -> None:
    code_app = new_code_app(app)
    browser, _ = browser_for(app, code_app)
    before = int(time.time())
    code = obtain_code(browser, code_app, scope="openid", max_age="3600")
    body = token_body(exchange(app.test_client(), code_app, code))
    claims = verify_id_token(app, body["id_token"], code_app.client_id)
    assert before - 60 <= claims["auth_time"] <= claims["iat"]
    assert claims["iat"] - claims["auth_time"] <= 3600
