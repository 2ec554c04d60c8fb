"""POST /oauth2-token (and the APIs) when the server cannot serve: keys, database, throttle."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from oauthapp import create_app
from oauthapp.extensions import db
from oauthapp.keys import KEYS_MISSING_WARNING
from oauthapp.models import Grant, Kind, OAuthApplication
from tests.conftest import base_settings, deep_merge
from tests.factories import PASSWORD, make_application, make_org, make_user
from tests.token.helpers import (
    TOKEN_URL,
    assert_error,
    basic,
    bearer,
    client_credentials,
    post_token,
)

UNREACHABLE = "postgresql+psycopg://postgres@127.0.0.1:1/nowhere"


def last_used_at(app: Flask, client_id: str) -> Any:
    with app.app_context():
        return db.session.scalar(
            db.select(OAuthApplication.last_used_at).filter_by(client_id=client_id)
        )


# Keys --------------------------------------------------------------------------------------


@pytest.mark.parametrize("as_json", [False, True], ids=["form", "json"])
def test_missing_or_unreadable_keys_make_the_token_endpoint_temporarily_unavailable(
    keyless_app: Flask, as_json: bool
) -> None:
    with keyless_app.app_context():
        application, secret = make_application()
        client_id = application.client_id
    data = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    response = post_token(keyless_app.test_client(), data, as_json=as_json)
    body = assert_error(response, 503, "temporarily_unavailable")
    assert body["error_description"] == KEYS_MISSING_WARNING
    assert response.headers.get("Retry-After", "").isdigit()
    assert last_used_at(keyless_app, client_id) is None


def test_missing_keys_are_reported_whatever_the_request(keyless_app: Flask) -> None:
    response = keyless_app.test_client().post(TOKEN_URL, data=b"junk", content_type="text/plain")
    body = assert_error(response, 503, "temporarily_unavailable")
    assert body["error_description"] == KEYS_MISSING_WARNING


def test_missing_keys_make_the_api_temporarily_unavailable(keyless_app: Flask) -> None:
    response = keyless_app.test_client().get("/api/me", headers=bearer("a.b.c"))
    body = assert_error(response, 503, "temporarily_unavailable")
    assert body["error_description"] == KEYS_MISSING_WARNING


# Database ----------------------------------------------------------------------------------


@pytest.fixture
def offline_app(tmp_path: Path, key_pair: tuple[Path, Path]) -> Iterator[Flask]:
    """An app whose database does not answer (a closed port). Built here, not by make_app,
    whose teardown would try to truncate that database."""
    settings = deep_merge(base_settings(tmp_path, key_pair), {"database": {"url": UNREACHABLE}})
    app = create_app(settings)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def assert_unavailable(response: TestResponse) -> None:
    assert_error(response, 503, "temporarily_unavailable")
    assert "Traceback" not in response.get_data(as_text=True)
    assert "psycopg" not in response.get_data(as_text=True)


@pytest.mark.parametrize("as_json", [False, True], ids=["form", "json"])
@pytest.mark.parametrize("grant_type", ["client_credentials", "password", "refresh_token"])
def test_an_unreachable_database_makes_the_token_endpoint_temporarily_unavailable(
    offline_app: Flask, grant_type: str, as_json: bool
) -> None:
    data = {"grant_type": grant_type, "client_id": "a" * 32, "client_secret": "s" * 43}
    data |= {"username": "alice", "password": PASSWORD, "refresh_token": "r" * 43}
    assert_unavailable(post_token(offline_app.test_client(), data, as_json=as_json))


def test_an_unreachable_database_is_unavailable_with_http_basic_too(offline_app: Flask) -> None:
    headers = basic("a" * 32, "s" * 43)
    data = {"grant_type": "client_credentials"}
    assert_unavailable(post_token(offline_app.test_client(), data, headers=headers))


@pytest.mark.parametrize(
    ("kind", "path"), [(Kind.BACKOFFICE, "/api/me"), (Kind.STOREFRONT, "/api/frontend/me")]
)
def test_an_unreachable_database_makes_the_api_temporarily_unavailable(
    app: Flask, client: FlaskClient, offline_app: Flask, kind: Kind, path: str
) -> None:
    with app.app_context():
        application, secret = make_application(kind=kind)
        client_id = application.client_id
    issued = client_credentials(client, client_id, secret)
    assert issued.status_code == 200
    token = issued.get_json()["access_token"]
    assert client.get(path, headers=bearer(token)).status_code == 200
    # Same keys and issuer: the offline app verifies the signature, then needs the database.
    assert_unavailable(offline_app.test_client().get(path, headers=bearer(token)))


# Throttle ----------------------------------------------------------------------------------


@pytest.fixture
def limited(make_app: Any) -> Flask:
    return make_app(rate_limit={"token_endpoint": "3/minute"})


def new_client(app: Flask, grant: Grant = Grant.CLIENT_CREDENTIALS) -> tuple[str, str]:
    with app.app_context():
        application, secret = make_application(grant=grant)
        return application.client_id, secret


def attempt(
    app: Flask, client_id: str, secret: str, method: str = "body", address: str = "127.0.0.1"
) -> TestResponse:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    if method == "basic":
        return post_token(
            client, {"grant_type": "client_credentials"}, headers=basic(client_id, secret)
        )
    return client_credentials(client, client_id, secret)


def fail(app: Flask, client_id: str, times: int, address: str = "127.0.0.1") -> None:
    for _ in range(times):
        assert attempt(app, client_id, "wrong", address=address).status_code == 401


def assert_throttled(response: TestResponse) -> None:
    assert_error(response, 429, "too_many_requests")
    retry_after = response.headers.get("Retry-After", "")
    assert retry_after.isdigit() and 1 <= int(retry_after) <= 60, retry_after


@pytest.mark.parametrize("method", ["body", "basic"])
def test_too_many_failed_authentications_are_throttled_even_with_the_right_secret(
    limited: Flask, method: str
) -> None:
    client_id, secret = new_client(limited)
    for _ in range(3):
        assert attempt(limited, client_id, "wrong", method).status_code == 401
    assert_throttled(attempt(limited, client_id, secret, method))
    assert last_used_at(limited, client_id) is None


def test_failures_under_the_limit_do_not_throttle(limited: Flask) -> None:
    client_id, secret = new_client(limited)
    fail(limited, client_id, 2)
    assert attempt(limited, client_id, secret).status_code == 200


def test_failures_of_unknown_client_ids_throttle_the_address(limited: Flask) -> None:
    for number in range(3):
        fail(limited, f"unknown-client-{number}", 1)
    assert_throttled(attempt(limited, "unknown-client-9", "wrong"))
    assert attempt(limited, "unknown-client-9", "wrong", address="10.0.0.9").status_code == 401


def test_another_client_from_a_throttled_address_still_gets_in_with_its_secret(
    limited: Flask,
) -> None:
    (first, _), (second, secret) = new_client(limited), new_client(limited)
    fail(limited, first, 3)
    assert attempt(limited, second, secret).status_code == 200  # one gateway, many clients
    assert_throttled(attempt(limited, second, "wrong"))  # but a guesser gets no answers


def test_the_same_client_id_from_another_address_is_not_throttled(limited: Flask) -> None:
    client_id, secret = new_client(limited)
    fail(limited, client_id, 3, address="10.0.0.1")
    assert_throttled(attempt(limited, client_id, secret, address="10.0.0.1"))
    assert attempt(limited, client_id, secret, address="10.0.0.2").status_code == 200


def test_another_client_from_another_address_is_not_throttled(limited: Flask) -> None:
    (first, _), (second, secret) = new_client(limited), new_client(limited)
    fail(limited, first, 3, address="10.0.0.1")
    assert attempt(limited, second, secret, address="10.0.0.2").status_code == 200


def test_successful_authentications_do_not_count(limited: Flask) -> None:
    client_id, secret = new_client(limited)
    for _ in range(5):
        assert attempt(limited, client_id, secret).status_code == 200
    fail(limited, client_id, 2)
    assert attempt(limited, client_id, secret).status_code == 200
    fail(limited, client_id, 1)
    assert_throttled(attempt(limited, client_id, secret))


def test_a_throttled_client_is_refused_before_its_grant_is_looked_at(limited: Flask) -> None:
    client_id, secret = new_client(limited, Grant.PASSWORD)
    with limited.app_context():
        username = make_user(orgs=[make_org()]).username
    fail(limited, client_id, 3)
    data = {"grant_type": "password", "client_id": client_id, "client_secret": secret}
    response = post_token(limited.test_client(), {**data, "username": username, "password": "x"})
    assert_throttled(response)
