"""A small world for the OAuth applications pages: two organizations, a global one, six apps."""

from __future__ import annotations

import html
import re
import shutil
import sqlite3
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from oauthapp import create_app
from oauthapp.extensions import db
from oauthapp.models import Grant, Kind, Role
from oauthapp.usage import recorder_of
from tests.accounts.helpers import log_in
from tests.conftest import (
    TEST_DATABASE_URL,
    Rows,
    base_settings,
    config_env,
    deep_merge,
    empty_all,
    read_rows,
    write_rows,
)
from tests.factories import make_application, make_customer, make_org, make_user

GRID = "/admin/oauth2/"
FRONTEND_GRID = "/admin/oauth2/frontend"
CREATE = "/admin/oauth2/create"
FRONTEND_CREATE = "/admin/oauth2/frontend/create"
USERNAMES = ("alice", "bob", "oscar", "root", "gus")
_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_FORM_TOKEN = re.compile(r'name="form_token"[^>]*value="([^"]+)"')
_ROW_NAME = re.compile(r'<tr[^>]*>\s*<td[^>]*><a href="/admin/oauth2/\d+">(.*?)</a>', re.DOTALL)


@dataclass(frozen=True)
class World:
    """Ids of everything in the world, and the applications' plain secrets and client ids.

    Accounts: alice (ADMINISTRATOR of Acme), bob (USER of Acme), oscar (ADMINISTRATOR of
    Other Corp), root (ADMINISTRATOR of the global "Main"), gus (USER of "Main"); customer users
    carol@example.com (Acme) and olga@example.com (Other Corp).
    """

    acme: int
    other: int
    main: int
    alice: int
    bob: int
    oscar: int
    root: int
    gus: int
    carol: int
    olga: int
    alice_cc: int  # "Alice CC": Acme, back-office, client credentials, owner alice
    bob_cc: int  # "Bob CC": Acme, back-office, client credentials, owner bob
    acme_password: int  # "Acme Password": Acme, back-office, password grant, no owner
    oscar_cc: int  # "Oscar CC": Other Corp, back-office, client credentials, owner oscar
    carol_store: int  # "Carol Store": Acme, storefront, client credentials, owner carol
    olga_store: int  # "Olga Store": Other Corp, storefront, client credentials, owner olga
    secrets: dict[str, str] = field(default_factory=dict)  # application name -> plain secret
    client_ids: dict[str, str] = field(default_factory=dict)  # application name -> client id
    names: dict[int, str] = field(default_factory=dict)  # application id -> name

    def app_id(self, name: str) -> int:
        """The id of the application with that name."""
        return next(app_id for app_id, app_name in self.names.items() if app_name == name)


# The world's applications: (attribute, name, organization, grant, kind, owner attribute).
APPLICATIONS = (
    ("alice_cc", "Alice CC", "acme", Grant.CLIENT_CREDENTIALS, Kind.BACKOFFICE, "alice"),
    ("bob_cc", "Bob CC", "acme", Grant.CLIENT_CREDENTIALS, Kind.BACKOFFICE, "bob"),
    ("acme_password", "Acme Password", "acme", Grant.PASSWORD, Kind.BACKOFFICE, None),
    ("oscar_cc", "Oscar CC", "other", Grant.CLIENT_CREDENTIALS, Kind.BACKOFFICE, "oscar"),
    ("carol_store", "Carol Store", "acme", Grant.CLIENT_CREDENTIALS, Kind.STOREFRONT, "carol"),
    ("olga_store", "Olga Store", "other", Grant.CLIENT_CREDENTIALS, Kind.STOREFRONT, "olga"),
)
BACKOFFICE_NAMES = ("Alice CC", "Bob CC", "Acme Password", "Oscar CC")
STOREFRONT_NAMES = ("Carol Store", "Olga Store")


@pytest.fixture
def world(app: Flask, request: pytest.FixtureRequest) -> World:
    """The world in this test's database, copied in from the one built for the run."""
    if TEST_DATABASE_URL:
        rows, built = request.getfixturevalue("world_rows")
        with app.app_context():
            db.session.remove()
            empty_all()
            write_rows(rows)
        return built
    snapshot, built = request.getfixturevalue("world_snapshot")
    with app.app_context():
        db.session.remove()
        connection = db.engine.raw_connection()  # the test's one in-memory database
        try:
            with closing(sqlite3.connect(snapshot)) as source:
                source.backup(connection.driver_connection)
        finally:
            connection.close()
    return built


