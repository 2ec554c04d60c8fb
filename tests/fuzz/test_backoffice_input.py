"""Hostile query strings and forms in the back-office: the grids, the create form, the login.

Whatever is typed or forged, the answer is an HTML page or a redirect to a page of this site,
never a 5xx; a user sees and creates only what its role allows; a refused form writes nothing.
"""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import quote_plus

import pytest
from flask.testing import FlaskClient
from hypothesis import event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from oauthapp.applications import once
from oauthapp.applications.grid import SORTS
from oauthapp.extensions import db
from oauthapp.models import OAuthApplication
from tests.applications.conftest import (
    BACKOFFICE_NAMES,
    CREATE,
    FRONTEND_CREATE,
    FRONTEND_GRID,
    GRID,
    STOREFRONT_NAMES,
    USERNAMES,
    form_token,
    grid_names,
    logged_in,
)
from tests.factories import PASSWORD
from tests.fuzz.conftest import LOGINS, Arena
from tests.fuzz.hostile import (
    FORM_FRAGMENTS,
    PAGE_ENCODINGS,
    Hostile,
    bodies,
    mutated,
    texts,
    values_from,
)
from tests.fuzz.support import FUZZ, assert_html_or_redirect, snapshot

LISTS = ("/admin/users", "/admin/customer-users")
SECRET_NOTICE = "Please copy Client Secret and save it somewhere safe."
# What each user may see in each grid, by application name (see tests/applications/conftest.py).
VISIBLE = {
    "alice": {GRID: {"Alice CC", "Bob CC", "Acme Password"}, FRONTEND_GRID: {"Carol Store"}},
    "bob": {GRID: {"Bob CC"}, FRONTEND_GRID: set()},
    "oscar": {GRID: {"Oscar CC"}, FRONTEND_GRID: {"Olga Store"}},
    "root": {GRID: set(BACKOFFICE_NAMES), FRONTEND_GRID: set(STOREFRONT_NAMES)},
    "gus": {GRID: set(), FRONTEND_GRID: set()},
}
_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')

Session = tuple[FlaskClient, str]  # a logged-in client and its CSRF token


@pytest.fixture
def sessions(arena: Arena) -> dict[str, Session]:
    """Every back-office user of the world, logged in, with the CSRF token of its session."""
    clients = {username: logged_in(arena.app, username) for username in USERNAMES}
    return {name: (client, form_token(client, GRID)) for name, client in clients.items()}


def grid_known(arena: Arena) -> dict[str, list[str]]:
    orgs = [str(arena.world.acme), str(arena.world.other), str(arena.world.main)]
    return {
        "name": ["Alice", "cc", "Store", "%", "_", "\\"],
        "organization": orgs,
        "status": ["active", "inactive"],
        "grant": ["authorization_code", "client_credentials", "password", "implicit"],
        "sort": sorted(SORTS),
        "dir": ["asc", "desc"],
        "direction": ["asc", "desc"],
        "page": ["1", "2", "0", "-1"],
        "per_page": ["10", "25", "50", "100", "1000"],
        "q": ["alice", "example.com", "%"],
    }


@st.composite
def query_strings(draw: st.DrawFn, known: dict[str, list[str]]) -> str:
    """A query string as a browser, a hand-edited URL or a scanner would send it."""
    items = [(name, draw(values_from(values))) for name, values in known.items()]
    items = [item for item in items if draw(st.integers(0, 4)) < 2]
    for _ in range(draw(st.sampled_from([0, 1, 1, 2, 3]))):
        items = draw(mutated(items, known))
    query = "&".join(f"{quote_plus(name)}={quote_plus(value)}" for name, value in items)
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 2]))):
        cut = draw(st.integers(0, len(query)))
        fragment = draw(st.sampled_from(FORM_FRAGMENTS)).decode("latin-1")
        query = query[:cut] + quote_plus(fragment, safe="%&=+;") + query[cut:]
    return query


@settings(FUZZ, max_examples=80)
@given(data=st.data())
def test_the_grids_and_lists_answer_any_query_string_with_what_the_user_may_see(
    arena: Arena, sessions: dict[str, Session], data: st.DataObject
) -> None:
    username = data.draw(st.sampled_from(USERNAMES))
    path = data.draw(st.sampled_from([GRID, GRID, FRONTEND_GRID, FRONTEND_GRID, *LISTS]))
    query = data.draw(query_strings(grid_known(arena)))
    before = snapshot(arena.app)
    response = sessions[username][0].get(path, query_string=query)
    event(f"{path} {response.status_code}")
    assert response.status_code == 200, response.status_code
    assert_html_or_redirect(response)
    if path in VISIBLE[username]:
        assert set(grid_names(response)) <= VISIBLE[username][path], (username, path)
    assert snapshot(arena.app) == before


