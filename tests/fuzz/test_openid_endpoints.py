"""Hostile tokens at /oauth2/userinfo and hostile ID token hints at /oauth2/logout.

Userinfo answers every token but a proper one with a JSON 401 (or 403 for a real token without
openid) and an RFC 6750 challenge; logout answers every hint it did not sign as an ID token with
a 400 page. Neither ever writes anything or fails with a 5xx.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from hypothesis import event, given, settings
from hypothesis import strategies as st

from tests.fuzz.conftest import Arena
from tests.fuzz.jwts import access_tokens
from tests.fuzz.support import FUZZ, assert_not_server_error, json_body, snapshot
from tests.oidc.helpers import LOGOUT, USERINFO

CHALLENGE = re.compile(
    r'Bearer realm="api", error="(invalid_token|insufficient_scope)", '
    r'error_description="[\x20\x21\x23-\x5b\x5d-\x7e]*"(, scope="openid")?'
)


@settings(FUZZ)
@given(data=st.data())
def test_userinfo_refuses_every_token_without_openid(arena: Arena, data: st.DataObject) -> None:
    forged = data.draw(access_tokens(arena.signers))
    method = data.draw(st.sampled_from(["GET", "POST"]))
    before = snapshot(arena.app)
    response = arena.app.test_client().open(
        USERINFO, method=method, headers={"Authorization": f"Bearer {forged.token}"}
    )
    event(f"{response.status_code} {'signed' if forged.signed_by_server else 'forged'}")
    assert_not_server_error(response)
    assert response.status_code in (401, 403), response.status_code
    body = json_body(response)
    assert body["error"] == (
        "insufficient_scope" if response.status_code == 403 else "invalid_token"
    )
    assert CHALLENGE.fullmatch(response.headers["WWW-Authenticate"])
    if response.status_code == 403:  # only the arena's real client-credentials tokens
        assert forged.signed_by_server
    assert snapshot(arena.app) == before


@settings(FUZZ)
@given(data=st.data())
def test_logout_refuses_every_hint_that_is_not_its_id_token(
    arena: Arena, data: st.DataObject
) -> None:
    forged = data.draw(access_tokens(arena.signers))
    before = snapshot(arena.app)
    query = (
        f"id_token_hint={quote(forged.token)}&post_logout_redirect_uri=https%3A%2F%2Fx.example%2F"
    )
    response = arena.app.test_client().get(f"{LOGOUT}?{query}")
    event(f"{response.status_code} {'signed' if forged.signed_by_server else 'forged'}")
    assert_not_server_error(response)
    if not forged.token:  # no hint at all: nobody is signed in, so nothing to confirm
        assert response.headers["Location"] == "/oauth2/logged-out"
    else:
        assert response.status_code == 400, response.status_code
        assert response.mimetype == "text/html"
        assert "Location" not in response.headers
    assert snapshot(arena.app) == before
