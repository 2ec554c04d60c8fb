"""What a user does in the authorization code flow, in Playwright steps: sign in, grant, revoke.

The flow is started by the relying party of tests/e2e/relying_party.py, as an application's
"Sign in with…" button would: the browser goes to the authorize URL it built.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.authorize.helpers import AUTHORIZE, quoted
from tests.e2e import world
from tests.e2e.browser import expect
from tests.e2e.relying_party import Client, RelyingParty

if TYPE_CHECKING:
    from playwright.sync_api import Page, Response

REVOKED = "Access has been revoked."


def consent_heading(name: str) -> str:
    return f"{quoted(name)} wants to access your account."


def start_flow(page: Page, party: RelyingParty, site: str, client: Client, **params: str) -> str:
    """Send PAGE to the SITE's authorize URL for CLIENT (with PARAMS); the flow's state."""
    url, state = party.authorization_url(site, client, **params)
    page.goto(url)
    return state


def log_in_for(page: Page, client: Client, username: str) -> None:
    """On the back-office login page the flow led to, log in as USERNAME."""
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    expect(page.get_by_text(f"Log in to continue to {quoted(client.app.name)}.")).to_be_visible()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(world.PASSWORD)
    page.get_by_role("button", name="Log in").click()


def sign_in_customer(page: Page, client: Client, email: str = world.CUSTOMER) -> None:
    """On the storefront Sign In page the flow led to, sign in as the customer EMAIL."""
    expect(page.get_by_role("heading", name="Sign In")).to_be_visible()
    expect(page.get_by_text(f"Sign in to continue to {quoted(client.app.name)}.")).to_be_visible()
    page.get_by_label("Email Address").fill(email)
    page.get_by_label("Password").fill(world.PASSWORD)
    page.get_by_role("button", name="Sign In").click()


def answer_consent(page: Page, client: Client, button: str = "Grant") -> None:
    """On the consent page for CLIENT, press BUTTON (Grant or Cancel)."""
    expect(page.get_by_role("heading", name=consent_heading(client.app.name))).to_be_visible()
    page.get_by_role("button", name=button, exact=True).click()


def expect_signed_in(page: Page, client: Client) -> None:
    """The relying party's page after it exchanged the code and called the API."""
    expect(page.get_by_role("heading", name=f"Signed in to {client.app.name}")).to_be_visible()


def grant_access(page: Page, party: RelyingParty, site: str, client: Client, **params: str) -> str:
    """Start a flow with prompt=consent in a signed-in PAGE and grant; the flow's state."""
    state = start_flow(page, party, site, client, prompt="consent", **params)
    answer_consent(page, client)
    expect_signed_in(page, client)
    return state


def authorize_pages(page: Page) -> list[int]:
    """The statuses of the authorize responses PAGE gets from now on (a list that grows)."""
    statuses: list[int] = []

    def record(response: Response) -> None:
        if response.url.split("?")[0].endswith(AUTHORIZE):
            statuses.append(response.status)

    page.on("response", record)
    return statuses


def revoke_access(page: Page, profile: str, client: Client) -> None:
    """At PROFILE, press Revoke Access in CLIENT's row of Authorized Applications."""
    page.goto(profile)
    block = page.get_by_role("region", name="Authorized Applications")
    row = block.get_by_role("row").filter(has_text=client.app.name)
    row.get_by_role("button", name="Revoke Access").click()
    expect(page.get_by_role("status")).to_have_text(REVOKED)
    expect(block.get_by_role("row").filter(has_text=client.app.name)).to_have_count(0)
