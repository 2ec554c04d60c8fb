"""panva's openid-client (Node, OpenID Certified) signs a user in, unchanged, against a real site.

The relying party is tests/e2e/rp/openid_client_rp.mjs, in its own Node process: discovery,
the authorization request with PKCE (S256), state and nonce, the code exchange with the library's
full ID-token validation (the signature too), userinfo, a refresh and RP-initiated logout. Chromium
does the user's part; the relying party reports each step at /result, and each test checks one.
Two flows run once per module, on a site of its own: a confidential back-office application for a
back-office user, and a public storefront application (PKCE alone) for a customer user.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import requests

from oauthapp.settings import ROOT
from tests.e2e import world
from tests.e2e.browser import TIMEOUT_MS, expect, keep_evidence, open_context
from tests.e2e.oidc_clients import (
    SCOPE,
    code_application,
    log_in_and_grant,
    login_heading,
    sign_in_and_grant,
    sign_in_heading,
)
from tests.e2e.sites import Site, run_site
from tests.server import SQLITE_PASS_ONLY, free_port, serve_command

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page

pytestmark = SQLITE_PASS_ONLY

RP_SCRIPT = ROOT / "tests" / "e2e" / "rp" / "openid_client_rp.mjs"
OPENID_CLIENT = ROOT / "node_modules" / "openid-client" / "package.json"
APPLICATION = "openid-client relying party"
PUBLIC_APPLICATION = "openid-client public storefront client"
FAILED = "Sign-in failed at"  # the relying party's heading when a step failed
FINISHED = re.compile(r"^(Signed in as|Sign-in failed at) ")
TIMEOUT = 10  # seconds, for each request to the relying party


@dataclass(frozen=True)
class RelyingParty:
    base: str
    client_id: str

    def result(self) -> dict[str, Any]:
        """What each step gave so far, by step."""
        response = requests.get(f"{self.base}/result", timeout=TIMEOUT)
        assert response.status_code == 200, response.text
        steps: dict[str, Any] = response.json()
        return steps


@pytest.fixture(scope="module")
def node() -> str:
    """The node executable; the module skips, saying how to get it, without it or openid-client."""
    found = shutil.which("node")
    if found is None:
        pytest.skip("no node: install Node.js 20 or later and npm, then run `make install`")
    if not OPENID_CLIENT.exists():
        pytest.skip(f"no {OPENID_CLIENT.parent.relative_to(ROOT)}: run `make install` (npm ci)")
    return found


@pytest.fixture(scope="module")
def site(
    node: str, browser: Browser, seeded: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    with run_site(seeded, tmp_path_factory.mktemp("openid-client-site")) as site:
        yield site


@contextmanager
def relying_party(
    node: str, site: Site, folder: Path, name: str, **kind: bool
) -> Iterator[RelyingParty]:
    """A relying party in Node, with an application NAME (of KIND) whose redirect URLs are its
    own."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    client_id, secret = code_application(
        site, name, f"{base}/callback", f"{base}/logged-out", **kind
    )
    env = {**os.environ, "RP_ISSUER": site.base, "RP_CLIENT_ID": client_id,
           "RP_CLIENT_SECRET": secret or "", "RP_PORT": str(port)}  # fmt: skip
    with serve_command([node, str(RP_SCRIPT)], env, folder / "rp.log", f"{base}/result"):
        yield RelyingParty(base, client_id)


@pytest.fixture(scope="module")
def party(
    node: str, site: Site, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RelyingParty]:
    """A confidential back-office application's relying party."""
    folder = tmp_path_factory.mktemp("openid-client-rp")
    with relying_party(node, site, folder, APPLICATION) as party:
        yield party


@pytest.fixture(scope="module")
def public_party(
    node: str, site: Site, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RelyingParty]:
    """A public storefront application's relying party (no secret: PKCE alone)."""
    folder = tmp_path_factory.mktemp("openid-client-public-rp")
    with relying_party(node, site, folder, PUBLIC_APPLICATION, storefront=True, public=True) as rp:
        yield rp


