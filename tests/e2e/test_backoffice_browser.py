"""The back-office's layout in Chromium: menus shown whole, and a phone-sized screen that works.

The flows are in test_backoffice_flows; here, what the page looks like at desktop and phone
sizes, measured in the browser (boxes that cut a menu off, a page wider than the screen).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from tests.e2e import world
from tests.e2e.backoffice import CREATED, open_create_form, row_of
from tests.e2e.browser import NewPage, expect
from tests.e2e.sites import Site
from tests.server import SQLITE_PASS_ONLY

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

pytestmark = SQLITE_PASS_ONLY

DESKTOP = {"width": 1280, "height": 720}
PHONE = {"width": 375, "height": 700}


@pytest.fixture
def open_admin_page(new_page: NewPage, backoffice_site: Site, admin_state: Any) -> Any:
    """Open a tab of VIEWPORT's size with the administrator logged in."""

    def open_page(viewport: dict[str, int]) -> Page:
        return new_page(
            backoffice_site.base,
            server_log=backoffice_site.log,
            storage_state=admin_state,
            viewport=viewport,
        )

    return open_page


def cut_off_by(locator: Locator) -> str:
    """The box (with overflow: auto, hidden…) that hides part of LOCATOR, or "" if none does."""
    box: str = locator.evaluate(CUT_OFF_BY)
    return box


CUT_OFF_BY = """element => {
  const own = element.getBoundingClientRect();
  for (let box = element.parentElement; box && box !== document.body; box = box.parentElement) {
    const style = getComputedStyle(box);
    if (style.overflowX === "visible" && style.overflowY === "visible") continue;
    const edge = box.getBoundingClientRect();
    if (own.left < edge.left - 1 || own.right > edge.right + 1
        || own.top < edge.top - 1 || own.bottom > edge.bottom + 1) {
      return box.tagName.toLowerCase() + (box.className ? "." + box.className : "");
    }
  }
  return "";
}"""


def page_width(page: Page) -> int:
    width: int = page.evaluate("document.documentElement.scrollWidth")
    return width


@pytest.mark.parametrize(
    "viewport", [pytest.param(DESKTOP, id="desktop"), pytest.param(PHONE, id="phone")]
)
def test_the_more_options_menu_shows_its_entries_whole(
    open_admin_page: Any, viewport: dict[str, int]
) -> None:
    page, name = open_admin_page(viewport), world.MOBILE_APP.name
    page.goto(f"/admin/oauth2/?name={name}")  # one row: nothing below it for the menu
    row_of(page, name).hover()
    page.mouse.wheel(2000, 0)  # swipe the table to its last column, where the menu is
    page.get_by_label(f"More Options for {name}").click()
    for entry in ("View", "Edit", "Deactivate", "Delete"):
        link = row_of(page, name).get_by_role("link", name=entry, exact=True)
        expect(link).to_be_visible()
        assert cut_off_by(link) == "", f"{entry} is cut off by the box {cut_off_by(link)}"


def test_on_a_phone_the_grid_fits_the_screen(open_admin_page: Any) -> None:
    page = open_admin_page(PHONE)
    page.goto("/admin/oauth2/")
    expect(row_of(page, world.MOBILE_APP.name)).to_be_visible()
    assert page_width(page) <= PHONE["width"] + 1


def test_on_a_phone_the_create_form_can_be_used(open_admin_page: Any) -> None:
    page = open_admin_page(PHONE)
    page.goto("/admin/")
    open_create_form(page)
    assert page_width(page) <= PHONE["width"] + 1

    page.get_by_label("Organization").select_option(label=world.ORG)
    page.get_by_role("radio", name="Password").check()
    expect(page.get_by_label("Users")).to_be_hidden()
    page.get_by_role("button", name="Create", exact=True).click()
    name = page.get_by_label("Application Name")
    expect(name).to_have_accessible_description("This value should not be blank.")
    expect(page.get_by_role("radio", name="Password")).to_be_checked()
    assert page_width(page) <= PHONE["width"] + 1

    name.fill("Made on a phone")
    page.get_by_role("button", name="Create", exact=True).click()
    expect(page.get_by_text(CREATED)).to_be_visible()
    expect(page.get_by_label("Client Secret", exact=True)).to_be_in_viewport()
    expect(page.get_by_role("button", name="Copy Client Secret")).to_be_in_viewport()
    assert page_width(page) <= PHONE["width"] + 1
