"""A real server process and a client that holds every exchange to /openapi.json.

`LiveAPI.call` sends one request with requests, after openapi-core has checked it against the
document the server itself serves, and checks the answer before returning it: a request the
document does not allow, or an answer it does not describe (an undocumented status, a body that
breaks its schema), fails the test. The server is set up as an operator would, with the CLI on
a fresh database of its own; the applications' credentials are what the CLI printed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
from openapi_core import Config, OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse

from oauthapp.openapi.schemas import PROBLEM_MEDIA_TYPE
from tests.e2e.concurrency_support import own_database
from tests.server import flask_batch, free_port, serve, server_environ, site_config

ORG = "Acme"
USERNAME = "olivia"
ADMINISTRATOR = "adele"  # an administrator of Acme, owner of the "manager" application
CUSTOMER = "carol@example.com"
PASSWORD = "correct horse battery"
REDIRECT = "http://127.0.0.1:8400/callback"
TIMEOUT = 10
# The server has a database of its own, SQLite or (in the PostgreSQL pass) PostgreSQL + Redis.
BACKEND = "postgresql" if os.environ.get("OAUTHAPP_TEST_DATABASE_URL") else "sqlite"
REDIS_URL = os.environ.get("OAUTHAPP_TEST_REDIS_URL") or "memory://"
# openapi-core reads application/json only; the Management API's errors are problem details.
CONFIG = Config(extra_media_type_deserializers={PROBLEM_MEDIA_TYPE: json.loads})


@dataclass(frozen=True)
class Credentials:
    client_id: str
    client_secret: str

    def basic(self) -> tuple[str, str]:
        return (self.client_id, self.client_secret)


@dataclass
class LiveAPI:
    """The server at BASE, its OpenAPI document, and the applications the CLI created."""

    base: str
    env: dict[str, str] = field(repr=False)  # for further `flask --app app …` commands
    apps: dict[str, Credentials]
    session: requests.Session = field(default_factory=requests.Session, repr=False)
    document: dict[str, Any] = field(init=False, repr=False)
    spec: OpenAPI = field(init=False, repr=False)

    def __post_init__(self) -> None:
        served = self.session.get(f"{self.base}/openapi.json", timeout=TIMEOUT)
        assert served.status_code == 200, served.text
        self.use(served.json())

    def use(self, document: dict[str, Any]) -> None:
        """Validate against DOCUMENT from now on (checked against the OpenAPI schema first)."""
        self.document = document
        self.spec = OpenAPI.from_dict(document, config=CONFIG)

    def call(
        self, method: str, path: str, check_request: bool = True, **options: Any
    ) -> requests.Response:
        """Send a request (requests.Request's keyword arguments) whose request and response
        both match the document; the response. Without CHECK_REQUEST, a request the document
        forbids is sent as it is (to see the server refuse it as the document says)."""
        prepared = self.session.prepare_request(
            requests.Request(method, f"{self.base}{path}", **options)
        )
        if check_request:
            self.spec.validate_request(RequestsOpenAPIRequest(prepared))
        response = self.session.send(prepared, allow_redirects=False, timeout=TIMEOUT)
        self.spec.validate_response(
            RequestsOpenAPIRequest(prepared), RequestsOpenAPIResponse(response)
        )
        return response

    def token(self, app: str, **grant: str) -> dict[str, Any]:
        """A successful token response for the application APP (HTTP Basic)."""
        response = self.call("POST", "/oauth2-token", auth=self.apps[app].basic(), data=grant)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _create_app_commands(**apps: tuple[str, ...]) -> list[tuple[str, ...]]:
    return [("oauth", "create-app", "--org", ORG, "--name", name, *args, "--json")
            for name, args in apps.items()]  # fmt: skip


@pytest.fixture(scope="module", name="live")
def live_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveAPI]:
    folder = tmp_path_factory.mktemp("openapi")
    with own_database(BACKEND, folder) as database_url:
        yield from _serve(folder, database_url)


def _serve(folder: Path, database_url: str) -> Iterator[LiveAPI]:
    port = free_port()
    settings: dict[str, object] = {
        "database": {"url": database_url},
        "rate_limit": {"storage_url": REDIS_URL},
    }
    env = server_environ(site_config(folder, f"http://127.0.0.1:{port}", settings=settings))
    cc = ("--grant", "client_credentials")
    apps = {
        "backoffice": (*cc, "--owner", USERNAME),
        "storefront": (*cc, "--owner", CUSTOMER, "--storefront"),
        "password": ("--grant", "password"),
        "web": ("--grant", "authorization_code", "--redirect-uri", REDIRECT),
        "manager": (*cc, "--owner", ADMINISTRATOR),  # for the management API
    }
    outputs = flask_batch(
        env,
        ("db", "upgrade"),
        ("oauth", "generate-keys"),
        ("orgs", "create", ORG),
        ("users", "create", USERNAME, "--email", "olivia@example.com", "--password", PASSWORD,
         "--org", ORG),
        ("customers", "create", CUSTOMER, "--password", PASSWORD, "--org", ORG, "--name", "Carol"),
        ("users", "create", ADMINISTRATOR, "--email", "adele@example.com", "--password", PASSWORD,
         "--org", ORG, "--role", "ADMINISTRATOR"),
        *_create_app_commands(**apps),
    )  # fmt: skip
    printed = [json.loads(output) for output in outputs[-len(apps) :]]
    credentials = {
        name: Credentials(data["client_id"], data["client_secret"])
        for name, data in zip(apps, printed, strict=True)
    }
    with serve(env, folder / "server.log", port) as base:
        yield LiveAPI(base, env, credentials)
