"""The authorization code grant with PKCE (SPEC §7) in Chromium, against real clients.

The confidential applications' side is the relying party of tests/e2e/relying_party.py, a web
server of its own that receives the redirect, exchanges the code with Authlib's client and calls
the API; the public client is a page of another origin that does the same with fetch. All tests
share the seeded site; a test that must see the consent page asks with prompt=consent, or is the
only one to use its user and application (see tests/e2e/world.py).
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

import jwt

from tests.e2e import world
from tests.e2e.authorization import (
    answer_consent,
    authorize_pages,
    consent_heading,
    expect_signed_in,
    grant_access,
    log_in_for,
    revoke_access,
    sign_in_customer,
    start_flow,
)
from tests.e2e.backoffice import api_me, token_response
from tests.e2e.browser import expect
from tests.e2e.relying_party import Client, RelyingParty, browser_app_url
from tests.e2e.sites import Site
from tests.server import SQLITE_PASS_ONLY

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = SQLITE_PASS_ONLY


def claims(token: str) -> dict[str, object]:
    """The access token's claims (its signature is the third-party clients tests' business)."""
    decoded: dict[str, object] = jwt.decode(token, options={"verify_signature": False})
    return decoded


def refresh(site: Site, client: Client, refresh_token: str) -> tuple[int, str]:
    """Use REFRESH_TOKEN at the token endpoint as CLIENT; the status and the error code."""
    assert client.client_secret is not None
    response = token_response(
        site.base,
        client.client_id,
        client.client_secret,
        grant_type="refresh_token",
        refresh_token=refresh_token,
    )
    return response.status_code, response.json().get("error", "")


def test_a_user_logs_in_grants_access_and_the_application_gets_a_working_token(
    page: Page, relying_party: RelyingParty, clients: dict[str, Client], backoffice_site: Site
) -> None:
    # olivia is the only user of the Partner portal here: she has never been asked before.
    client = clients[world.PARTNER_PORTAL.name]
    state = start_flow(page, relying_party, backoffice_site.base, client)
    log_in_for(page, client, world.OWNER)

    expect(page).to_have_url(
        re.compile(re.escape(f"{backoffice_site.base}/oauth2-token/authorize?"))
    )
    expect(page.get_by_role("heading", name=consent_heading(client.app.name))).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text(world.ORG)
    answer_consent(page, client, "Grant")

    expect_signed_in(page, client)
    outcome = relying_party.outcome(state)
    assert outcome.problem == ""
    assert outcome.query["state"] == state
    assert outcome.query["iss"] == backoffice_site.base
    assert outcome.me is not None and outcome.token is not None
    assert (outcome.me["type"], outcome.me["username"]) == ("user", world.OWNER)
    token = claims(outcome.token["access_token"])
    assert token["sub"] == str(outcome.me["id"])
    assert token["aud"] == f"{backoffice_site.base}/api"
    assert token["client_id"] == client.client_id
    assert outcome.token["refresh_token"]


def test_a_remembered_consent_skips_the_page_next_time(
    admin_page: Page, relying_party: RelyingParty, clients: dict[str, Client], backoffice_site: Site
) -> None:
    client = clients[world.PARTNER_PORTAL.name]
    grant_access(admin_page, relying_party, backoffice_site.base, client)

    shown = authorize_pages(admin_page)
    state = start_flow(admin_page, relying_party, backoffice_site.base, client)

    expect_signed_in(admin_page, client)
    assert shown == [302], "the authorize request should have redirected at once"
    outcome = relying_party.outcome(state)
    assert outcome.me is not None and outcome.me["username"] == world.ADMIN


def test_cancel_sends_access_denied_with_the_state_and_the_issuer(
    admin_page: Page, relying_party: RelyingParty, clients: dict[str, Client], backoffice_site: Site
) -> None:
    client = clients[world.PARTNER_PORTAL.name]
    state = start_flow(admin_page, relying_party, backoffice_site.base, client, prompt="consent")
    answer_consent(admin_page, client, "Cancel")

    expect(admin_page.get_by_role("heading", name="Not signed in: access_denied")).to_be_visible()
    query = relying_party.outcome(state).query
    assert query["error"] == "access_denied"
    assert query["state"] == state
    assert query["iss"] == backoffice_site.base
    assert "code" not in query


def test_a_skip_user_consent_application_never_shows_the_consent_page(
    admin_page: Page, relying_party: RelyingParty, clients: dict[str, Client], backoffice_site: Site
) -> None:
    # Nobody ever grants the Intranet: without Skip User Consent, this would ask.
    client = clients[world.INTRANET.name]
    shown = authorize_pages(admin_page)
    state = start_flow(admin_page, relying_party, backoffice_site.base, client)

    expect_signed_in(admin_page, client)
    assert shown == [302]
    outcome = relying_party.outcome(state)
    assert outcome.me is not None and outcome.me["username"] == world.ADMIN


def test_a_customer_signs_in_on_the_storefront_and_grants_access(
    page: Page, relying_party: RelyingParty, clients: dict[str, Client], backoffice_site: Site
) -> None:
    client = clients[world.WEB_SHOP.name]
    state = start_flow(page, relying_party, backoffice_site.base, client, prompt="consent")
    expect(page).to_have_url(re.compile(re.escape(f"{backoffice_site.base}/customer/user/login?")))
    sign_in_customer(page, client)
    answer_consent(page, client, "Grant")

    expect_signed_in(page, client)
    outcome = relying_party.outcome(state)
    assert outcome.problem == ""
    assert outcome.query["iss"] == backoffice_site.base
    assert outcome.me is not None and outcome.token is not None
    assert (outcome.me["type"], outcome.me["email"]) == ("customer_user", world.CUSTOMER)
    token = claims(outcome.token["access_token"])
    assert token["aud"] == f"{backoffice_site.base}/api/frontend"
    assert token["sub"] == str(outcome.me["id"])


def test_revoke_access_on_my_user_asks_again_and_ends_the_tokens(
    admin_page: Page, relying_party: RelyingParty, clients: dict[str, Client], backoffice_site: Site
) -> None:
    client = clients[world.PARTNER_PORTAL.name]
    state = grant_access(admin_page, relying_party, backoffice_site.base, client)
    token = relying_party.outcome(state).token
    assert token is not None

    revoke_access(admin_page, "/admin/profile", client)

    start_flow(admin_page, relying_party, backoffice_site.base, client)
    expect(admin_page.get_by_role("heading", name=consent_heading(client.app.name))).to_be_visible()
    assert refresh(backoffice_site, client, token["refresh_token"]) == (400, "invalid_grant")
    assert api_me(backoffice_site.base, token["access_token"]).status_code == 401


def test_revoke_access_on_the_customer_profile_asks_again_and_ends_the_tokens(
    page: Page, relying_party: RelyingParty, clients: dict[str, Client], backoffice_site: Site
) -> None:
    client = clients[world.WEB_SHOP.name]
    state = start_flow(page, relying_party, backoffice_site.base, client, prompt="consent")
    sign_in_customer(page, client)
    answer_consent(page, client, "Grant")
    expect_signed_in(page, client)
    token = relying_party.outcome(state).token
    assert token is not None

    revoke_access(page, "/customer/user/profile", client)

    start_flow(page, relying_party, backoffice_site.base, client)
    expect(page.get_by_role("heading", name=consent_heading(client.app.name))).to_be_visible()
    assert refresh(backoffice_site, client, token["refresh_token"]) == (400, "invalid_grant")
    frontend = api_me(backoffice_site.base, token["access_token"], "/api/frontend/me")
    assert frontend.status_code == 401


def test_a_public_client_in_a_page_of_another_origin_gets_a_token_with_fetch(
    admin_page: Page, browser_app: str, clients: dict[str, Client], backoffice_site: Site
) -> None:
    client = clients[world.BROWSER_APP.name]
    assert client.client_secret is None
    admin_page.goto(browser_app_url(browser_app, backoffice_site.base, client, prompt="consent"))
    answer_consent(admin_page, client, "Grant")

    expect(admin_page.locator("#status")).to_have_text("Signed in")
    expect(admin_page).to_have_url(re.compile(re.escape(f"{browser_app}/index.html?code=")))
    shown = json.loads(admin_page.locator("#claims").inner_text())
    assert shown["client_id"] == client.client_id
    assert shown["aud"] == f"{backoffice_site.base}/api"
    me = json.loads(admin_page.locator("#me").inner_text())
    assert (me["username"], str(me["id"])) == (world.ADMIN, shown["sub"])
