"""`flask oauth cleanup` on tokens made through the real endpoints: expired rows go, live stay."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import jwt
import pytest
from flask import Flask
from sqlalchemy import select, update

from oauthapp.extensions import db
from oauthapp.models import Grant, RefreshToken, RevokedAccessToken, utcnow
from tests.token.helpers import assert_error
from tests.token.issued import Client, assert_invalid_token, register

PAST = timedelta(seconds=1)


def jti(tokens: dict[str, Any]) -> str:
    value: str = jwt.decode(tokens["access_token"], options={"verify_signature": False})["jti"]
    return value


def cleanup(app: Flask) -> str:
    result = app.test_cli_runner().invoke(args=["oauth", "cleanup"])
    assert result.exit_code == 0, result.output
    output: str = result.output
    return output


def expire_refresh_token(app: Flask, tokens: dict[str, Any]) -> None:
    """Age the refresh token issued with that access token past its expiry."""
    with app.app_context():
        db.session.execute(
            update(RefreshToken)
            .where(RefreshToken.access_token_jti == jti(tokens))
            .values(expires_at=utcnow() - PAST)
        )
        db.session.commit()


def expire_revocation(app: Flask, tokens: dict[str, Any]) -> None:
    """Age the revocation record of that access token past the token's expiry."""
    with app.app_context():
        db.session.execute(
            update(RevokedAccessToken)
            .where(RevokedAccessToken.jti == jti(tokens))
            .values(expires_at=utcnow() - PAST)
        )
        db.session.commit()


def refresh_token_jtis(app: Flask) -> set[str]:
    """The access tokens whose refresh tokens are still stored."""
    with app.app_context():
        return set(db.session.scalars(select(RefreshToken.access_token_jti)))


def revoked_jtis(app: Flask) -> set[str]:
    with app.app_context():
        return set(db.session.scalars(select(RevokedAccessToken.jti)))


@pytest.fixture
def password_client(app: Flask) -> Client:
    return register(app, grant=Grant.PASSWORD)


def test_cleanup_deletes_an_expired_refresh_token_and_keeps_a_live_one(
    app: Flask, password_client: Client
) -> None:
    expired, live = password_client.tokens(), password_client.tokens()
    expire_refresh_token(app, expired)
    output = cleanup(app)
    assert "Deleted 1 expired refresh tokens." in output
    assert refresh_token_jtis(app) == {jti(live)}
    assert_error(password_client.refresh(expired["refresh_token"]), 400, "invalid_grant")
    assert password_client.refresh(live["refresh_token"]).status_code == 200


def test_cleanup_deletes_an_expired_revocation_and_keeps_a_live_one(
    app: Flask, password_client: Client
) -> None:
    expired, live = password_client.tokens(), password_client.tokens()
    for tokens in (expired, live):
        assert password_client.revoke(tokens["access_token"]).status_code == 200
    expire_revocation(app, expired)
    output = cleanup(app)
    assert "Deleted 1 expired revocation records." in output
    assert revoked_jtis(app) == {jti(live)}
    assert_invalid_token(password_client.me(live["access_token"]))


def test_cleanup_keeps_the_revocations_made_by_a_refresh_token_rotation(
    app: Flask, password_client: Client
) -> None:
    first = password_client.tokens()
    second = password_client.refresh(first["refresh_token"]).get_json()
    output = cleanup(app)
    assert "Deleted 0 expired refresh tokens." in output
    assert "Deleted 0 expired revocation records." in output
    assert revoked_jtis(app) == {jti(first)}
    assert_invalid_token(password_client.me(first["access_token"]))
    assert password_client.me(second["access_token"]).status_code == 200


def test_cleanup_keeps_a_revoked_family_revoked(app: Flask, password_client: Client) -> None:
    tokens = password_client.tokens()
    assert password_client.revoke(tokens["refresh_token"]).status_code == 200
    cleanup(app)
    assert_invalid_token(password_client.me(tokens["access_token"]))
    assert_error(password_client.refresh(tokens["refresh_token"]), 400, "invalid_grant")


def test_cleanup_of_live_tokens_only_deletes_nothing(app: Flask, password_client: Client) -> None:
    tokens = password_client.tokens()
    assert password_client.revoke(password_client.access_token()).status_code == 200
    before = (refresh_token_jtis(app), revoked_jtis(app))
    output = cleanup(app)
    assert output == (
        "Deleted 0 expired refresh tokens.\n"
        "Deleted 0 expired authorization codes.\n"
        "Deleted 0 expired revocation records.\n"
        "Deleted 0 applications whose owner no longer exists.\n"
        "Deleted 0 sent email messages older than 30 days.\n"
        "Deleted 0 retired signing keys whose tokens have expired.\n"
        "Deleted 0 hourly token usage counts older than 90 days.\n"
        "Deleted 0 expired idempotency keys.\n"
    )
    assert (refresh_token_jtis(app), revoked_jtis(app)) == before
    assert password_client.me(tokens["access_token"]).status_code == 200


def test_cleanup_deletes_expired_rows_of_every_application(
    app: Flask, password_client: Client
) -> None:
    other = register(app, grant=Grant.PASSWORD)
    mine, theirs = password_client.tokens(), other.tokens()
    for owner, tokens in ((password_client, mine), (other, theirs)):
        assert owner.revoke(tokens["access_token"]).status_code == 200
        expire_refresh_token(app, tokens)
        expire_revocation(app, tokens)
    output = cleanup(app)
    assert "Deleted 2 expired refresh tokens." in output
    assert "Deleted 2 expired revocation records." in output
    assert refresh_token_jtis(app) == set()
    assert revoked_jtis(app) == set()
