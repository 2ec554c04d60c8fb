"""Hostile authorize and code-exchange requests.

Every parameter of GET /oauth2-token/authorize and of the authorization_code token request is
sent missing, repeated, empty, huge, non-UTF-8 or of the wrong type. The answer is always one
the contract documents (a page, a redirect to the login, a redirect to a registered URL with a
code or an error of SPEC §7, a token or an RFC 6749 error), never a 5xx, and a refusal writes
nothing: no code, no consent, no token.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, quote, quote_plus, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from oauthapp.extensions import db
from oauthapp.models import AuthorizationCode, Consent, Kind
from tests.authorize.helpers import (
    CodeApp,
    authorize_url,
    browser_for,
    decide,
    new_code_app,
    pkce_pair,
    redirected,
)
from tests.conftest import AppFactory
from tests.fuzz.conftest import OPEN_SETTINGS
from tests.fuzz.hostile import FORM_FRAGMENTS, Hostile, Pairs, bodies, mutated
from tests.fuzz.support import (
    FUZZ,
    assert_html_or_redirect,
    assert_oauth_error,
    json_body,
    snapshot,
)

AUTHORIZE_ERRORS = frozenset(
    {"invalid_request", "unsupported_response_type", "invalid_scope", "access_denied",
     "login_required", "consent_required"}
)  # fmt: skip
REDIRECTS = ("https://app.example/cb", "http://127.0.0.1:8400/cb", "com.example.app:/cb")


@dataclass
class CodeArena:
    """Two code applications (confidential back-office, public storefront) and browsers."""

    app: Flask
    confidential: CodeApp
    public: CodeApp
    browsers: dict[str, FlaskClient]

    def __repr__(self) -> str:
        return "CodeArena(two code applications and their browsers)"

    def known(self) -> dict[str, list[str]]:
        _, challenge = pkce_pair()
        return {
            "response_type": ["code", "token", "code id_token"],
            "client_id": [self.confidential.client_id, self.public.client_id],
            "redirect_uri": [*REDIRECTS, "https://evil.example/cb"],
            "state": ["xyz", ""],
            "scope": ["", "openid", "openid profile email", "admin"],
            "nonce": ["n-0"],
            "code_challenge": [challenge],
            "code_challenge_method": ["S256", "plain"],
            "prompt": ["none", "login", "consent", "none login"],
            "max_age": ["0", "60", "-1"],
        }

    def state(self) -> dict[str, Any]:
        """What a refused request must not change."""
        with self.app.app_context():
            codes = db.session.execute(
                select(AuthorizationCode.id, AuthorizationCode.used_at).order_by(
                    AuthorizationCode.id
                )
            ).all()
            consents = db.session.scalar(select(func.count()).select_from(Consent))
        return {"tokens": snapshot(self.app), "codes": codes, "consents": consents}


@pytest.fixture
def code_arena(make_app: AppFactory) -> CodeArena:
    app = make_app(**OPEN_SETTINGS)
    confidential = new_code_app(app, redirect_uris=REDIRECTS)
    public = new_code_app(
        app, kind=Kind.STOREFRONT, redirect_uris=REDIRECTS, confidential=False, skip_consent=True
    )
    user, _ = browser_for(app, confidential)
    customer, _ = browser_for(app, public)
    # The user granted openid once: some requests need no page, others (more scopes) do.
    redirected(decide(user, authorize_url(confidential.client_id, scope="openid")))
    return CodeArena(app, confidential, public, {"user": user, "customer": customer,
                                                 "anonymous": app.test_client()})  # fmt: skip


@st.composite
def query_strings(draw: st.DrawFn, params: Pairs) -> str:
    """The pairs as a query string, encoded well, badly, or with bytes that are not UTF-8."""
    encode = draw(st.sampled_from([quote_plus, quote_plus, quote, lambda text: text]))
    raw = "&".join(f"{encode(name)}={encode(value)}" for name, value in params)
    for _ in range(draw(st.sampled_from([0] * 5 + [1, 2]))):
        cut = draw(st.integers(0, len(raw)))
        raw = raw[:cut] + draw(st.sampled_from(FORM_FRAGMENTS)).decode("latin-1") + raw[cut:]
    return raw.encode("utf-8", "surrogatepass").decode("latin-1")


@st.composite
def authorize_requests(draw: st.DrawFn, arena: CodeArena) -> tuple[str, str]:
    """A browser and an authorize query: a valid request with a few hostile changes."""
    target = draw(st.sampled_from([arena.confidential, arena.public]))
    _, challenge = pkce_pair()
    params: Pairs = [
        ("response_type", "code"), ("client_id", target.client_id),
        ("redirect_uri", draw(st.sampled_from(REDIRECTS))), ("state", "xyz"),
        ("scope", draw(st.sampled_from(["", "openid", "openid email"]))),
        ("code_challenge", challenge), ("code_challenge_method", "S256"),
    ]  # fmt: skip
    for _ in range(draw(st.sampled_from([0, 1, 1, 2, 3]))):
        params = draw(mutated(params, arena.known()))
    browser = draw(st.sampled_from(sorted(arena.browsers)))
    return browser, draw(query_strings(params))


def assert_documented_authorize_answer(response: Any) -> str:
    """A page, a redirect within this site, or a redirect to a registered URL; what it was."""
    assert response.status_code < 500, response.get_data()[:300]
    location = response.headers.get("Location", "")
    if response.status_code != 302 or location.startswith("/"):
        assert_html_or_redirect(response)
        return "page" if response.status_code != 302 else "login"
    base, _, query = location.partition("?")
    assert base in REDIRECTS, location
    params = parse_qs(query)
    assert params["iss"] == ["http://localhost:5000"], location
    if "code" in params:
        return "code"
    assert params["error"][0] in AUTHORIZE_ERRORS, location
    assert params["error_description"][0], location
    return "error"


@settings(FUZZ, max_examples=150)
@given(data=st.data())
def test_authorize_answers_anything_as_the_contract_says(
    code_arena: CodeArena, data: st.DataObject
) -> None:
    browser, query = data.draw(authorize_requests(code_arena))
    method = data.draw(st.sampled_from(["GET"] * 5 + ["POST"]))  # a POST has no CSRF token
    before = code_arena.state()
    response = code_arena.browsers[browser].open(
        "/oauth2-token/authorize", method=method, query_string=query
    )
    outcome = assert_documented_authorize_answer(response)
    event(f"{method} {response.status_code} {outcome}")
    after = code_arena.state()
    if outcome == "code":
        assert after["tokens"] == before["tokens"] and after["consents"] == before["consents"]
        assert len(after["codes"]) == len(before["codes"]) + 1
    else:
        assert after == before


@st.composite
def code_exchanges(draw: st.DrawFn, arena: CodeArena) -> tuple[Hostile, str]:
    """A valid exchange of a fresh code, with a few hostile changes."""
    public = draw(st.booleans())
    target = arena.public if public else arena.confidential
    browser = arena.browsers["customer" if public else "user"]
    verifier, challenge = pkce_pair()
    url = authorize_url(target.client_id, redirect_uri=REDIRECTS[0], code_challenge=challenge,
                        code_challenge_method="S256", scope="openid")  # fmt: skip
    code = redirected(browser.get(url), REDIRECTS[0])["code"]
    params: Pairs = [
        ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", REDIRECTS[0]),
        ("code_verifier", verifier), ("client_id", target.client_id),
    ]  # fmt: skip
    if target.secret is not None:
        params.append(("client_secret", target.secret))
    known = {
        "grant_type": ["authorization_code", "refresh_token"],
        "code": [code],
        "redirect_uri": list(REDIRECTS),
        "code_verifier": [verifier, pkce_pair()[0]],
        "client_id": [arena.confidential.client_id, arena.public.client_id],
        "client_secret": [arena.confidential.secret or ""],
    }
    for _ in range(draw(st.sampled_from([0, 1, 1, 1, 2, 3]))):
        params = draw(mutated(params, known))
    body, content_type = draw(bodies(params))
    return Hostile(body, content_type), code


@settings(FUZZ, max_examples=120)
@given(data=st.data())
def test_the_code_exchange_answers_anything_with_tokens_or_an_oauth_error(
    code_arena: CodeArena, data: st.DataObject
) -> None:
    request, _ = data.draw(code_exchanges(code_arena))
    before = code_arena.state()
    response = request.send(code_arena.app.test_client(), "POST", "/oauth2-token")
    event(str(response.status_code))
    if response.status_code == 200:
        body = json_body(response)
        assert body["token_type"] == "Bearer" and body["access_token"], body
        return
    assert_oauth_error(response)
    assert code_arena.state() == before
    assert urlsplit(response.headers.get("Location", "")).netloc == ""
