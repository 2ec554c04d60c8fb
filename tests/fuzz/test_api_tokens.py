"""Hostile Authorization headers and tokens at GET /api/me and GET /api/frontend/me.

Only a token signed by the server's key, sent in the Authorization header, may be accepted;
everything else (forged with another key, alg none, HMAC with the public key, tampered claims,
garbage, a token in the query string or body) is a JSON 401 with
WWW-Authenticate: Bearer error="invalid_token", and no request writes anything.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from hypothesis import event, given, settings
from hypothesis import strategies as st
from werkzeug.test import TestResponse

from oauthapp.models import Kind
from tests.fuzz.conftest import Arena
from tests.fuzz.hostile import FORM, Hostile, authorization_headers, header_safe, pairs
from tests.fuzz.jwts import ANY_TYPE, CLAIMS, Forged, access_tokens, listed
from tests.fuzz.support import FUZZ, json_body, snapshot
from tests.token.helpers import basic

APIS = {"/api/me": "user", "/api/frontend/me": "customer_user"}
FRESH = itertools.count(1)
INTROSPECT_URL = "/oauth2/introspect"
REVOKE_URL = "/oauth2/revoke"
PROPER_SCHEMES = ("Bearer ", "bearer ", "BEARER ", "Bearer  ")
SCHEMES = ("Bearer ",) * 6 + PROPER_SCHEMES + ("Bearer\t", "Token ", "Basic ", "")
PLACES = ("header",) * 8 + ("query", "form", "header and query", "other header")
# RFC 6750 §3: the challenge, its description limited to %x20-21 / %x23-5B / %x5D-7E; then
# the API's RFC 9728 document.
CHALLENGE = re.compile(
    r'Bearer realm="api", error="invalid_token", '
    r'error_description="[\x20\x21\x23-\x5b\x5d-\x7e]*", '
    r'resource_metadata="http://localhost:5000/\.well-known/oauth-protected-resource/api(/frontend)?"'
)


@dataclass(frozen=True)
class ApiCall:
    """A call to an API: the token, where it travels, and the request carrying it."""

    path: str
    forged: Forged
    place: str
    proper: bool  # the token alone in an "Authorization: Bearer" header
    request: Hostile


@st.composite
def api_calls(draw: st.DrawFn, arena: Arena) -> ApiCall:
    signers = arena.signers
    forged = draw(access_tokens(signers))
    place = draw(st.sampled_from(PLACES))
    request = Hostile(query=draw(st.sampled_from(["", "", "", "a=%00", "&".join(["page=9"] * 20)])))
    scheme, suffix = draw(st.sampled_from(SCHEMES)), draw(st.sampled_from(["", " ", "x"]))
    if "header" in place:
        request.headers.append(("Authorization", header_safe(scheme + forged.token + suffix)))
    if place == "other header":
        tokens = [*signers.real_tokens, forged.token]
        request = Hostile(headers=draw(authorization_headers(arena.client_ids, [], tokens)))
    if "query" in place:
        request = Hostile(headers=request.headers, query=f"access_token={quote(forged.token)}")
    if place == "form":
        extra = draw(pairs({"access_token": [forged.token]}, max_size=3))
        fields = [("access_token", forged.token), *extra]
        body = "&".join(f"{quote(name)}={quote(value)}" for name, value in fields)
        request = Hostile(body.encode(), FORM, request.headers)
    proper = place == "header" and scheme in PROPER_SCHEMES and suffix != "x"
    return ApiCall(draw(st.sampled_from(sorted(APIS))), forged, place, proper, request)


def assert_refused(response: TestResponse) -> None:
    assert response.status_code == 401, response.status_code
    body = json_body(response)
    assert body.get("error") == "invalid_token", body
    assert isinstance(body.get("error_description"), str) and body["error_description"], body
    assert response.headers.get("Cache-Control") == "no-store"
    challenge = response.headers.get("WWW-Authenticate", "")
    assert CHALLENGE.fullmatch(challenge), challenge


@settings(FUZZ, max_examples=150)
@given(data=st.data())
def test_the_apis_accept_only_tokens_the_server_signed_in_the_authorization_header(
    arena: Arena, data: st.DataObject
) -> None:
    call = data.draw(api_calls(arena))
    forged = call.forged
    before = snapshot(arena.app)
    response = call.request.send(arena.app.test_client(), "GET", call.path)
    event(
        f"{response.status_code} {call.place} {'signed' if forged.signed_by_server else 'forged'}"
    )
    if response.status_code == 200:
        signed = [*arena.signers.real_tokens, *([forged.token] if forged.signed_by_server else [])]
        sent = " ".join(value for _, value in call.request.headers)
        assert call.proper or (call.place == "other header" and any(t in sent for t in signed))
        body = json_body(response)
        assert body["type"] == APIS[call.path], body
        if call.proper:
            assert forged.signed_by_server and body["client_id"] == forged.claims["client_id"]
    else:
        assert_refused(response)
        issued_for = (forged.claims or {}).get("aud", "") if forged.token in arena.tokens else ""
        # A token the server issued, sent as it should be to its own API, is accepted.
        assert not (call.proper and issued_for.endswith(call.path.removesuffix("/me"))), call
    assert snapshot(arena.app) == before


# Every listed hostile value, and every value of the wrong type, for every claim.
CLAIM_CHANGES = [*listed(CLAIMS), *((claim, value) for claim in CLAIMS for value in ANY_TYPE)]


@settings(FUZZ, max_examples=len(CLAIM_CHANGES))
@given(change=st.sampled_from(CLAIM_CHANGES))
def test_claims_the_server_never_issues_are_refused_even_under_its_signature(
    arena: Arena, change: tuple[str, Any]
) -> None:
    """Out-of-range times, huge subjects, long ids: a 401 or an inactive token, never a 5xx."""
    claims = arena.signers.claims_of(arena.access_tokens[Kind.BACKOFFICE])
    claims["jti"] = f"claims-{next(FRESH)}"  # a token of its own, which no other example revoked
    claims[change[0]] = change[1]
    token = arena.signers.sign(claims)
    client = arena.app.test_client()
    response = client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    if response.status_code != 200:
        assert_refused(response)
    world = arena.world
    credentials = basic(world.client_ids["Alice CC"], world.secrets["Alice CC"])
    response = client.post(INTROSPECT_URL, data={"token": token}, headers=credentials)
    assert response.status_code == 200, response.get_data()[:300]
    assert isinstance(json_body(response).get("active"), bool)
    response = client.post(REVOKE_URL, data={"token": token}, headers=credentials)
    assert (response.status_code, json_body(response)) == (200, {}), response.get_data()[:300]