@pytest.fixture(scope="module")
def tab(browser: Browser, party: RelyingParty) -> Iterator[Page]:
    """The back-office user's tab, in which the confidential client's flow runs."""
    context = open_context(browser, party.base)
    yield context.new_page()
    context.close()


@pytest.fixture(scope="module")
def customer_tab(browser: Browser, public_party: RelyingParty) -> Iterator[Page]:
    """The customer user's tab, in which the public client's flow runs."""
    context = open_context(browser, public_party.base)
    yield context.new_page()
    context.close()


def run_flow(
    tab: Page, party: RelyingParty, entrance: Locator, sign_in: Callable[[], None]
) -> dict[str, Any]:
    """Start the flow at PARTY, sign in at ENTRANCE and grant; the party's report and heading."""
    tab.goto("/start")
    heading = tab.get_by_role("heading", level=1)
    expect(entrance.or_(heading.filter(has_text=FAILED))).to_be_visible()
    assert entrance.is_visible(), f"the flow did not start: {party.result()}"
    sign_in()
    # The relying party answers after the exchange, a key fetch, userinfo, a refresh and userinfo.
    expect(heading.filter(has_text=FINISHED)).to_be_visible(timeout=TIMEOUT_MS)
    return {**party.result(), "heading": heading.inner_text()}


@pytest.fixture(scope="module")
def signed_in(tab: Page, party: RelyingParty) -> dict[str, Any]:
    """The back-office user starts the flow at the relying party, logs in and grants."""
    return run_flow(tab, party, login_heading(tab), lambda: log_in_and_grant(tab, APPLICATION))


@pytest.fixture(scope="module")
def customer_signed_in(customer_tab: Page, public_party: RelyingParty) -> dict[str, Any]:
    """The customer user starts the public client's flow, signs in and grants."""
    return run_flow(
        customer_tab,
        public_party,
        sign_in_heading(customer_tab),
        lambda: sign_in_and_grant(customer_tab, PUBLIC_APPLICATION),
    )


@pytest.fixture
def user_page(tab: Page, site: Site, request: pytest.FixtureRequest, tmp_path: Path) -> Page:
    """The user's tab, shown (with the site's log) in the report of a test that fails."""
    keep_evidence(request, tmp_path, tab, site.log)
    return tab


@pytest.fixture
def customer_page(
    customer_tab: Page, site: Site, request: pytest.FixtureRequest, tmp_path: Path
) -> Page:
    """The customer's tab, shown (with the site's log) in the report of a test that fails."""
    keep_evidence(request, tmp_path, customer_tab, site.log)
    return customer_tab


def test_discovery_names_the_sites_endpoints(
    user_page: Page, signed_in: dict[str, Any], site: Site
) -> None:
    discovery = signed_in["discovery"]
    assert discovery["ok"], discovery
    metadata = discovery["metadata"]
    assert metadata["issuer"] == site.base
    assert metadata["authorization_endpoint"] == f"{site.base}/oauth2-token/authorize"
    assert metadata["token_endpoint"] == f"{site.base}/oauth2-token"
    assert metadata["userinfo_endpoint"] == f"{site.base}/oauth2/userinfo"
    assert metadata["end_session_endpoint"] == f"{site.base}/oauth2/logout"


def test_the_callback_has_the_code_state_and_issuer(
    user_page: Page, signed_in: dict[str, Any]
) -> None:
    callback = signed_in["callback"]
    assert sorted(callback["parameters"]) == ["code", "iss", "state"]
    assert callback["state"] == signed_in["authorization"]["state"]


