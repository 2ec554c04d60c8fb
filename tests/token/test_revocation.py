"""POST /oauth2/revoke (RFC 7009): a client revokes its own access and refresh tokens."""

from __future__ import annotations

import pytest
from flask import Flask

from oauthapp.models import Grant, Kind
from tests.token.helpers import assert_error
from tests.token.issued import (
    REVOKE_URL,
    Client,
    assert_invalid_token,
    assert_ok_json,
    register,
)

METHODS = ["basic", "body"]


@pytest.fixture
def password_client(app: Flask) -> Client:
    return register(app, grant=Grant.PASSWORD)


def assert_revoked(response: object) -> None:
    assert assert_ok_json(response) == {}  # type: ignore[arg-type]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("kind", [Kind.BACKOFFICE, Kind.STOREFRONT])
def test_revoking_an_access_token_makes_the_api_refuse_it(
    app: Flask, kind: Kind, method: str
) -> None:
    client = register(app, kind)
    token = client.access_token()
    assert client.me(token).status_code == 200
    assert_revoked(client.revoke(token, method, token_type_hint="access_token"))
    assert_invalid_token(client.me(token))


@pytest.mark.parametrize("method", METHODS)
def test_revoking_a_refresh_token_makes_it_unusable_for_the_refresh_grant(
    password_client: Client, method: str
) -> None:
    tokens = password_client.tokens()
    revoke = password_client.revoke(
        tokens["refresh_token"], method, token_type_hint="refresh_token"
    )
    assert_revoked(revoke)
    assert_error(password_client.refresh(tokens["refresh_token"]), 400, "invalid_grant")


def test_revoking_a_refresh_token_ends_the_access_token_issued_with_it(
    password_client: Client,
) -> None:
    tokens = password_client.tokens()
    assert_revoked(password_client.revoke(tokens["refresh_token"]))
    assert_invalid_token(password_client.me(tokens["access_token"]))


def test_revoking_a_rotated_refresh_token_ends_the_whole_family(password_client: Client) -> None:
    first = password_client.tokens()
    second = password_client.refresh(first["refresh_token"]).get_json()
    assert password_client.me(second["access_token"]).status_code == 200
    assert_revoked(password_client.revoke(first["refresh_token"]))
    assert_invalid_token(password_client.me(second["access_token"]))
    assert_error(password_client.refresh(second["refresh_token"]), 400, "invalid_grant")


def test_revoking_the_latest_refresh_token_ends_the_whole_family(password_client: Client) -> None:
    first = password_client.tokens()
    second = password_client.refresh(first["refresh_token"]).get_json()
    third = password_client.refresh(second["refresh_token"]).get_json()
    assert_revoked(password_client.revoke(third["refresh_token"]))
    assert_invalid_token(password_client.me(third["access_token"]))
    assert_error(password_client.refresh(third["refresh_token"]), 400, "invalid_grant")


def test_revoking_a_refresh_token_leaves_another_login_of_the_same_user_working(
    password_client: Client,
) -> None:
    revoked, kept = password_client.tokens(), password_client.tokens()
    assert_revoked(password_client.revoke(revoked["refresh_token"]))
    assert password_client.me(kept["access_token"]).status_code == 200
    assert password_client.refresh(kept["refresh_token"]).status_code == 200


def test_revoking_an_access_token_leaves_its_refresh_token_working(password_client: Client) -> None:
    tokens = password_client.tokens()
    assert_revoked(password_client.revoke(tokens["access_token"]))
    assert password_client.refresh(tokens["refresh_token"]).status_code == 200


def test_an_access_token_sent_with_the_refresh_token_hint_is_still_revoked(
    password_client: Client,
) -> None:
    token = password_client.access_token()
    assert_revoked(password_client.revoke(token, token_type_hint="refresh_token"))
    assert_invalid_token(password_client.me(token))


