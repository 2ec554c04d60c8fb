"""The applications world, with tokens that may call the management API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from oauthapp.accounts import service as accounts
from oauthapp.applications import scopes
from oauthapp.extensions import db
from oauthapp.models import OAuthApplication
from tests.applications import conftest as applications
from tests.applications.conftest import World
from tests.factories import make_application
from tests.token.helpers import client_credentials

world = applications.world  # the fixtures of the applications world
world_snapshot = applications.world_snapshot
world_rows = applications.world_rows
BASE = "/api/admin"
PROBLEM = "application/problem+json"
MANAGE = scopes.MANAGE


def grant_manage(app: Flask, application_id: int) -> None:
    """Grant applications:manage to the application, as an operator would."""
    with app.app_context():
        application = db.session.get(OAuthApplication, application_id)
        assert application is not None
        scopes.grant_scope(application, MANAGE)


def manage_token(app: Flask, world: World, name: str) -> str:
    """A token with applications:manage for the world's application NAME (granted first)."""
    grant_manage(app, world.app_id(name))
    response = client_credentials(
        app.test_client(), world.client_ids[name], world.secrets[name], scope=MANAGE
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    token: str = response.get_json()["access_token"]
    return token


def own_manage_token(app: Flask, username: str, organization: str) -> str:
    """A token with applications:manage of a new application "Root tool" owned by USERNAME."""
    with app.app_context():
        owner = accounts.get_user(username)
        application, secret = make_application(
            accounts.get_organization(organization), "Root tool", owner=owner
        )
        scopes.grant_scope(application, MANAGE)
        client_id = application.client_id
    response = client_credentials(app.test_client(), client_id, secret, scope=MANAGE)
    assert response.status_code == 200, response.get_data(as_text=True)
    token: str = response.get_json()["access_token"]
    return token


@dataclass
class Api:
    """The management API through the test client, with one bearer token."""

    client: FlaskClient
    token: str | None

    def call(self, method: str, path: str, headers: dict[str, str] | None = None, **kw: Any
             ) -> TestResponse:  # fmt: skip
        sent = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return self.client.open(BASE + path, method=method, headers={**sent, **(headers or {})},
                                **kw)  # fmt: skip

    def get(self, path: str, **kw: Any) -> TestResponse:
        return self.call("GET", path, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> TestResponse:
        return (
            self.call("POST", path, json=body, **kw)
            if body is not None
            else self.call("POST", path, **kw)
        )

    def patch(self, path: str, body: Any, **kw: Any) -> TestResponse:
        return self.call("PATCH", path, json=body, **kw)

    def delete(self, path: str, **kw: Any) -> TestResponse:
        return self.call("DELETE", path, **kw)


def api_as(app: Flask, world: World, name: str) -> Api:
    return Api(app.test_client(), manage_token(app, world, name))


@pytest.fixture
def alice_api(app: Flask, world: World) -> Api:
    """Alice CC: owned by alice, ADMINISTRATOR of Acme."""
    return api_as(app, world, "Alice CC")


def problem_of(response: TestResponse, status: int) -> dict[str, Any]:
    """The problem document of RESPONSE, which must have STATUS."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body: dict[str, Any] = response.get_json(force=True)
    assert body["status"] == status
    assert body["detail"]
    return body


def field_errors(body: dict[str, Any]) -> dict[str, list[str]]:
    """The messages of a problem document, by member of the request body."""
    found: dict[str, list[str]] = {}
    for error in body.get("errors", []):
        name = error.get("pointer", error.get("parameter", "")).removeprefix("/")
        found.setdefault(name, []).append(error["detail"])
    return found