def test_the_code_exchange_passes_openid_clients_id_token_validation(
    user_page: Page, signed_in: dict[str, Any], site: Site, party: RelyingParty
) -> None:
    """PKCE verifier, state, nonce, iss, aud, exp, iat and the signature (non-repudiation)."""
    token = signed_in["token"]
    assert token["ok"], token
    claims = token["claims"]
    assert claims["iss"] == site.base
    assert claims["aud"] == party.client_id
    assert claims["nonce"] == signed_in["authorization"]["nonce"]
    assert token["token_type"].lower() == "bearer"
    assert set(token["scope"].split()) == set(SCOPE.split())
    assert token["has_refresh_token"]


def test_the_id_token_has_auth_time_at_hash_and_the_users_claims(
    user_page: Page, signed_in: dict[str, Any]
) -> None:
    token = signed_in["token"]
    assert token["ok"], token
    claims = token["claims"]
    digest = hashlib.sha256(token["access_token"].encode()).digest()
    at_hash = base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()
    assert claims["at_hash"] == at_hash
    assert claims["iat"] - 60 <= claims["auth_time"] <= claims["iat"]
    assert claims["preferred_username"] == world.OWNER
    assert claims["email"] == world.USERS[world.OWNER][0]
    assert signed_in["heading"] == f"Signed in as {world.OWNER}"


def test_userinfo_answers_for_the_id_tokens_subject(
    user_page: Page, signed_in: dict[str, Any]
) -> None:
    """openid-client refuses a userinfo response whose sub is not the ID token's."""
    userinfo = signed_in["userinfo"]
    assert userinfo["ok"], userinfo
    claims = userinfo["userinfo"]
    assert claims["sub"] == signed_in["token"]["claims"]["sub"]
    assert claims["email"] == world.USERS[world.OWNER][0]
    assert claims["preferred_username"] == world.OWNER


def test_a_refresh_gives_new_tokens_that_userinfo_accepts(
    user_page: Page, signed_in: dict[str, Any]
) -> None:
    refresh = signed_in["refresh"]
    assert refresh["ok"], refresh
    assert refresh["new_access_token"]
    assert refresh["new_refresh_token"]
    assert set(refresh["scope"].split()) == set(SCOPE.split())
    after = signed_in["userinfo_after_refresh"]
    assert after["ok"], after
    assert after["userinfo"]["sub"] == signed_in["token"]["claims"]["sub"]


def test_rp_initiated_logout_ends_the_session_and_returns_with_the_state(
    user_page: Page, signed_in: dict[str, Any], party: RelyingParty
) -> None:
    """Last in the module: afterwards the user has no session on the site."""
    user_page.goto("/logout")
    expect(user_page.get_by_role("heading", name="Signed out")).to_be_visible()
    result = party.result()
    assert result["logged_out"]["state"] == result["logout"]["state"]
    user_page.goto("/start")
    expect(login_heading(user_page)).to_be_visible()


def test_a_public_storefront_client_signs_a_customer_in_with_pkce_alone(
    customer_page: Page, customer_signed_in: dict[str, Any], public_party: RelyingParty
) -> None:
    """openid-client authenticates with its client id alone (token_endpoint_auth_method none)."""
    token = customer_signed_in["token"]
    assert token["ok"], token
    claims = token["claims"]
    assert claims["aud"] == public_party.client_id
    assert claims["nonce"] == customer_signed_in["authorization"]["nonce"]
    assert claims["email"] == world.CUSTOMER
    assert claims["name"] == world.CUSTOMER_NAME


def test_a_customers_userinfo_and_refresh_work_for_a_public_client(
    customer_page: Page, customer_signed_in: dict[str, Any], signed_in: dict[str, Any]
) -> None:
    userinfo, refresh = customer_signed_in["userinfo"], customer_signed_in["refresh"]
    assert userinfo["ok"], userinfo
    assert refresh["ok"], refresh
    sub = customer_signed_in["token"]["claims"]["sub"]
    assert userinfo["userinfo"]["sub"] == sub
    assert userinfo["userinfo"]["email"] == world.CUSTOMER
    assert sub != signed_in["token"]["claims"]["sub"]
