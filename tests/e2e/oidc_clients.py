"""OpenID Connect relying parties against a site: their applications, and the user's part.

The relying parties are real programs in processes of their own (openid-client in Node, the
Flask example of docs/examples/); each gets an authorization-code application made with the CLI,
as an operator would. The browser does what the user does: log in on the page the flow leads to,
and press Grant.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from tests.e2e import world
from tests.e2e.browser import expect
from tests.server import flask_ok

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

    from tests.e2e.sites import Site

SCOPE = "openid profile email"


def code_application(
    site: Site, name: str, *redirect_uris: str, storefront: bool = False, public: bool = False
) -> tuple[str, str | None]:
    """A code application of world.ORG (confidential and back-office unless told); its Client ID
    and Client Secret (None for a public client)."""
    redirects = [arg for uri in redirect_uris for arg in ("--redirect-uri", uri)]
    flags = ["--storefront"] * storefront + ["--public"] * public
    output = flask_ok(site.env, "oauth", "create-app", "--org", world.ORG, "--name", name,
                      "--grant", "authorization_code", *redirects, *flags, "--json")  # fmt: skip
    created = json.loads(output)
    return created["client_id"], created["client_secret"]


def login_heading(page: Page) -> Locator:
    return page.get_by_role("heading", name="Log in", exact=True)


def sign_in_heading(page: Page) -> Locator:
    """The heading of the storefront's sign-in page, where customer users sign in."""
    return page.get_by_role("heading", name="Sign In", exact=True)


def log_in_and_grant(page: Page, application: str, username: str = world.OWNER) -> None:
    """On the site's login page the flow led to, log in as USERNAME; then grant APPLICATION."""
    expect(login_heading(page)).to_be_visible()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(world.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    grant(page, application)


def sign_in_and_grant(page: Page, application: str, email: str = world.CUSTOMER) -> None:
    """On the storefront's sign-in page, sign in as the customer EMAIL; then grant APPLICATION."""
    expect(sign_in_heading(page)).to_be_visible()
    page.get_by_label("Email Address").fill(email)
    page.get_by_label("Password").fill(world.PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    grant(page, application)


def grant(page: Page, application: str) -> None:
    """On the consent page for APPLICATION, press Grant."""
    consent = f"\u2018{application}\u2019 wants to access your account."
    expect(page.get_by_role("heading", name=consent)).to_be_visible()
    page.get_by_role("button", name="Grant", exact=True).click()
