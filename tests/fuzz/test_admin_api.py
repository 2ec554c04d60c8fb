"""Hostile bodies, headers and query strings at the management API.

Whatever is sent, the answer is the application (2xx, JSON) or an RFC 9457 problem document
(4xx, application/problem+json), never a 5xx; a refused request writes nothing.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import event, given
from hypothesis import strategies as st
from werkzeug.test import TestResponse

from oauthapp.applications import scopes
from oauthapp.extensions import db
from oauthapp.models import OAuthApplication
from tests.fuzz.conftest import Arena
from tests.fuzz.hostile import JSON, content_types, json_values, texts
from tests.fuzz.support import FUZZ, assert_not_server_error, snapshot
from tests.token.helpers import client_credentials

API = "/api/admin/applications"
MEMBERS = ("organization_id", "name", "grant", "kind", "owner_id", "active", "redirect_uris",
           "confidential", "skip_consent", "client_secret", "id", "")  # fmt: skip


@pytest.fixture
def token(arena: Arena) -> str:
    """alice's token with applications:manage (Alice CC)."""
    world = arena.world
    with arena.app.app_context():
        scopes.grant_scope(db.session.get_one(OAuthApplication, world.alice_cc), scopes.MANAGE)
    response = client_credentials(
        arena.app.test_client(), world.client_ids["Alice CC"], world.secrets["Alice CC"],
        scope=scopes.MANAGE,
    )  # fmt: skip
    return str(response.get_json()["access_token"])


def known_values(arena: Arena) -> st.SearchStrategy[Any]:
    """Values that mean something to a create or a change, mixed with any JSON at all."""
    world = arena.world
    meaningful = st.sampled_from([
        world.acme, world.other, world.alice, world.bob, world.carol, world.oscar, 0, -1, 2**31,
        "client_credentials", "password", "authorization_code", "storefront", "backoffice",
        ["https://app.example/cb"], ["http://localhost:1/cb", "ftp://x"], [""], True, False,
        "Fuzzed", "Alice CC",
    ])  # fmt: skip
    return st.one_of(meaningful, meaningful, json_values, texts)


@st.composite
def documents(draw: st.DrawFn, arena: Arena) -> tuple[bytes, str | None]:
    """A JSON object of the API's members (mostly), or anything else, and its content type."""
    members = draw(st.dictionaries(st.sampled_from(MEMBERS) | texts, known_values(arena),
                                   max_size=8))  # fmt: skip
    shape = draw(st.sampled_from(["object"] * 6 + ["nearly valid"] * 3 + ["value", "bytes"]))
    if shape == "nearly valid":  # a valid create with one member changed
        valid = {
            "organization_id": arena.world.acme,
            "grant": "password",
            "name": draw(st.sampled_from(["Fuzzed", "Fuzzed 2", "Acme Password"])),
        }
        valid.update(dict(list(members.items())[:1]))
        body = json.dumps(valid).encode("utf-8", "surrogatepass")
    elif shape == "value":
        body = json.dumps(draw(json_values)).encode()
    elif shape == "bytes":
        body = draw(st.binary(max_size=100))
    else:
        body = json.dumps(members).encode("utf-8", "surrogatepass")
    return body, draw(content_types(JSON))


def assert_answer(response: TestResponse, before: Any, arena: Arena) -> None:
    """A JSON success, or a problem document and nothing written."""
    assert_not_server_error(response)
    event(f"status {response.status_code}")
    if response.status_code < 300:
        assert response.mimetype == "application/json"
        return
    assert response.mimetype == "application/problem+json", response.mimetype
    problem = json.loads(response.get_data())
    assert problem["status"] == response.status_code and problem["detail"]
    assert snapshot(arena.app) == before, "a refused request wrote something"


@given(data=st.data())
@FUZZ
def test_hostile_creates_are_answered_with_problems_and_write_nothing(
    arena: Arena, token: str, data: st.DataObject
) -> None:
    body, content_type = data.draw(documents(arena))
    headers = {"Authorization": f"Bearer {token}"}
    if data.draw(st.booleans()):
        headers["Idempotency-Key"] = data.draw(st.sampled_from(["k1", "k2", " ", "x" * 300]))
    if content_type is not None:
        headers["Content-Type"] = content_type
    before = snapshot(arena.app)
    response = arena.app.test_client().post(API, data=body, headers=headers)
    assert_answer(response, before, arena)


@given(data=st.data())
@FUZZ
def test_hostile_changes_are_answered_with_problems_and_write_nothing(
    arena: Arena, token: str, data: st.DataObject
) -> None:
    body, content_type = data.draw(documents(arena))
    target = data.draw(st.sampled_from([arena.world.bob_cc, arena.world.oscar_cc, 2147483647]))
    headers = {"Authorization": f"Bearer {token}"}
    if content_type is not None:
        headers["Content-Type"] = content_type
    before = snapshot(arena.app)
    response = arena.app.test_client().patch(f"{API}/{target}", data=body, headers=headers)
    assert_answer(response, before, arena)


@given(query=st.dictionaries(
    st.sampled_from(["name", "organization_id", "active", "kind", "grant", "page", "per_page"]),
    texts, max_size=4))  # fmt: skip
@FUZZ
def test_hostile_list_queries_are_answered_with_pages_or_problems(
    arena: Arena, token: str, query: dict[str, str]
) -> None:
    string = "&".join(f"{quote(k)}={quote(v, safe='', errors='replace')}"
                      for k, v in query.items())  # fmt: skip
    before = snapshot(arena.app)
    response = arena.app.test_client().get(
        f"{API}?{string}", headers={"Authorization": f"Bearer {token}"}
    )
    assert_answer(response, before, arena)
    assert snapshot(arena.app) == before
