"""Refresh token families: a rotated token presented again within refresh_token_reuse_interval
(two tabs refreshing at once) and the cap of refresh_token_absolute_lifetime.

Concurrent requests against real servers: tests/e2e/test_concurrency.py.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import jwt
import pytest
from flask import Flask

from oauthapp.models import RefreshToken, utcnow
from tests.conftest import AppFactory
from tests.token.grant_support import token_body, update_row
from tests.token.helpers import assert_error
from tests.token.issued import assert_ok_json
from tests.token.test_refresh_grant import Login, stored_tokens

INTERVAL = 10


def with_settings(make_app: AppFactory, **auth: Any) -> Login:
    return Login(make_app(oauth2_server={"authorization_server": auth}))


@pytest.fixture
def login(app: Flask) -> Login:
    return Login(app)


@pytest.fixture
def racing(make_app: AppFactory) -> Login:
    return with_settings(make_app, refresh_token_reuse_interval=INTERVAL)


def jti(access_token: str) -> str:
    return str(jwt.decode(access_token, options={"verify_signature": False})["jti"])


def row_of(app: Flask, access_token: str) -> RefreshToken:
    """The stored refresh token issued with that access token."""
    [row] = [row for row in stored_tokens(app) if row.access_token_jti == jti(access_token)]
    return row


def live(app: Flask) -> set[str]:
    """The access token ids of the live refresh tokens (neither revoked nor rotated)."""
    return {
        row.access_token_jti
        for row in stored_tokens(app)
        if not row.revoked and row.rotated_at is None
    }


def rotated_ago(app: Flask, access_token: str, seconds: float) -> None:
    """Pretend the refresh token issued with ACCESS_TOKEN was rotated SECONDS ago."""
    row = row_of(app, access_token)
    assert row.rotated_at is not None
    update_row(app, RefreshToken, row.id, rotated_at=utcnow() - timedelta(seconds=seconds))


def works(login: Login, body: dict[str, Any]) -> dict[str, Any]:
    """The pair works: its access token on the API, its refresh token for the next pair."""
    assert login.me(body["access_token"]).status_code == 200
    return token_body(login.refresh(body["refresh_token"]))


def test_a_token_presented_again_within_the_interval_gets_a_pair_of_its_family(
    racing: Login,
) -> None:
    first = racing.tokens()
    one = token_body(racing.refresh(first["refresh_token"]))
    other = token_body(racing.refresh(first["refresh_token"]))  # the second tab
    assert other["refresh_token"] not in (one["refresh_token"], first["refresh_token"])
    assert other["access_token"] != one["access_token"]
    app = racing.app
    family = row_of(app, first["access_token"]).family_id
    assert row_of(app, one["access_token"]).family_id == family
    assert row_of(app, other["access_token"]).family_id == family
    assert live(app) == {jti(one["access_token"]), jti(other["access_token"])}
    # Nothing was revoked: both tabs go on, each with its own pair.
    assert_error(racing.me(first["access_token"]), 401, "invalid_token")  # rotated, as ever
    works(racing, one)
    works(racing, other)


def test_the_first_pair_keeps_working_after_the_token_came_back(racing: Login) -> None:
    first = racing.tokens()
    one = token_body(racing.refresh(first["refresh_token"]))
    token_body(racing.refresh(first["refresh_token"]))
    token_body(racing.refresh(first["refresh_token"]))  # a third tab
    works(racing, one)


def test_a_token_presented_again_after_the_interval_revokes_every_pair_of_the_family(
    racing: Login,
) -> None:
    first = racing.tokens()
    one = token_body(racing.refresh(first["refresh_token"]))
    other = token_body(racing.refresh(first["refresh_token"]))
    rotated_ago(racing.app, first["access_token"], INTERVAL + 1)
    assert_error(racing.refresh(first["refresh_token"]), 400, "invalid_grant")
    for pair in (one, other):
        assert_error(racing.me(pair["access_token"]), 401, "invalid_token")
        assert_error(racing.refresh(pair["refresh_token"]), 400, "invalid_grant")
    assert live(racing.app) == set()


def test_a_token_rotated_just_inside_the_interval_may_still_come_back(racing: Login) -> None:
    first = racing.tokens()
    one = token_body(racing.refresh(first["refresh_token"]))
    rotated_ago(racing.app, first["access_token"], INTERVAL - 1)
    works(racing, token_body(racing.refresh(first["refresh_token"])))
    works(racing, one)


def test_a_token_of_a_revoked_family_does_not_come_back(racing: Login) -> None:
    first = racing.tokens()
    one = token_body(racing.refresh(first["refresh_token"]))
    app = racing.registered
    revoked = racing.app.test_client().post(
        "/oauth2/revoke",
        data={"token": one["refresh_token"], "client_id": app.client_id,
              "client_secret": app.secret},
    )  # fmt: skip
    assert revoked.status_code == 200
    assert_error(racing.refresh(first["refresh_token"]), 400, "invalid_grant")
    assert live(racing.app) == set()


def test_an_expired_token_does_not_come_back(racing: Login) -> None:
    first = racing.tokens()
    token_body(racing.refresh(first["refresh_token"]))
    row = row_of(racing.app, first["access_token"])
    update_row(racing.app, RefreshToken, row.id, expires_at=utcnow() - timedelta(seconds=1))
    assert_error(racing.refresh(first["refresh_token"]), 400, "invalid_grant")


def test_without_an_interval_a_token_presented_again_revokes_the_family(login: Login) -> None:
    first = login.tokens()
    one = token_body(login.refresh(first["refresh_token"]))
    assert_error(login.refresh(first["refresh_token"]), 400, "invalid_grant")
    assert_error(login.refresh(one["refresh_token"]), 400, "invalid_grant")


def test_a_coming_back_token_of_a_locked_user_is_refused(racing: Login) -> None:
    first = racing.tokens()
    one = token_body(racing.refresh(first["refresh_token"]))
    update_row(racing.app, racing.model, racing.account_id, locked=True, locked_at=utcnow())
    assert_error(racing.refresh(first["refresh_token"]), 400, "invalid_grant")
    update_row(racing.app, racing.model, racing.account_id, locked=False, locked_at=None)
    works(racing, one)  # the refusal revoked nothing


# --- refresh_token_absolute_lifetime ---------------------------------------------------------

CAP = 3600


@pytest.fixture
def capped(make_app: AppFactory) -> Login:
    return with_settings(make_app, refresh_token_absolute_lifetime=CAP)


def began_ago(app: Flask, seconds: float) -> None:
    """Pretend every stored family began SECONDS ago."""
    for row in stored_tokens(app):
        update_row(
            app, RefreshToken, row.id, family_created_at=utcnow() - timedelta(seconds=seconds)
        )


def test_a_login_s_refresh_token_expires_at_the_cap(capped: Login) -> None:
    before = utcnow().replace(microsecond=0)
    first = capped.tokens()
    row = row_of(capped.app, first["access_token"])
    assert before <= row.family_created_at <= utcnow()
    assert row.expires_at == row.family_created_at + timedelta(seconds=CAP)


def test_rotations_keep_the_family_s_beginning_and_never_pass_the_cap(capped: Login) -> None:
    first = capped.tokens()
    began_ago(capped.app, CAP - 60)
    second = token_body(capped.refresh(first["refresh_token"]))
    row = row_of(capped.app, second["access_token"])
    began = row_of(capped.app, first["access_token"]).family_created_at
    assert row.family_created_at == began
    assert row.expires_at == began + timedelta(seconds=CAP)
    assert row.expires_at < utcnow() + timedelta(seconds=61)


def test_a_family_older_than_the_cap_is_refused_and_introspected_inactive(capped: Login) -> None:
    first = capped.tokens()
    second = token_body(capped.refresh(first["refresh_token"]))
    began_ago(capped.app, CAP + 1)
    # Its stored expiry is still ahead: the cap is counted at each use, so lowering the
    # setting ends the families that began too long ago.
    assert row_of(capped.app, second["access_token"]).expires_at > utcnow()
    app = capped.registered
    introspected = capped.app.test_client().post(
        "/oauth2/introspect",
        data={"token": second["refresh_token"], "client_id": app.client_id,
              "client_secret": app.secret},
    )  # fmt: skip
    assert assert_ok_json(introspected) == {"active": False}
    assert_error(capped.refresh(second["refresh_token"]), 400, "invalid_grant")


def test_without_a_cap_rotation_extends_the_family(login: Login) -> None:
    first = login.tokens()
    row = row_of(login.app, first["access_token"])
    assert row.expires_at - row.family_created_at == timedelta(seconds=2592000)
    began_ago(login.app, 10 * 365 * 86400)
    second = token_body(login.refresh(first["refresh_token"]))
    row = row_of(login.app, second["access_token"])
    assert row.expires_at > utcnow() + timedelta(days=29)
