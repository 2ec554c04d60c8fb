"""A server started without signing keys: every page says so, and nothing can be created.

Its own site (a copy of the seeded one without the key pair), for one test: once the operator
generates the keys, the same running server offers creation again.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import requests

from oauthapp.keys import KEYS_MISSING_WARNING
from tests.e2e import world
from tests.e2e.axe import blocking_violations
from tests.e2e.backoffice import TIMEOUT, log_in
from tests.e2e.browser import NewPage, expect
from tests.e2e.sites import Site, run_site
from tests.server import SQLITE_PASS_ONLY, flask_ok

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = SQLITE_PASS_ONLY


@pytest.fixture
def keyless_site(
    browser: Browser, seeded: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    with run_site(seeded, tmp_path_factory.mktemp("keyless"), keys=False) as site:
        yield site


@pytest.fixture
def keyless_page(new_page: NewPage, keyless_site: Site) -> Page:
    page = new_page(keyless_site.base, server_log=keyless_site.log)
    log_in(page)
    return page


def warning(page: Page) -> Any:
    return page.get_by_role("alert").filter(has_text=KEYS_MISSING_WARNING)


def test_without_keys_pages_warn_and_refuse_creation_until_the_operator_makes_keys(
    keyless_page: Page, keyless_site: Site, axe_source: str
) -> None:
    page = keyless_page
    expect(warning(page)).to_be_visible()  # the home page, right after logging in

    page.goto("/admin/oauth2/")
    expect(warning(page)).to_be_visible()
    expect(page.get_by_role("button", name="Create OAuth Application")).to_be_disabled()
    assert not blocking_violations(page, axe_source)

    page.goto("/admin/oauth2/create")  # typed in by hand
    expect(warning(page)).to_be_visible()
    expect(page.get_by_role("button", name="Create", exact=True)).to_be_disabled()

    page.goto("/admin/profile")
    expect(warning(page)).to_be_visible()
    expect(page.get_by_role("button", name="Add Application")).to_be_disabled()

    token = requests.post(
        f"{keyless_site.base}/oauth2-token",
        data={"grant_type": "client_credentials"},
        auth=("any-client", "any-secret"),
        timeout=TIMEOUT,
    )
    assert token.status_code == 503
    assert token.json()["error"] == "temporarily_unavailable"
    assert token.json()["error_description"] == KEYS_MISSING_WARNING

    # The operator generates the keys; the running server sees them at the next page.
    page.goto("/admin/oauth2/")
    flask_ok(keyless_site.env, "oauth", "generate-keys")
    page.reload()
    expect(warning(page)).to_have_count(0)
    page.get_by_role("link", name="Create OAuth Application").click()
    page.get_by_label("Organization").select_option(label=world.ORG)
    page.get_by_label("Application Name").fill("Made once the keys were there")
    page.get_by_role("radio", name="Password").check()
    page.get_by_role("button", name="Create", exact=True).click()
    expect(page.get_by_label("Client Secret", exact=True)).to_be_visible()
