"""docs/examples/flask_login_with_oauthapp.py, run as its readers run it, logs a user in and out.

The example is started as a process of its own, configured by the environment variables it
documents, with an application made by the CLI as docs/api.md shows; Chromium does the user's
part. One site, one example process and one browser tab serve the module; the tests run in order
(logged in, then logged out) and each says what it needs first.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from oauthapp.settings import ROOT
from tests.e2e import world
from tests.e2e.browser import expect, keep_evidence, open_context
from tests.e2e.oidc_clients import code_application, log_in_and_grant, login_heading
from tests.e2e.sites import Site, run_site
from tests.server import SQLITE_PASS_ONLY, free_port, serve_command

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page

pytestmark = SQLITE_PASS_ONLY

EXAMPLE = ROOT / "docs" / "examples" / "flask_login_with_oauthapp.py"
APPLICATION = "Example shop"


@dataclass(frozen=True)
class Example:
    base: str
    log: Path


@pytest.fixture(scope="module")
def site(
    browser: Browser, seeded: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    with run_site(seeded, tmp_path_factory.mktemp("flask-example-site")) as site:
        yield site


@pytest.fixture(scope="module")
def example(site: Site, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Example]:
    """The example on a free port, registered with its /callback and / as redirect URLs."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    client_id, secret = code_application(site, APPLICATION, f"{base}/callback", f"{base}/")
    env = {**os.environ, "OAUTHAPP_ISSUER": site.base, "OAUTHAPP_CLIENT_ID": client_id,
           "OAUTHAPP_CLIENT_SECRET": secret, "PORT": str(port)}  # fmt: skip
    log = tmp_path_factory.mktemp("flask-example") / "example.log"
    with serve_command([sys.executable, str(EXAMPLE)], env, log, f"{base}/"):
        yield Example(base, log)


@pytest.fixture(scope="module")
def tab(browser: Browser, example: Example) -> Iterator[Page]:
    context = open_context(browser, example.base)
    yield context.new_page()
    context.close()


@pytest.fixture
def user_page(tab: Page, example: Example, request: pytest.FixtureRequest, tmp_path: Path) -> Page:
    """The user's tab, shown (with the example's log) in the report of a test that fails."""
    keep_evidence(request, tmp_path, tab, example.log)
    return tab


def claim(page: Page, name: str) -> Locator:
    """The value the example's claims table shows for NAME."""
    return (
        page.get_by_role("row")
        .filter(has=page.get_by_role("rowheader", name=name, exact=True))
        .locator("td")
    )


def log_in(page: Page) -> None:
    page.goto("/")
    page.get_by_role("link", name="Log in with oauthapp").click()
    log_in_and_grant(page, APPLICATION)


def test_the_example_logs_the_user_in_and_shows_their_claims(user_page: Page) -> None:
    log_in(user_page)
    table = user_page.get_by_role("table", name="What oauthapp told us about you")
    expect(table).to_be_visible()
    expect(claim(user_page, "preferred_username")).to_have_text(world.OWNER)
    expect(claim(user_page, "email")).to_have_text(world.USERS[world.OWNER][0])
    expect(claim(user_page, "sub")).not_to_be_empty()


def test_the_example_logs_out_through_the_end_session_endpoint(user_page: Page) -> None:
    """After the example's Log out, the site asks the user to log in again."""
    if not user_page.get_by_role("button", name="Log out").count():
        log_in(user_page)
    user_page.get_by_role("button", name="Log out").click()
    expect(user_page.get_by_role("status")).to_have_text("You have been logged out.")
    user_page.get_by_role("link", name="Log in with oauthapp").click()
    expect(login_heading(user_page)).to_be_visible()
