"""The back-office's layout in Chromium: menus shown whole, and a phone-sized screen that works.

The flows are in test_backoffice_flows; here, what the page looks like at desktop and phone
sizes, measured in the browser (boxes that cut a menu off, a page wider than the screen).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest

from tests.e2e import world
from tests.e2e.backoffice import (
    CREATED,
    fill_create_form,
    grid_names,
    open_create_form,
    press_create,
    row_of,
)
from tests.e2e.browser import NewPage, expect, open_context
from tests.e2e.sites import Site
from tests.server import SQLITE_PASS_ONLY

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page

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


# Long names and phones (issue 23): no page wider than the screen, whatever the names.
LONG_NAME = ("Averylongapplicationnamewithoutanyspaces" * 7)[:255]
PHONE_390 = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def long_named(browser: Browser, backoffice_site: Site, admin_state: Any) -> str:
    """The view page's path of an application of the administrator's with a 255-character name
    without spaces (made once for the module's tests)."""
    context = open_context(browser, backoffice_site.base, storage_state=admin_state)
    try:
        page = context.new_page()
        page.goto("/admin/oauth2/create")
        fill_create_form(
            page, LONG_NAME, "Client Credentials", organization=world.GLOBAL_ORG, owner=world.ADMIN
        )
        press_create(page)
        page.goto(f"/admin/oauth2/?name={LONG_NAME}")
        page.get_by_role("link", name=LONG_NAME, exact=True).click()
        expect(page.get_by_role("heading", name=LONG_NAME)).to_be_visible()
        return urlsplit(page.url).path
    finally:
        context.close()


def expect_cut_with_title(locator: Locator) -> None:
    """LOCATOR shows the long name cut with "…", and the whole name on hover (its title, or
    its table cell's)."""
    shown = locator.evaluate(
        """e => [e.closest("[title]")?.title, e.scrollWidth > e.clientWidth,
                 getComputedStyle(e).textOverflow]"""
    )
    assert shown == [LONG_NAME, True, "ellipsis"]


def test_a_long_name_fits_the_desktop_pages(admin_page: Page, long_named: str) -> None:
    page = admin_page
    page.goto("/admin/oauth2/")
    expect_cut_with_title(page.get_by_role("link", name=LONG_NAME, exact=True))
    assert page_width(page) == DESKTOP["width"]

    page.goto(long_named)
    heading = page.get_by_role("heading", name=LONG_NAME)
    assert heading.evaluate("e => e.getClientRects().length && e.offsetHeight > 60")  # wraps
    expect(page.get_by_role("definition").filter(has_text=LONG_NAME)).to_be_visible()
    expect_cut_with_title(
        page.get_by_role("navigation", name="Breadcrumbs").locator("[aria-current=page]")
    )
    assert page_width(page) == DESKTOP["width"]

    for path in (f"{long_named}/edit", f"{long_named}/delete", "/admin/profile"):
        page.goto(path)
        assert page_width(page) == DESKTOP["width"], path
    applications = page.get_by_role("region", name="OAuth Applications")
    expect_cut_with_title(applications.get_by_role("link", name=LONG_NAME, exact=True))


def phone_pages(page: Page, long_named: str) -> list[str]:
    """Every page the menus lead to, My User, and the pages one step from them."""
    page.goto("/admin/")
    menu = page.locator("nav[aria-label=Main] a[href], .account a[href]").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )
    deeper: list[str] = []
    for listing in (
        "/admin/users",
        "/admin/customer-users",
        "/admin/email/templates",
        "/admin/email/notification-rules",
    ):
        page.goto(listing)
        deeper.append(page.locator("main table tbody a").first.get_attribute("href") or "")
    actions = ("/edit", "/deactivate", "/delete", "/regenerate-secret")
    return [
        "/admin/",
        *menu,
        *deeper,
        long_named,
        *(long_named + action for action in actions),
        "/admin/oauth2/create",
        "/admin/oauth2/frontend/create",
        "/admin/oauth2/2147483647",
    ]


def test_on_a_phone_no_page_scrolls_sideways(open_admin_page: Any, long_named: str) -> None:
    page = open_admin_page(PHONE_390)
    too_wide = []
    for path in phone_pages(page, long_named):
        page.goto(path)
        if page_width(page) != PHONE_390["width"]:
            too_wide.append(f"{path}: {page_width(page)} px")
    assert not too_wide, "wider than the phone's 390 px:\n" + "\n".join(too_wide)


def test_on_a_phone_tables_scroll_inside_their_card(open_admin_page: Any, long_named: str) -> None:
    page = open_admin_page(PHONE_390)
    page.goto("/admin/profile")
    applications = page.get_by_role("region", name="OAuth Applications")
    box = applications.locator(".table-scroll")
    assert box.evaluate("e => getComputedStyle(e).overflowX") == "auto"
    assert box.evaluate("e => e.scrollWidth > e.clientWidth")  # keeps its columns, scrolls
    for client_id in applications.locator("code").all():  # one line each, not eight
        assert client_id.evaluate("e => e.getClientRects().length") == 1
    active = applications.get_by_role("columnheader", name="Active")
    active.scroll_into_view_if_needed()
    expect(active).to_be_in_viewport()
    assert page_width(page) == PHONE_390["width"]


def test_on_a_phone_the_row_menu_is_a_touch_target(open_admin_page: Any) -> None:
    page = open_admin_page(PHONE_390)
    page.goto("/admin/oauth2/")
    button = page.get_by_label(f"More Options for {world.MOBILE_APP.name}")
    size = button.bounding_box()
    assert size is not None and size["width"] >= 44 and size["height"] >= 44, size


def test_on_a_phone_the_grid_is_sorted_with_a_form(open_admin_page: Any) -> None:
    page = open_admin_page(PHONE_390)
    page.goto("/admin/oauth2/?status=active")
    ascending = grid_names(page)
    page.get_by_label("Sort by").select_option(label="Application Name")
    page.get_by_label("Order").select_option(label="Descending")
    page.get_by_role("button", name="Sort", exact=True).click()
    expect(page).to_have_url(re.compile(r"dir=desc"))
    assert "status=active" in page.url  # the filters stay
    assert grid_names(page) == ascending[::-1] and len(ascending) > 1


def test_on_a_desktop_the_grid_sorts_by_its_headers(admin_page: Page) -> None:
    admin_page.goto("/admin/oauth2/")
    expect(admin_page.get_by_label("Sort by")).to_be_hidden()
    expect(admin_page.get_by_role("columnheader", name="Application Name")).to_be_visible()
