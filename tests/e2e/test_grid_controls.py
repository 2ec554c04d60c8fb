"""The grid's controls in Chromium: the pager that stays put, its Page box, and the feedback after
an action (the flash naming the application, its row marked).

The pager runs on a site of its own, holding enough applications for ten pages: the shared
site's grid must keep showing the seeded applications on its first page.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from oauthapp.settings import ROOT
from tests.e2e import world
from tests.e2e.backoffice import (
    confirm,
    fill_create_form,
    log_in,
    more_options,
    open_create_form,
    press_create,
    row_of,
)
from tests.e2e.browser import NewPage, expect
from tests.e2e.sites import Site, run_site
from tests.e2e.test_accessibility import assert_accessible
from tests.server import CLI_TIMEOUT, SQLITE_PASS_ONLY

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page

pytestmark = SQLITE_PASS_ONLY

PAGED = 95  # applications named "Paged 01" to "Paged 95": ten pages of ten
ADD_PAGED = """
import sys
from sqlalchemy import select
from app import app
from oauthapp.applications.service import create_application
from oauthapp.extensions import db
from oauthapp.models import Grant, Kind, Organization
with app.app_context():
    org = db.session.scalar(select(Organization).filter_by(name=sys.argv[1]))
    for number in range(1, int(sys.argv[2]) + 1):
        create_application(org, f"Paged {number:02}", Grant.PASSWORD, Kind.BACKOFFICE)
"""  # run in the site's environment, with the organization's name and how many
HIGHLIGHT = "rgb(255, 248, 225)"  # the background of a changed row's cells


@pytest.fixture(scope="module")
def paged_site(
    browser: Browser, seeded: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    with run_site(seeded, tmp_path_factory.mktemp("paged")) as site:
        subprocess.run(
            [sys.executable, "-c", ADD_PAGED, world.ORG, str(PAGED)],
            cwd=ROOT, env=site.env, check=True, timeout=CLI_TIMEOUT, capture_output=True,
        )  # fmt: skip
        yield site


def boxes(page: Page) -> dict[str, object]:
    """Where each fixed part of the pager is on the screen."""
    pager = page.get_by_role("navigation", name="Pages")
    parts: dict[str, Locator] = {
        "pager": pager,
        "previous": pager.get_by_text("Previous", exact=True),
        "next": pager.get_by_text("Next", exact=True),
        "page box": pager.get_by_label("Page", exact=True),
        "go": pager.get_by_role("button", name="Go"),
    }
    return {name: part.bounding_box() for name, part in parts.items()}


def current_page(page: Page) -> str:
    pager = page.get_by_role("navigation", name="Pages")
    return " ".join((pager.locator("[aria-current=page]").text_content() or "").split())


def test_the_pager_stays_in_place_from_page_to_page(
    new_page: NewPage, paged_site: Site, axe_source: str
) -> None:
    page = new_page(paged_site.base, server_log=paged_site.log)
    log_in(page)
    page.goto("/admin/oauth2/?name=Paged&per_page=10")
    pager = page.get_by_role("navigation", name="Pages")
    first = boxes(page)
    expect(pager.get_by_role("link", name="Page 10")).to_be_visible()
    expect(pager.get_by_text("…")).to_have_count(1)

    pager.get_by_role("link", name="Next").click()
    expect(page).to_have_url(re.compile(r"page=2"))
    assert boxes(page) == first
    pager.get_by_role("link", name="Page 5").click()
    expect(page).to_have_url(re.compile(r"page=5"))
    expect(pager.get_by_text("…")).to_have_count(2)  # 1 … 4 5 6 … 10
    assert boxes(page) == first
    assert_accessible(page, axe_source)
    pager.get_by_role("link", name="Page 10").click()
    assert current_page(page) == "Page 10"
    assert boxes(page) == first
    assert page.locator("#applications-grid tbody tr").count() == 5


def test_the_page_box_goes_to_the_page_typed_keeping_the_filters(
    new_page: NewPage, paged_site: Site
) -> None:
    page = new_page(paged_site.base, server_log=paged_site.log)
    log_in(page)
    page.goto("/admin/oauth2/?name=Paged&per_page=10&sort=created&dir=desc")
    box = page.get_by_role("navigation", name="Pages").get_by_label("Page", exact=True)
    expect(box).to_have_value("1")

    box.fill("6")
    box.press("Enter")

    expect(page).to_have_url(re.compile(r"page=6"))
    for kept in ("name=Paged", "per_page=10", "sort=created", "dir=desc"):
        assert kept in page.url, page.url
    assert current_page(page) == "Page 6"
    names = page.locator("#applications-grid tbody td:first-child a").all_inner_texts()
    assert names == [f"Paged {number:02}" for number in range(45, 35, -1)]

    box = page.get_by_role("navigation", name="Pages").get_by_label("Page", exact=True)
    box.fill("3")
    page.get_by_role("button", name="Go").click()
    expect(page).to_have_url(re.compile(r"page=3"))


def test_deactivating_names_the_application_and_marks_its_row(
    admin_page: Page, axe_source: str
) -> None:
    page, name = admin_page, "Marked after deactivating"
    open_create_form(page)
    fill_create_form(page, name, "Password")
    press_create(page)
    page.goto("/admin/oauth2/?per_page=100")

    more_options(page, name, "Deactivate")
    confirm(page, "Deactivate")

    expect(page.get_by_role("status")).to_have_text(f"Deactivated successfully: {name}")
    row = row_of(page, name)
    expect(row).to_have_attribute("aria-current", "true")
    expect(row).to_contain_text("(changed)")
    assert row.locator("td").first.evaluate("e => getComputedStyle(e).backgroundColor") == HIGHLIGHT
    other = row_of(page, world.MOBILE_APP.name)
    expect(other).not_to_have_attribute("aria-current", "true")
    assert other.locator("td").first.evaluate("e => getComputedStyle(e).backgroundColor") != (
        HIGHLIGHT
    )

    assert_accessible(page, axe_source)

    page.reload()  # the mark is for the page that follows the action, once
    expect(row_of(page, name)).not_to_have_attribute("aria-current", "true")
    expect(page.get_by_role("status")).to_have_count(0)


def test_a_long_name_in_the_flash_is_cut_not_wrapped(new_page: NewPage, paged_site: Site) -> None:
    page = new_page(
        paged_site.base, server_log=paged_site.log, viewport={"width": 390, "height": 844}
    )
    log_in(page)
    name = "Long" + "x" * 251
    page.goto("/admin/oauth2/create")
    fill_create_form(page, name, "Password")
    press_create(page)

    flash = page.get_by_role("status").filter(has_text="OAuth application has been created: ")
    shown = flash.evaluate(
        """e => [e.querySelector(".cut").title, e.scrollWidth > e.clientWidth,
                 getComputedStyle(e).textOverflow, e.getClientRects()[0].height < 60]"""
    )
    assert shown == [name, True, "ellipsis", True]  # one line, the whole name on hover
    assert page.evaluate("document.documentElement.scrollWidth") == 390
