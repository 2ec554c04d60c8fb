"""The refresh grant: rotation, reuse detection, and which refresh tokens are refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, text

from oauthapp.extensions import db
from oauthapp.models import CustomerUser, Grant, Kind, RefreshToken, User
from tests.factories import PASSWORD
from tests.token.grant_support import (
    App,
    me,
    new_application,
    new_customer,
    new_user,
    token_body,
    update_row,
)
from tests.token.helpers import assert_error, password_grant, refresh_grant

DISABLED, LOCKED = "Account is disabled.", "Account is locked."


class Login:
    """A password application and a user of it, logged in through the real token endpoint."""

    def __init__(self, app: Flask, kind: Kind = Kind.BACKOFFICE, org_id: int | None = None):
        self.app = app
        self.registered = new_application(app, Grant.PASSWORD, kind, org_id)
        org = self.registered.organization_id
        self.model: type[Any] = CustomerUser if kind == Kind.STOREFRONT else User
        if kind == Kind.STOREFRONT:
            self.account_id, self.login = new_customer(app, org)
        else:
            self.account_id, self.login = new_user(app, org)

    def tokens(self) -> dict[str, Any]:
        client = self.app.test_client()
        app = self.registered
        return token_body(password_grant(client, app.client_id, app.secret, self.login, PASSWORD))

    def refresh(self, refresh_token: str, through: App | None = None) -> Any:
        app = through or self.registered
        return refresh_grant(self.app.test_client(), app.client_id, app.secret, refresh_token)

    def me(self, access_token: str) -> Any:
        return me(self.app.test_client(), access_token, self.registered.kind)


def stored_tokens(app: Flask) -> list[RefreshToken]:
    with app.app_context():
        rows = list(db.session.scalars(select(RefreshToken).order_by(RefreshToken.id)))
        db.session.expunge_all()
        return rows


def set_on_all_refresh_tokens(app: Flask, **values: Any) -> None:
    for row in stored_tokens(app):
        update_row(app, RefreshToken, row.id, **values)


@pytest.fixture
def login(app: Flask) -> Login:
    return Login(app)


@pytest.mark.parametrize("kind", [Kind.BACKOFFICE, Kind.STOREFRONT])
def test_a_refresh_returns_a_new_pair(app: Flask, kind: Kind) -> None:
    session = Login(app, kind)
    first = session.tokens()
    second = token_body(session.refresh(first["refresh_token"]))
    assert set(second) == {"token_type", "expires_in", "access_token", "refresh_token"}
    assert second["token_type"] == "Bearer"
    assert second["expires_in"] == 3600
    assert second["access_token"] != first["access_token"]
    assert second["refresh_token"] != first["refresh_token"]
    assert session.me(second["access_token"]).get_json()["id"] == session.account_id


def test_the_rotated_refresh_token_gets_invalid_grant(login: Login) -> None:
    first = login.tokens()
    token_body(login.refresh(first["refresh_token"]))
    assert_error(login.refresh(first["refresh_token"]), 400, "invalid_grant")


def test_the_access_token_issued_with_the_rotated_refresh_token_is_refused(login: Login) -> None:
    first = login.tokens()
    assert login.me(first["access_token"]).status_code == 200
    token_body(login.refresh(first["refresh_token"]))
    assert_error(login.me(first["access_token"]), 401, "invalid_token")


def test_the_new_pair_keeps_working_after_rotation(login: Login) -> None:
    second = token_body(login.refresh(login.tokens()["refresh_token"]))
    assert login.me(second["access_token"]).status_code == 200
    token_body(login.refresh(second["refresh_token"]))


def test_reusing_a_rotated_refresh_token_revokes_the_newest_refresh_token(login: Login) -> None:
    first = login.tokens()
    second = token_body(login.refresh(first["refresh_token"]))
    third = token_body(login.refresh(second["refresh_token"]))
    assert_error(login.refresh(first["refresh_token"]), 400, "invalid_grant")
    assert_error(login.refresh(third["refresh_token"]), 400, "invalid_grant")


def test_reusing_a_rotated_refresh_token_revokes_the_newest_access_token(login: Login) -> None:
    first = login.tokens()
    second = token_body(login.refresh(first["refresh_token"]))
    assert login.me(second["access_token"]).status_code == 200
    assert_error(login.refresh(first["refresh_token"]), 400, "invalid_grant")
    assert_error(login.me(second["access_token"]), 401, "invalid_token")


def test_reuse_revokes_only_its_own_family(login: Login) -> None:
    first = login.tokens()
    other = login.tokens()
    token_body(login.refresh(first["refresh_token"]))
    assert_error(login.refresh(first["refresh_token"]), 400, "invalid_grant")
    assert login.me(other["access_token"]).status_code == 200
    token_body(login.refresh(other["refresh_token"]))


@pytest.fixture
def lenient(make_app: Any) -> Login:
    auth = {"refresh_token_reuse_detection": False}
    return Login(make_app(oauth2_server={"authorization_server": auth}))


def test_without_reuse_detection_a_rotated_refresh_token_is_still_refused(lenient: Login) -> None:
    first = lenient.tokens()
    token_body(lenient.refresh(first["refresh_token"]))
    assert_error(lenient.refresh(first["refresh_token"]), 400, "invalid_grant")


def test_without_reuse_detection_the_family_survives_a_reuse(lenient: Login) -> None:
    first = lenient.tokens()
    second = token_body(lenient.refresh(first["refresh_token"]))
    assert_error(lenient.refresh(first["refresh_token"]), 400, "invalid_grant")
    assert lenient.me(second["access_token"]).status_code == 200
    token_body(lenient.refresh(second["refresh_token"]))


def test_a_refresh_token_of_another_password_application_gets_invalid_grant(
    app: Flask, login: Login
) -> None:
    other = new_application(app, Grant.PASSWORD, Kind.BACKOFFICE, login.registered.organization_id)
    tokens = login.tokens()
    assert_error(login.refresh(tokens["refresh_token"], through=other), 400, "invalid_grant")


def test_a_back_office_refresh_token_used_by_a_storefront_app_gets_invalid_grant(
    app: Flask, login: Login
) -> None:
    org = login.registered.organization_id
    storefront = new_application(app, Grant.PASSWORD, Kind.STOREFRONT, org)
    tokens = login.tokens()
    assert_error(login.refresh(tokens["refresh_token"], through=storefront), 400, "invalid_grant")


def test_a_refresh_token_refused_to_another_application_still_works_for_its_own(
    app: Flask, login: Login
) -> None:
    other = new_application(app, Grant.PASSWORD, Kind.BACKOFFICE, login.registered.organization_id)
    tokens = login.tokens()
    login.refresh(tokens["refresh_token"], through=other)
    token_body(login.refresh(tokens["refresh_token"]))


def test_a_client_credentials_application_may_not_use_the_refresh_grant(
    app: Flask, login: Login
) -> None:
    machine = new_application(app, Grant.CLIENT_CREDENTIALS, Kind.BACKOFFICE)
    tokens = login.tokens()
    assert_error(login.refresh(tokens["refresh_token"], through=machine), 401, "invalid_client")


def test_an_unknown_refresh_token_gets_invalid_grant(login: Login) -> None:
    assert_error(login.refresh("not-a-refresh-token"), 400, "invalid_grant")


def test_an_expired_refresh_token_gets_invalid_grant(app: Flask, login: Login) -> None:
    tokens = login.tokens()
    set_on_all_refresh_tokens(app, expires_at=datetime.now(UTC) - timedelta(seconds=1))
    assert_error(login.refresh(tokens["refresh_token"]), 400, "invalid_grant")


@pytest.mark.parametrize(("column", "hint"), [("enabled", DISABLED), ("locked", LOCKED)])
@pytest.mark.parametrize("kind", [Kind.BACKOFFICE, Kind.STOREFRONT])
def test_the_refresh_of_a_disabled_or_locked_user_gets_invalid_grant_with_the_hint(
    app: Flask, kind: Kind, column: str, hint: str
) -> None:
    session = Login(app, kind)
    tokens = session.tokens()
    update_row(app, session.model, session.account_id, **{column: column == "locked"})
    body = assert_error(session.refresh(tokens["refresh_token"]), 400, "invalid_grant")
    assert body["hint"].startswith(hint)  # a lock also says until when, or whom to ask


@pytest.mark.parametrize("kind", [Kind.BACKOFFICE, Kind.STOREFRONT])
def test_the_refresh_of_a_user_locked_until_later_says_when(app: Flask, kind: Kind) -> None:
    session = Login(app, kind)
    tokens = session.tokens()
    now = datetime.now(UTC)
    update_row(app, session.model, session.account_id, locked=True, locked_at=now)
    body = assert_error(session.refresh(tokens["refresh_token"]), 400, "invalid_grant")
    assert body["hint"] == f"{LOCKED} Try again in 15 minutes."


@pytest.mark.parametrize("kind", [Kind.BACKOFFICE, Kind.STOREFRONT])
def test_the_refresh_works_again_once_the_lock_has_expired(app: Flask, kind: Kind) -> None:
    session = Login(app, kind)
    tokens = session.tokens()
    expired = datetime.now(UTC) - timedelta(seconds=901)
    update_row(app, session.model, session.account_id, locked=True, locked_at=expired)
    token_body(session.refresh(tokens["refresh_token"]))


def test_with_refresh_tokens_disabled_the_refresh_grant_is_unsupported(make_app: Any) -> None:
    app = make_app(oauth2_server={"authorization_server": {"enable_refresh_token": False}})
    session = Login(app)
    session.tokens()
    response = session.refresh("a-refresh-token-from-before")
    assert_error(response, 400, "unsupported_grant_type")


def test_the_stored_expiry_follows_the_refresh_token_lifetime(make_app: Any) -> None:
    app = make_app(oauth2_server={"authorization_server": {"refresh_token_lifetime": 120}})
    session = Login(app)
    before = datetime.now(UTC).replace(microsecond=0)
    session.refresh(session.tokens()["refresh_token"])
    after = datetime.now(UTC)
    rows = stored_tokens(app)
    assert len(rows) == 2
    for row in rows:
        assert before + timedelta(seconds=120) <= row.expires_at <= after + timedelta(seconds=120)


def test_a_rotated_refresh_token_stays_in_its_family(app: Flask, login: Login) -> None:
    login.refresh(login.tokens()["refresh_token"])
    first, second = stored_tokens(app)
    assert first.family_id == second.family_id
    assert first.rotated_at is not None
    assert second.rotated_at is None


def test_the_refresh_token_is_stored_only_as_a_hash(app: Flask, login: Login) -> None:
    plain = login.tokens()["refresh_token"]
    with app.app_context():
        rows = db.session.execute(text("SELECT * FROM oauth_refresh_tokens")).all()
    assert len(rows) == 1
    assert all(plain not in str(value) for value in rows[0])
