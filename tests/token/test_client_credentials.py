"""The client credentials grant: what a successful request returns, and what it records."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, func, select

from oauthapp.extensions import db
from oauthapp.models import Kind, OAuthApplication, RefreshToken
from tests.token.grant_support import (
    JWKS_URL,
    App,
    audience,
    away_from_minute_boundary,
    issuer,
    load_row,
    new_application,
    token_body,
    update_row,
    verify_with_jwks,
)
from tests.token.helpers import basic, client_credentials, post_token

KINDS = [Kind.BACKOFFICE, Kind.STOREFRONT]
CLAIMS = ("iss", "sub", "aud", "client_id", "iat", "nbf", "exp", "jti", "scope", "org")


@pytest.fixture
def registered(app: Flask) -> App:
    return new_application(app)


def issue(app: Flask, registered: App) -> dict[str, Any]:
    return token_body(
        client_credentials(app.test_client(), registered.client_id, registered.secret)
    )


def claims_of(app: Flask, registered: App) -> dict[str, Any]:
    token = issue(app, registered)["access_token"]
    return verify_with_jwks(app, app.test_client(), token, registered.kind)[1]


def test_the_body_holds_exactly_the_token_type_lifetime_and_access_token(
    app: Flask, registered: App
) -> None:
    body = issue(app, registered)
    assert set(body) == {"token_type", "expires_in", "access_token"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert isinstance(body["access_token"], str)
    assert body["access_token"]


def test_the_response_forbids_caching(app: Flask, registered: App) -> None:
    response = client_credentials(app.test_client(), registered.client_id, registered.secret)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Pragma"] == "no-cache"


@pytest.mark.parametrize("as_json", [False, True], ids=["form", "json"])
@pytest.mark.parametrize("method", ["body", "basic"])
def test_both_content_types_and_both_client_authentication_methods_succeed(
    app: Flask, registered: App, as_json: bool, method: str
) -> None:
    data = {"grant_type": "client_credentials"}
    headers: dict[str, str] = {}
    if method == "basic":
        headers = basic(registered.client_id, registered.secret)
    else:
        data |= {"client_id": registered.client_id, "client_secret": registered.secret}
    response = post_token(app.test_client(), data, as_json=as_json, headers=headers)
    assert set(token_body(response)) == {"token_type", "expires_in", "access_token"}


def test_the_jwt_header_names_the_access_token_type_the_algorithm_and_the_jwks_key(
    app: Flask, client: FlaskClient, registered: App
) -> None:
    token = issue(app, registered)["access_token"]
    header = jwt.get_unverified_header(token)
    jwks = client.get(JWKS_URL).get_json()
    assert header["typ"] == "at+jwt"
    assert header["alg"] == "RS256"
    assert header["kid"] == jwks["keys"][0]["kid"]


@pytest.mark.parametrize("kind", KINDS)
def test_the_claims_verify_with_the_jwks_and_name_the_owner_client_and_organization(
    app: Flask, kind: Kind
) -> None:
    registered = new_application(app, kind=kind)
    before = int(time.time())
    claims = claims_of(app, registered)
    assert set(claims) == set(CLAIMS)
    assert claims["iss"] == issuer(app)
    assert claims["sub"] == str(registered.owner_id)
    assert claims["client_id"] == registered.client_id
    assert claims["scope"] == ""
    assert claims["org"] == registered.organization_id
    assert before <= claims["iat"] <= int(time.time())
    assert claims["nbf"] == claims["iat"]
    assert claims["exp"] == claims["iat"] + 3600


def test_a_back_office_token_is_for_the_back_office_api(app: Flask) -> None:
    claims = claims_of(app, new_application(app, kind=Kind.BACKOFFICE))
    assert claims["aud"] == f"{issuer(app)}/api"


def test_a_storefront_token_is_for_the_storefront_api(app: Flask) -> None:
    claims = claims_of(app, new_application(app, kind=Kind.STOREFRONT))
    assert claims["aud"] == f"{issuer(app)}/api/frontend"


def test_the_issuer_setting_is_the_iss_claim_and_the_base_of_the_audience(
    make_app: Any,
) -> None:
    app = make_app(oauth2_server={"issuer": "https://auth.example.com"})
    claims = claims_of(app, new_application(app))
    assert claims["iss"] == "https://auth.example.com"
    assert claims["aud"] == audience(app, Kind.BACKOFFICE) == "https://auth.example.com/api"


def test_every_token_has_its_own_jti(app: Flask, registered: App) -> None:
    jtis = [claims_of(app, registered)["jti"] for _ in range(5)]
    assert len(set(jtis)) == 5


def test_the_configured_access_token_lifetime_is_the_expiry(make_app: Any) -> None:
    app = make_app(oauth2_server={"authorization_server": {"access_token_lifetime": 60}})
    registered = new_application(app)
    body = issue(app, registered)
    claims = verify_with_jwks(app, app.test_client(), body["access_token"], registered.kind)[1]
    assert body["expires_in"] == 60
    assert claims["exp"] - claims["iat"] == 60


def test_the_token_is_accepted_by_the_api_of_its_kind(app: Flask, registered: App) -> None:
    token = issue(app, registered)["access_token"]
    response = app.test_client().get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["id"] == registered.owner_id


def test_the_first_token_sets_last_used_at_to_the_minute(app: Flask, registered: App) -> None:
    away_from_minute_boundary()
    assert load_row(app, OAuthApplication, registered.id)["last_used_at"] is None
    issue(app, registered)
    last_used = load_row(app, OAuthApplication, registered.id)["last_used_at"]
    now = datetime.now(UTC)
    assert last_used == now.replace(second=0, microsecond=0)


def test_using_an_application_does_not_count_as_editing_it(app: Flask, registered: App) -> None:
    updated_at = load_row(app, OAuthApplication, registered.id)["updated_at"]
    issue(app, registered)
    assert load_row(app, OAuthApplication, registered.id)["updated_at"] == updated_at


@pytest.fixture
def application_updates(app: Flask) -> Iterator[list[str]]:
    """The UPDATE statements run against oauth_applications while the test runs."""
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE OAUTH_APPLICATIONS"):
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    yield statements
    event.remove(engine, "before_cursor_execute", record)


def test_a_second_token_within_the_minute_does_not_write_last_used_at_again(
    app: Flask, registered: App, application_updates: list[str]
) -> None:
    away_from_minute_boundary()
    issue(app, registered)
    assert len(application_updates) == 1
    issue(app, registered)
    issue(app, registered)
    assert len(application_updates) == 1


def test_a_token_after_the_minute_moves_last_used_at_forward(app: Flask, registered: App) -> None:
    earlier = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=5)
    update_row(app, OAuthApplication, registered.id, last_used_at=earlier)
    issue(app, registered)
    last_used = load_row(app, OAuthApplication, registered.id)["last_used_at"]
    assert last_used > earlier
    assert (last_used.second, last_used.microsecond) == (0, 0)


def test_the_grant_writes_no_refresh_token(app: Flask, registered: App) -> None:
    for _ in range(2):
        issue(app, registered)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(RefreshToken)) == 0
