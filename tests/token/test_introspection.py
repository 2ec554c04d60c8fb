"""POST /oauth2/introspect (RFC 7662): what a token is, told to clients of its organization."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from flask import Flask
from sqlalchemy import update

from oauthapp.accounts.service import set_enabled, unlock_account
from oauthapp.applications.service import set_active
from oauthapp.extensions import db
from oauthapp.keys import load_keyring
from oauthapp.models import CustomerUser, Grant, Kind, OAuthApplication, RefreshToken, User, utcnow
from tests.token.helpers import assert_error
from tests.token.issued import INTROSPECT_URL, Client, assert_ok_json, issuer, register

METHODS = ["basic", "body"]
INACTIVE = {"active": False}


@pytest.fixture
def password_client(app: Flask) -> Client:
    return register(app, grant=Grant.PASSWORD)


def introspected(client: Client, token: str, **extra: str) -> dict[str, Any]:
    return assert_ok_json(client.introspect(token, **extra))


def expire_refresh_tokens(app: Flask) -> None:
    with app.app_context():
        db.session.execute(update(RefreshToken).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()


@pytest.mark.parametrize("method", METHODS)
def test_an_active_access_token_is_described(password_client: Client, method: str) -> None:
    token = password_client.access_token()
    claims = jwt.decode(token, options={"verify_signature": False})
    body = assert_ok_json(password_client.introspect(token, method))
    assert body == {
        "active": True,
        "client_id": password_client.client_id,
        "username": password_client.login,
        "sub": str(password_client.account_id),
        "iss": issuer(password_client.app),
        "exp": claims["exp"],
        "iat": claims["iat"],
        "nbf": claims["nbf"],
        "aud": f"{issuer(password_client.app)}/api",
        "jti": claims["jti"],
        "scope": "",
        "token_type": "Bearer",
        "org": password_client.organization_id,
    }


def test_a_storefront_access_token_is_described_with_the_customer_email(app: Flask) -> None:
    client = register(app, Kind.STOREFRONT, Grant.PASSWORD)
    body = introspected(client, client.access_token())
    assert body["active"] is True
    assert body["username"] == client.login
    assert body["sub"] == str(client.account_id)
    assert body["aud"] == f"{issuer(app)}/api/frontend"


def test_a_client_credentials_token_is_described_with_its_owner(app: Flask) -> None:
    client = register(app)
    body = introspected(client, client.access_token())
    assert (body["active"], body["username"]) == (True, client.login)
    assert body["sub"] == str(client.account_id)


def test_an_active_refresh_token_is_described(password_client: Client) -> None:
    token = password_client.tokens()["refresh_token"]
    body = introspected(password_client, token, token_type_hint="refresh_token")
    assert body["active"] is True
    assert body["token_type"] == "refresh_token"
    assert body["client_id"] == password_client.client_id
    assert body["username"] == password_client.login
    assert body["sub"] == str(password_client.account_id)
    assert body["org"] == password_client.organization_id
    assert body["exp"] > time.time() + 86400


@pytest.mark.parametrize("hint", ["access_token", "refresh_token"])
def test_a_wrong_hint_still_finds_the_token(password_client: Client, hint: str) -> None:
    tokens = password_client.tokens()
    token = tokens["access_token"] if hint == "refresh_token" else tokens["refresh_token"]
    assert introspected(password_client, token, token_type_hint=hint)["active"] is True


def test_a_revoked_access_token_is_inactive(password_client: Client) -> None:
    token = password_client.access_token()
    assert password_client.revoke(token).status_code == 200
    assert introspected(password_client, token) == INACTIVE


def test_a_revoked_refresh_token_is_inactive(password_client: Client) -> None:
    token = password_client.tokens()["refresh_token"]
    assert password_client.revoke(token).status_code == 200
    assert introspected(password_client, token) == INACTIVE


def test_a_rotated_refresh_token_is_inactive(password_client: Client) -> None:
    tokens = password_client.tokens()
    assert password_client.refresh(tokens["refresh_token"]).status_code == 200
    assert introspected(password_client, tokens["refresh_token"]) == INACTIVE


def test_the_access_token_replaced_by_a_refresh_is_inactive(password_client: Client) -> None:
    tokens = password_client.tokens()
    assert password_client.refresh(tokens["refresh_token"]).status_code == 200
    assert introspected(password_client, tokens["access_token"]) == INACTIVE


def test_an_expired_access_token_is_inactive(
    password_client: Client, key_pair: tuple[Path, Path]
) -> None:
    token = password_client.access_token()
    claims = jwt.decode(token, options={"verify_signature": False})
    claims |= {
        "iat": claims["iat"] - 7200,
        "nbf": claims["nbf"] - 7200,
        "exp": int(time.time()) - 60,
    }
    ring = load_keyring(key_pair[0], key_pair[1], "RS256")
    headers = {"typ": "at+jwt", "kid": ring.kid}
    key = cast(RSAPrivateKey, ring.private_key)
    expired = jwt.encode(claims, key, algorithm="RS256", headers=headers)
    assert introspected(password_client, expired) == INACTIVE


def test_an_expired_refresh_token_is_inactive(password_client: Client) -> None:
    token = password_client.tokens()["refresh_token"]
    expire_refresh_tokens(password_client.app)
    assert introspected(password_client, token) == INACTIVE


@pytest.mark.parametrize("token", ["garbage", "a.b.c", "x" * 300])
def test_an_unknown_token_is_inactive(app: Flask, token: str) -> None:
    assert introspected(register(app), token) == INACTIVE


@pytest.mark.parametrize("kind", ["access_token", "refresh_token"])
def test_a_token_of_an_inactive_application_is_inactive(
    app: Flask, password_client: Client, kind: str
) -> None:
    token = password_client.tokens()[kind]
    asker = register(app, org=password_client.organization)
    with app.app_context():
        set_active(db.session.get_one(OAuthApplication, password_client.application_id), False)
    assert introspected(asker, token) == INACTIVE


@pytest.mark.parametrize("kind", ["access_token", "refresh_token"])
def test_a_token_of_a_disabled_user_is_inactive(password_client: Client, kind: str) -> None:
    token = password_client.tokens()[kind]
    with password_client.app.app_context():
        set_enabled(db.session.get_one(User, password_client.account_id), False)
    assert introspected(password_client, token) == INACTIVE


def test_a_token_of_a_disabled_customer_user_is_inactive(app: Flask) -> None:
    client = register(app, Kind.STOREFRONT, Grant.PASSWORD)
    token = client.access_token()
    with app.app_context():
        set_enabled(db.session.get_one(CustomerUser, client.account_id), False)
    assert introspected(client, token) == INACTIVE


def set_lock(client: Client, locked_at: datetime | None) -> None:
    """Lock the client's user as failed logins do at locked_at, or unlock it (None)."""
    with client.app.app_context():
        user = db.session.get_one(User, client.account_id)
        if locked_at is None:
            unlock_account(user)
        else:
            user.locked, user.locked_at = True, locked_at
            db.session.commit()


