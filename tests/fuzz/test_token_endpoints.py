"""Hostile requests to the token, revocation and introspection endpoints.

Whatever arrives (any content type, charset or body, repeated or oversized parameters, NUL bytes,
huge numbers, broken HTTP Basic headers, forged tokens), the answer is a success or an RFC 6749
JSON error with Cache-Control: no-store, never a 5xx, and a refused request writes nothing.
"""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import quote_plus

from hypothesis import assume, event, given, settings
from hypothesis import strategies as st
from werkzeug.test import TestResponse

from oauthapp.token.body import MAX_BODY
from tests.fuzz.conftest import Arena
from tests.fuzz.hostile import Hostile, header_safe, texts
from tests.fuzz.jwts import access_tokens
from tests.fuzz.oauth_requests import oauth_requests
from tests.fuzz.support import FUZZ, assert_oauth_error, json_body, snapshot
from tests.token.helpers import basic

TOKEN_URL = "/oauth2-token"
REVOKE_URL = "/oauth2/revoke"
INTROSPECT_URL = "/oauth2/introspect"


def send(arena: Arena, path: str, method: str, request: Hostile) -> TestResponse:
    response: TestResponse = request.send(arena.app.test_client(), method, path)
    body = response.get_json(silent=True)
    event(f"{response.status_code} {body.get('error', '') if isinstance(body, dict) else ''}")
    return response


def assert_refused_without_trace(
    arena: Arena, response: TestResponse, before: dict[str, Any]
) -> None:
    body = assert_oauth_error(response)
    if response.status_code == 401:
        assert body["error"] == "invalid_client", body
        challenge = response.headers.get("WWW-Authenticate")
        assert challenge in (None, 'Basic realm="OAuth"'), challenge
    assert snapshot(arena.app) == before


@settings(FUZZ, max_examples=150)
@given(data=st.data())
def test_the_token_endpoint_answers_anything_with_a_token_or_an_oauth_error(
    arena: Arena, data: st.DataObject
) -> None:
    method, request = data.draw(oauth_requests(arena, "token"))
    before = snapshot(arena.app)
    response = send(arena, TOKEN_URL, method, request)
    if response.status_code == 200:
        body = json_body(response)
        assert body["token_type"] == "Bearer" and isinstance(body["access_token"], str), body
        assert response.headers.get("Cache-Control") == "no-store"
        assert response.headers.get("Pragma") == "no-cache"
    else:
        assert_refused_without_trace(arena, response, before)


@settings(FUZZ, max_examples=100)
@given(data=st.data())
def test_revocation_answers_anything_with_200_or_an_oauth_error(
    arena: Arena, data: st.DataObject
) -> None:
    method, request = data.draw(oauth_requests(arena, "lookup"))
    before = snapshot(arena.app)
    response = send(arena, REVOKE_URL, method, request)
    if response.status_code == 200:  # RFC 7009 §2.2: also for tokens it does not know
        assert json_body(response) == {}
        assert response.headers.get("Cache-Control") == "no-store"
    else:
        assert_refused_without_trace(arena, response, before)


@settings(FUZZ, max_examples=100)
@given(data=st.data())
def test_introspection_answers_anything_with_a_description_or_an_oauth_error(
    arena: Arena, data: st.DataObject
) -> None:
    method, request = data.draw(oauth_requests(arena, "lookup"))
    before = snapshot(arena.app)
    response = send(arena, INTROSPECT_URL, method, request)
    if response.status_code == 200:
        body = json_body(response)
        assert isinstance(body.get("active"), bool), body
        assert response.headers.get("Cache-Control") == "no-store"
        assert snapshot(arena.app) == before  # looking a token up changes nothing
    else:
        assert_refused_without_trace(arena, response, before)


@settings(FUZZ, max_examples=100)
@given(data=st.data())
def test_forged_tokens_are_never_active_and_revoke_nothing(
    arena: Arena, data: st.DataObject
) -> None:
    """Any client may present any token: only the server's own signature makes one count."""
    forged = data.draw(access_tokens(arena.signers))
    # Refused before any lookup: no token, a NUL byte, a body over the limit.
    assume(0 < len(forged.token) < MAX_BODY - 100 and "\x00" not in forged.token)
    name = data.draw(st.sampled_from(sorted(arena.world.secrets)))
    hint = data.draw(st.sampled_from([{}, {"token_type_hint": "access_token"}]))
    url = data.draw(st.sampled_from([INTROSPECT_URL, REVOKE_URL]))
    credentials = basic(arena.world.client_ids[name], arena.world.secrets[name])
    before = snapshot(arena.app)
    response = arena.app.test_client().post(
        url, data={"token": forged.token, **hint}, headers=credentials
    )
    assert response.status_code == 200, response.get_data()[:300]
    assert response.headers.get("Cache-Control") == "no-store"
    body = json_body(response)
    if url == INTROSPECT_URL:
        assert body.get("active") is False or forged.signed_by_server, body
    else:
        assert body == {}
    if url == INTROSPECT_URL or not forged.signed_by_server:
        assert snapshot(arena.app) == before


@st.composite
def foreign_basic_credentials(draw: st.DrawFn) -> str:
    """HTTP Basic credentials of no client: any text, encoded well or badly."""
    client_id, secret = draw(texts), draw(texts)
    encode = draw(st.sampled_from([quote_plus, lambda text: text]))
    raw = f"{encode(client_id)}:{encode(secret)}".encode()
    shape = draw(st.sampled_from(["base64", "base64", "unpadded", "not base64", "no colon"]))
    if shape == "not base64":
        return header_safe(f"Basic {client_id}:{secret}")
    if shape == "no colon":
        raw = raw.replace(b":", b"")
    encoded = base64.b64encode(raw).decode()
    return f"Basic {encoded.rstrip('=') if shape == 'unpadded' else encoded}"


@settings(FUZZ, max_examples=60)
@given(data=st.data())
def test_http_basic_credentials_of_no_client_are_an_invalid_client_with_the_basic_challenge(
    arena: Arena, data: st.DataObject
) -> None:
    url = data.draw(st.sampled_from([TOKEN_URL, REVOKE_URL, INTROSPECT_URL]))
    credentials = data.draw(foreign_basic_credentials())
    body = {"grant_type": "client_credentials"} if url == TOKEN_URL else {"token": "x"}
    before = snapshot(arena.app)
    response = arena.app.test_client().post(url, data=body, headers={"Authorization": credentials})
    assert assert_oauth_error(response)["error"] == "invalid_client"
    assert response.status_code == 401
    assert response.headers.get("WWW-Authenticate") == 'Basic realm="OAuth"'
    assert snapshot(arena.app) == before