@pytest.fixture(scope="session")
def world_snapshot(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory, key_pair: tuple[Path, Path]
) -> tuple[Path, World]:
    """A SQLite file holding the world, built once per run; tests copy it into their database.

    Building the world takes a quarter of a second (accounts, applications, their mail); the
    hundreds of tests that start from it copy it in a few milliseconds instead.
    """
    folder = tmp_path_factory.mktemp("world")
    snapshot = folder / "world.sqlite"
    shutil.copyfile(sqlite_template, snapshot)
    settings = deep_merge(
        base_settings(folder, key_pair), {"database": {"url": f"sqlite:///{snapshot}"}}
    )
    with config_env(folder):
        app = create_app(settings)
    with app.app_context():
        built = build_world()
        db.session.remove()
        db.engine.dispose()
    return snapshot, built


@pytest.fixture(scope="session")
def world_rows(
    postgres_ready: bool, key_pair: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Rows, World]:
    """On PostgreSQL, the world's rows, built once per run in the emptied test database."""
    folder = tmp_path_factory.mktemp("world")
    settings = deep_merge(base_settings(folder, key_pair), {"database": {"url": TEST_DATABASE_URL}})
    with config_env(folder):
        app = create_app(settings)
    with app.app_context():
        try:
            built = build_world()
            db.session.remove()
            rows = read_rows()
        finally:
            recorder_of(app).stop()
            db.session.remove()
            empty_all()
            db.engine.dispose()
    return rows, built


def build_world() -> World:
    """Create the world inside an app context."""
    orgs = {"acme": make_org("Acme"), "other": make_org("Other Corp")}
    orgs["main"] = make_org("Main", is_global=True)
    accounts: dict[str, Any] = {
        "alice": make_user("alice", orgs=[orgs["acme"]]),
        "bob": make_user("bob", orgs=[orgs["acme"]], role=Role.USER),
        "oscar": make_user("oscar", orgs=[orgs["other"]]),
        "root": make_user("root", orgs=[orgs["main"]]),
        "gus": make_user("gus", orgs=[orgs["main"]], role=Role.USER),
        "carol": make_customer("carol@example.com", org=orgs["acme"]),
        "olga": make_customer("olga@example.com", org=orgs["other"]),
    }
    ids: dict[str, int] = {key: org.id for key, org in orgs.items()}
    ids.update({key: account.id for key, account in accounts.items()})
    secrets, client_ids, names = {}, {}, {}
    for attribute, name, org, grant, kind, owner in APPLICATIONS:
        owner_account = accounts[owner] if owner else None
        application, secret = make_application(orgs[org], name, grant, kind, owner_account)
        ids[attribute] = application.id
        secrets[name], client_ids[name] = secret, application.client_id
        names[application.id] = name
    return World(**ids, secrets=secrets, client_ids=client_ids, names=names)


def logged_in(app: Flask, username: str) -> FlaskClient:
    """A test client with that user logged in."""
    client = app.test_client()
    response = log_in(client, username)
    assert response.status_code == 302, f"{username} could not log in"
    return client


def form_token(client: FlaskClient, path: str) -> str:
    """The CSRF token of the form on that page."""
    response = client.get(path)
    assert response.status_code == 200, f"GET {path} answered {response.status_code}"
    match = _TOKEN.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def post_form(
    client: FlaskClient,
    path: str,
    data: dict[str, Any] | None = None,
    token: bool | str = True,
    token_from: str | None = None,
    follow: bool = True,
) -> TestResponse:
    """POST a form; token=True fetches the CSRF token from a GET of token_from or path (else the
    grid), a string is sent as the token, False sends none.

    The form token of a one-time form (create, regenerate secret) on that page goes along too,
    unless DATA has one. A 303 (POST -> See Other -> one-time page) is followed as a browser
    does, unless follow is False.
    """
    form = dict(data or {})
    if isinstance(token, str):
        form["csrf_token"] = token
    elif token:
        page = _page_with_token(client, token_from or path)
        form["csrf_token"] = _TOKEN.search(page).group(1)  # type: ignore[union-attr]
        one_time = _FORM_TOKEN.search(page)
        if one_time and "form_token" not in form:
            form["form_token"] = html.unescape(one_time.group(1))
    response = client.post(path, data=form)
    if follow and response.status_code == 303:
        return client.get(response.headers["Location"])
    return response


def _page_with_token(client: FlaskClient, path: str) -> str:
    """The page at PATH if it carries the session's CSRF token (any page with the logout form
    does, even a 404 or 405), else the grid."""
    page = client.get(path).get_data(as_text=True)
    if _TOKEN.search(page):
        return page
    response = client.get(GRID)
    assert response.status_code == 200, f"GET {GRID} answered {response.status_code}"
    return response.get_data(as_text=True)


def grid_names(page: str | TestResponse) -> list[str]:
    """The application names in the rows of a grid page, top to bottom, unescaped."""
    text = page if isinstance(page, str) else page.get_data(as_text=True)
    return [html.unescape(name) for name in _ROW_NAME.findall(text)]