def create_known(arena: Arena) -> dict[str, list[str]]:
    world = arena.world
    accounts = [world.alice, world.bob, world.oscar, world.root, world.gus, world.carol]
    return {
        "organization": [str(world.acme), str(world.other), str(world.main), "0", "99"],
        "name": ["Fuzz App", "Alice CC", " Fuzz App ", "x" * 256],
        "active": ["y", "", "on", "n"],
        "grant": ["authorization_code", "client_credentials", "password", "implicit"],
        "owner": [*(str(account) for account in accounts), "0", "-1"],
        "redirect_uris": REDIRECT_URIS,
        "confidential": ["y", "", "n"],
        "skip_consent": ["y", "", "n"],
        "add_redirect_uri": ["1", ""],
        "remove_redirect_uri": ["1", "2", "0", "-1", "99"],
        "submit": ["Create"],
    }


# Redirect URLs a form may carry: good ones, and ones the rules of SPEC.md section 7 refuse.
REDIRECT_URIS = [
    "https://app.example/callback",
    "http://127.0.0.1:8400/cb",
    "http://[::1]/cb",
    "com.example.app:/cb",
    "http://app.example/cb",
    "https://app.example/cb#frag",
    "/relative",
    "javascript:alert(1)",
    "myapp:/cb",
    "",
]


# A form each user may submit: (organization, owner) attributes of the world, by grid.
VALID_CREATE = {
    ("alice", CREATE): ("acme", "alice"),
    ("bob", CREATE): ("acme", "bob"),
    ("oscar", CREATE): ("other", "oscar"),
    ("root", CREATE): ("other", "oscar"),
    ("gus", CREATE): ("main", "gus"),
    ("alice", FRONTEND_CREATE): ("acme", "carol"),
    ("oscar", FRONTEND_CREATE): ("other", "olga"),
    ("root", FRONTEND_CREATE): ("acme", "carol"),
}


@st.composite
def create_forms(
    draw: st.DrawFn, arena: Arena, username: str, path: str, token: str
) -> list[tuple[str, str]]:
    """A create form that would be valid for that user, then a few hostile changes to it."""
    organization, owner = VALID_CREATE.get((username, path), ("acme", "alice"))
    world = arena.world
    form = [
        ("organization", str(getattr(world, organization))),
        ("name", f"Fuzz App {draw(st.integers(1, 5))}"),
        ("active", "y"),
        ("grant", "client_credentials"),
        ("owner", str(getattr(world, owner))),
        ("submit", "Create"),
        ("form_token", fresh_form_token(arena)),  # a new form each time: may create once
    ]
    if draw(st.booleans()):  # an authorization-code form: no owner, redirect URLs, switches
        form[3:5] = [("grant", "authorization_code"), ("redirect_uris", REDIRECT_URIS[0])]
        form[4:4] = [("confidential", "y")] if draw(st.booleans()) else []
    known = create_known(arena)
    for _ in range(draw(st.sampled_from([0, 1, 1, 1, 2, 3]))):
        form = draw(mutated(form, known))
    return [*form, ("csrf_token", draw(csrf_tokens(token)))]


def fresh_form_token(arena: Arena) -> str:
    """The one-time token of a create form just opened."""
    with arena.app.test_request_context():
        return once.new_form_token()


@st.composite
def csrf_tokens(draw: st.DrawFn, token: str) -> str:
    """Mostly the session's token, so that the form itself is what gets fuzzed."""
    choice = draw(st.sampled_from(["valid"] * 8 + ["cut", "hostile"]))
    if choice == "hostile":
        return draw(texts)
    return token[:-2] if choice == "cut" else token


def submitted(arena: Arena, request: Hostile) -> dict[str, str]:
    """The first value of each field, as the server parsed the request's body."""
    headers = [("Content-Type", request.content_type)] if request.content_type else []
    with arena.app.test_request_context(
        "/", method="POST", data=request.body, headers=headers
    ) as context:
        return {name: context.request.form[name] for name in context.request.form}


def assert_may_create(arena: Arena, username: str, created: dict[str, Any]) -> None:
    """The new application is one its creator's role allows (an independent reading of §1)."""
    world = arena.world
    if username in ("alice", "bob"):
        assert created["organization_id"] == world.acme, created
    if username == "oscar":
        assert created["organization_id"] == world.other, created
    if username in ("bob", "gus"):  # a USER creates client-credentials apps it owns
        assert created["user_id"] == getattr(world, username), created
        assert created["kind"] == "backoffice", created


def newest_application(arena: Arena) -> dict[str, Any]:
    with arena.app.app_context():
        application = db.session.scalars(
            select(OAuthApplication).order_by(OAuthApplication.id.desc())
        ).first()
        assert application is not None
        columns = (
            "name", "organization_id", "user_id", "kind", "grant_type", "redirect_uris",
            "confidential", "skip_consent", "secret_hash",
        )  # fmt: skip
        return {column: getattr(application, column) for column in columns}