@pytest.mark.parametrize("kind", ["access_token", "refresh_token"])
def test_a_token_of_a_locked_user_is_inactive(password_client: Client, kind: str) -> None:
    token = password_client.tokens()[kind]
    set_lock(password_client, utcnow())
    assert introspected(password_client, token) == INACTIVE


@pytest.mark.parametrize("kind", ["access_token", "refresh_token"])
def test_a_token_of_an_unlocked_user_is_active_again(password_client: Client, kind: str) -> None:
    token = password_client.tokens()[kind]
    set_lock(password_client, utcnow())
    set_lock(password_client, None)
    assert introspected(password_client, token)["active"] is True


def test_a_token_is_active_again_once_its_users_lock_has_expired(password_client: Client) -> None:
    token = password_client.access_token()
    set_lock(password_client, utcnow() - timedelta(seconds=901))
    assert introspected(password_client, token)["active"] is True


@pytest.mark.parametrize("kind", ["access_token", "refresh_token"])
def test_a_token_of_another_organization_is_inactive(
    app: Flask, password_client: Client, kind: str
) -> None:
    token = password_client.tokens()[kind]
    stranger = register(app)
    assert introspected(stranger, token) == INACTIVE


def test_a_client_of_the_same_organization_may_introspect_another_clients_token(
    app: Flask, password_client: Client
) -> None:
    token = password_client.access_token()
    colleague = register(app, Kind.STOREFRONT, org=password_client.organization)
    body = introspected(colleague, token)
    assert (body["active"], body["client_id"]) == (True, password_client.client_id)


def test_introspection_does_not_revoke_or_rotate_the_token(password_client: Client) -> None:
    tokens = password_client.tokens()
    introspected(password_client, tokens["access_token"])
    introspected(password_client, tokens["refresh_token"])
    assert password_client.me(tokens["access_token"]).status_code == 200
    assert password_client.refresh(tokens["refresh_token"]).status_code == 200


@pytest.mark.parametrize("method", METHODS)
def test_a_wrong_client_secret_is_refused(password_client: Client, method: str) -> None:
    token = password_client.access_token()
    response = password_client.post(INTROSPECT_URL, {"token": token}, method, secret="wrong")
    assert_error(response, 401, "invalid_client")
    challenge = response.headers.get("WWW-Authenticate")
    assert challenge == ('Basic realm="OAuth"' if method == "basic" else None)


def test_a_request_without_client_credentials_is_refused(password_client: Client) -> None:
    token = password_client.access_token()
    response = password_client.app.test_client().post(INTROSPECT_URL, data={"token": token})
    assert_error(response, 401, "invalid_client")


def test_an_inactive_client_may_not_introspect(app: Flask, password_client: Client) -> None:
    token = password_client.access_token()
    asker = register(app, org=password_client.organization)
    with app.app_context():
        set_active(db.session.get_one(OAuthApplication, asker.application_id), False)
    assert_error(asker.introspect(token), 401, "invalid_client")


@pytest.mark.parametrize("method", METHODS)
def test_a_request_without_a_token_is_an_invalid_request(app: Flask, method: str) -> None:
    assert_error(register(app).post(INTROSPECT_URL, {}, method), 400, "invalid_request")


def test_an_empty_token_is_an_invalid_request(app: Flask) -> None:
    assert_error(register(app).introspect(""), 400, "invalid_request")


def test_an_unsupported_token_type_hint_is_refused(password_client: Client) -> None:
    response = password_client.introspect(
        password_client.access_token(), token_type_hint="id_token"
    )
    assert_error(response, 400, "unsupported_token_type")