def test_a_refresh_token_sent_with_the_access_token_hint_is_still_revoked(
    password_client: Client,
) -> None:
    tokens = password_client.tokens()
    assert_revoked(password_client.revoke(tokens["refresh_token"], token_type_hint="access_token"))
    assert_error(password_client.refresh(tokens["refresh_token"]), 400, "invalid_grant")


@pytest.mark.parametrize("token", ["unknown-token", "a.b.c", "x" * 300])
def test_revoking_an_unknown_token_answers_200(app: Flask, token: str) -> None:
    assert_revoked(register(app).revoke(token))


def test_another_clients_access_token_is_answered_200_and_keeps_working(app: Flask) -> None:
    owner = register(app)
    other = register(app, org=owner.organization)
    token = owner.access_token()
    assert_revoked(other.revoke(token))
    assert owner.me(token).status_code == 200


def test_another_clients_refresh_token_is_answered_200_and_keeps_working(
    app: Flask, password_client: Client
) -> None:
    other = register(app, grant=Grant.PASSWORD, org=password_client.organization)
    tokens = password_client.tokens()
    assert_revoked(other.revoke(tokens["refresh_token"]))
    assert password_client.me(tokens["access_token"]).status_code == 200
    assert password_client.refresh(tokens["refresh_token"]).status_code == 200


def test_revoking_a_token_twice_answers_200_both_times(app: Flask) -> None:
    client = register(app)
    token = client.access_token()
    assert_revoked(client.revoke(token))
    assert_revoked(client.revoke(token))
    assert_invalid_token(client.me(token))


def test_revoking_a_refresh_token_twice_answers_200_both_times(password_client: Client) -> None:
    token = password_client.tokens()["refresh_token"]
    assert_revoked(password_client.revoke(token))
    assert_revoked(password_client.revoke(token))


def test_an_unsupported_token_type_hint_is_refused(app: Flask) -> None:
    client = register(app)
    token = client.access_token()
    assert_error(client.revoke(token, token_type_hint="id_token"), 400, "unsupported_token_type")


def test_an_unsupported_token_type_hint_revokes_nothing(app: Flask) -> None:
    client = register(app)
    token = client.access_token()
    assert client.revoke(token, token_type_hint="id_token").status_code != 200
    assert client.me(token).status_code == 200


@pytest.mark.parametrize("method", METHODS)
def test_a_request_without_a_token_is_an_invalid_request(app: Flask, method: str) -> None:
    assert_error(register(app).post(REVOKE_URL, {}, method), 400, "invalid_request")


def test_an_empty_token_is_an_invalid_request(app: Flask) -> None:
    assert_error(register(app).revoke(""), 400, "invalid_request")


@pytest.mark.parametrize("method", METHODS)
def test_a_wrong_client_secret_is_refused(app: Flask, method: str) -> None:
    client = register(app)
    token = client.access_token()
    response = client.post(REVOKE_URL, {"token": token}, method, secret="wrong")
    assert_error(response, 401, "invalid_client")
    challenge = response.headers.get("WWW-Authenticate")
    assert challenge == ('Basic realm="OAuth"' if method == "basic" else None)
    assert client.me(token).status_code == 200


def test_a_request_without_client_credentials_is_refused(app: Flask) -> None:
    client = register(app)
    token = client.access_token()
    response = app.test_client().post(REVOKE_URL, data={"token": token})
    assert_error(response, 401, "invalid_client")
    assert client.me(token).status_code == 200


def test_a_client_may_not_revoke_with_its_client_id_alone(app: Flask) -> None:
    client = register(app)
    token = client.access_token()
    response = app.test_client().post(
        REVOKE_URL, data={"token": token, "client_id": client.client_id}
    )
    assert_error(response, 401, "invalid_client")
    assert client.me(token).status_code == 200


def test_a_json_body_is_accepted(app: Flask) -> None:
    client = register(app)
    token = client.access_token()
    credentials = {"client_id": client.client_id, "client_secret": client.secret}
    response = app.test_client().post(REVOKE_URL, json={"token": token, **credentials})
    assert_revoked(response)
    assert_invalid_token(client.me(token))