@settings(FUZZ, max_examples=80)
@given(data=st.data())
def test_the_create_form_creates_only_what_the_user_may_and_writes_nothing_when_refused(
    arena: Arena, sessions: dict[str, Session], data: st.DataObject
) -> None:
    username = data.draw(st.sampled_from(USERNAMES))
    path = data.draw(st.sampled_from([CREATE, CREATE, FRONTEND_CREATE]))
    client, token = sessions[username]
    form = data.draw(create_forms(arena, username, path, token))
    body, content_type = data.draw(bodies(form, PAGE_ENCODINGS))
    request = Hostile(body, content_type)
    before = snapshot(arena.app)
    response = request.send(client, "POST", path)
    assert_html_or_redirect(response)
    after = snapshot(arena.app)
    created = after["counts"]["OAuthApplication"] - before["counts"]["OAuthApplication"]
    event(f"{path} {response.status_code} {'created' if created else ''}")
    if not created:
        assert after == before
        assert SECRET_NOTICE not in response.get_data(as_text=True)
        return
    assert created == 1 and response.status_code == 303  # to the one-time page
    fields = submitted(arena, request)
    assert "add_redirect_uri" not in fields and "remove_redirect_uri" not in fields
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    application = newest_application(arena)
    event(f"created {application['grant_type']} confidential={application['confidential']}")
    assert (SECRET_NOTICE in page) == application["confidential"], application
    assert application["name"] == fields["name"].strip(), application
    assert html.escape(application["name"]) in page
    assert_may_create(arena, username, application)
    assert_client_settings(application)


def assert_client_settings(created: dict[str, Any]) -> None:
    """Redirect URLs and the switches fit SPEC.md section 7 (read independently of the code)."""
    if created["grant_type"] != "authorization_code":
        assert (created["redirect_uris"], created["confidential"]) == ([], True), created
        assert created["skip_consent"] is False, created
        return
    assert created["user_id"] is None and created["redirect_uris"], created
    for uri in created["redirect_uris"]:
        scheme, _, rest = uri.lower().partition(":")
        assert "#" not in uri, created
        if scheme == "http":
            assert re.match(r"//(localhost|127\.0\.0\.1|\[::1\])(:\d+)?(/|$)", rest), created
        else:
            assert scheme == "https" or "." in scheme, created
    assert (created["secret_hash"] is None) == (not created["confidential"]), created


NEXT_URLS = ["/admin/oauth2/", "//evil.example", "https://evil.example/", "/\\evil.example"]


@st.composite
def login_forms(draw: st.DrawFn, token: str) -> list[tuple[str, str]]:
    """A log-in that would succeed, going on to any next URL, then a few hostile changes."""
    known = {
        "username": [*LOGINS, "ALICE", "alice "],
        "password": [PASSWORD, PASSWORD.upper(), ""],
        "next": NEXT_URLS,
        "submit": ["Log in"],
    }
    form = [
        ("username", draw(st.sampled_from(USERNAMES))),
        ("password", PASSWORD),
        ("next", draw(values_from(NEXT_URLS))),
        ("submit", "Log in"),
    ]
    for _ in range(draw(st.sampled_from([0, 0, 1, 1, 2, 3]))):
        form = draw(mutated(form, known))
    return [*form, ("csrf_token", draw(csrf_tokens(token)))]


@settings(FUZZ, max_examples=80)
@given(data=st.data())
def test_login_answers_any_form_with_a_page_or_a_local_redirect_and_only_for_the_password(
    arena: Arena, data: st.DataObject
) -> None:
    client = arena.app.test_client()
    next_url = data.draw(st.none() | st.sampled_from(["//evil.example", "/admin/"]) | texts)
    query = f"next={quote_plus(next_url)}" if next_url is not None else ""
    page = client.get("/login", query_string=query)
    assert_html_or_redirect(page)
    match = _TOKEN.search(page.get_data(as_text=True))
    assert match, "no CSRF token on the login page"
    form = data.draw(login_forms(html.unescape(match.group(1))))
    body, content_type = data.draw(bodies(form, PAGE_ENCODINGS))
    request = Hostile(body, content_type, query=query)
    before = snapshot(arena.app)
    response = request.send(client, "POST", "/login")
    event(f"login {response.status_code}")
    assert_html_or_redirect(response)
    if response.status_code in (302, 303):  # logged in: only with a user's own password
        fields = submitted(arena, request)
        username, password = fields.get("username"), fields.get("password")
        assert username in USERNAMES and password == PASSWORD, (username, password)
        assert client.get(GRID).status_code == 200
    assert snapshot(arena.app) == before
