"""Requests to the OAuth endpoints: one that would succeed, then a few hostile changes to it.

Starting from a valid request keeps most examples past the body and client checks, so the
grants, the token lookups and their refusals get fuzzed too, not only the body parser.
"""

from __future__ import annotations

from hypothesis import strategies as st

from tests.factories import PASSWORD
from tests.fuzz.conftest import LOGINS, Arena
from tests.fuzz.hostile import (
    Hostile,
    Pairs,
    authorization_headers,
    b64,
    bodies,
    header_safe,
    mutated,
    texts,
)
from tests.fuzz.jwts import access_tokens

METHODS = ("POST",) * 28 + ("GET", "PUT", "DELETE", "PATCH")
ORIGINS = ("https://app.example", "null", "*", "http://localhost:5000")
AUTH_METHODS = ("body", "body", "basic", "basic", "both", "none")


@st.composite
def token_parameters(draw: st.DrawFn, arena: Arena) -> tuple[str, Pairs]:
    """The application to authenticate as and a grant it may use."""
    name = draw(st.sampled_from(sorted(arena.world.secrets)))
    if name != "Acme Password":
        return name, [("grant_type", "client_credentials")]
    grant = draw(st.sampled_from(["password", "refresh_token"]))
    if grant == "refresh_token":
        return name, [("grant_type", grant), ("refresh_token", arena.refresh_token)]
    login = draw(st.sampled_from(LOGINS))
    return name, [("grant_type", grant), ("username", login), ("password", PASSWORD)]


@st.composite
def token_lookup_parameters(draw: st.DrawFn, arena: Arena) -> tuple[str, Pairs]:
    """An application and a token (its own or another's), with or without a hint."""
    name = draw(st.sampled_from(sorted(arena.world.secrets)))
    token = st.sampled_from(arena.tokens) | access_tokens(arena.signers).map(lambda f: f.token)
    params = [("token", draw(token))]
    hint = draw(st.sampled_from([None, "access_token", "refresh_token"]))
    return name, params + ([("token_type_hint", hint)] if hint else [])


@st.composite
def oauth_requests(draw: st.DrawFn, arena: Arena, endpoint: str) -> tuple[str, Hostile]:
    """A method and a request to the token endpoint (or revocation, introspection)."""
    base = token_parameters(arena) if endpoint == "token" else token_lookup_parameters(arena)
    name, params = draw(base)
    client_id, secret = arena.world.client_ids[name], arena.world.secrets[name]
    auth = draw(st.sampled_from(AUTH_METHODS))
    if auth in ("body", "both"):
        params += [("client_id", client_id), ("client_secret", secret)]
    headers = []
    if auth in ("basic", "both"):
        headers.append(("Authorization", "Basic " + b64(f"{client_id}:{secret}".encode())))
    known = arena.known()
    for _ in range(draw(st.sampled_from([0, 1, 1, 1, 2, 3]))):
        params = draw(mutated(params, known))
    if draw(st.integers(0, 4)) == 0:  # an Authorization header of any quality instead
        headers = draw(authorization_headers(arena.client_ids, arena.secrets, arena.tokens))
    origin = draw(st.none() | st.sampled_from(ORIGINS) | texts.map(header_safe))
    if origin is not None:
        headers.append(("Origin", origin))
    body, content_type = draw(bodies(params))
    query = draw(st.sampled_from(["", "", "", "grant_type=client_credentials", "a=%00&a=%FF"]))
    return draw(st.sampled_from(METHODS)), Hostile(body, content_type, headers, query)
