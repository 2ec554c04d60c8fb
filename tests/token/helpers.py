"""Helpers for calling the token service through the test client."""

from __future__ import annotations

import base64
from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

TOKEN_URL = "/oauth2-token"


def basic(client_id: str, secret: str) -> dict[str, str]:
    """An HTTP Basic Authorization header."""
    encoded = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {encoded}"}


def post_token(
    client: FlaskClient,
    data: dict[str, Any],
    *,
    as_json: bool = False,
    headers: dict[str, str] | None = None,
) -> TestResponse:
    """POST /oauth2-token with a form (default) or JSON body."""
    if as_json:
        return client.post(TOKEN_URL, json=data, headers=headers or {})
    return client.post(TOKEN_URL, data=data, headers=headers or {})


def client_credentials(
    client: FlaskClient, client_id: str, secret: str, **extra: Any
) -> TestResponse:
    data = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    return post_token(client, {**data, **extra})


def password_grant(
    client: FlaskClient, client_id: str, secret: str, username: str, password: str
) -> TestResponse:
    data = {
        "grant_type": "password",
        "client_id": client_id,
        "client_secret": secret,
        "username": username,
        "password": password,
    }
    return post_token(client, data)


def refresh_grant(
    client: FlaskClient, client_id: str, secret: str, refresh_token: str
) -> TestResponse:
    data = {
        "grant_type": "refresh_token",
        "client_id": client_id,
        "client_secret": secret,
        "refresh_token": refresh_token,
    }
    return post_token(client, data)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_error(response: TestResponse, status: int, error: str) -> dict[str, Any]:
    """The response is a JSON OAuth error with that status and code; returns the body."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body: dict[str, Any] = response.get_json()
    assert body["error"] == error, body
    assert response.headers.get("Cache-Control") == "no-store"
    return body
