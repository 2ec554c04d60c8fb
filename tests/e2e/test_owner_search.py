"""The create form's Users search in Chromium: typed suggestions with the script, a plain search
without it, and the chosen account owning the new application either way."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from tests.e2e import world
from tests.e2e.backoffice import (
    api_me,
    fetch_token,
    open_create_form,
    press_create,
    row_of,
)
from tests.e2e.browser import NewPage, expect
from tests.e2e.sites import Site
from tests.server import SQLITE_PASS_ONLY

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

pytestmark = SQLITE_PASS_ONLY

USERS_SEARCH = "Search by username or email"
CUSTOMERS_SEARCH = "Search by name or email"


def chosen_owner(page: Page) -> Locator:
    """The option the Users list has selected."""
    return page.get_by_label("Users").locator("option:checked")


def test_typing_offers_matching_users_and_the_one_chosen_owns_the_application(
    admin_page: Page, backoffice_site: Site
) -> None:
    page, name = admin_page, "Chosen by typing"
    open_create_form(page)
    page.get_by_label("Organization").select_option(label=world.ORG)
    page.get_by_label("Application Name").fill(name)
    page.get_by_role("radio", name="Client Credentials").check()

    search = page.get_by_role("combobox", name=USERS_SEARCH)
    search.press_sequentially("OLI")
    suggestions = page.get_by_role("listbox", name="Suggestions")
    expect(suggestions.get_by_role("option")).to_have_text([re.compile(rf"^{world.OWNER}\b")])
    expect(search).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#owner-search-status")).to_have_text(
        "1 match: use the arrow keys to choose."
    )
    search.press("ArrowDown")
    expect(suggestions.get_by_role("option").first).to_have_attribute("aria-selected", "true")
    search.press("Enter")  # chooses; it sends no form

    expect(suggestions).to_be_hidden()
    expect(search).to_have_value(world.OWNER)
    expect(chosen_owner(page)).to_have_text(world.OWNER)
    expect(page).to_have_url(re.compile(r"/admin/oauth2/create$"))
    client_id, client_secret = press_create(page)

    token = fetch_token(backoffice_site.base, client_id, client_secret)
    assert api_me(backoffice_site.base, token).json()["username"] == world.OWNER
    page.goto(f"/admin/oauth2/?name={name}")
    expect(row_of(page, name)).to_contain_text(world.OWNER)


def test_a_search_finds_only_the_chosen_organizations_users_and_says_when_none_match(
    admin_page: Page,
) -> None:
    page = admin_page
    open_create_form(page)
    page.get_by_label("Organization").select_option(label=world.OTHER_ORG)
    search = page.get_by_role("combobox", name=USERS_SEARCH)

    search.fill(world.OWNER)  # olivia is a user of Acme Retail, not of Northwind Traders
    expect(page.locator("#owner-search-status")).to_have_text(f"No match for “{world.OWNER}”.")
    expect(page.get_by_role("listbox", name="Suggestions")).to_be_hidden()

    search.fill("")
    search.press_sequentially(world.OTHER_OWNER[:2])
    suggestions = page.get_by_role("listbox", name="Suggestions")
    expect(suggestions.get_by_role("option")).to_have_text([re.compile(rf"^{world.OTHER_OWNER}\b")])
    # The Users list itself holds the organization's users only.
    expect(page.get_by_label("Users").locator("option:not([value=''])")).to_have_text(
        [world.OTHER_OWNER]
    )


def test_a_customer_user_is_chosen_with_the_mouse(admin_page: Page) -> None:
    page, name = admin_page, "Chosen with the mouse"
    open_create_form(page, storefront=True)
    page.get_by_label("Organization").select_option(label=world.ORG)
    page.get_by_label("Application Name").fill(name)
    page.get_by_role("radio", name="Client Credentials").check()

    page.get_by_role("combobox", name=CUSTOMERS_SEARCH).press_sequentially("carla")
    suggestions = page.get_by_role("listbox", name="Suggestions")
    suggestions.get_by_role("option", name=f"{world.CUSTOMER_NAME} {world.CUSTOMER}").click()

    expect(chosen_owner(page)).to_have_text(world.CUSTOMER_NAME)
    expect(page.locator("#owner-search-status")).to_have_text(
        f"{world.CUSTOMER_NAME} is chosen in Users."
    )
    press_create(page)
    page.goto(f"/admin/oauth2/frontend?name={name}")
    expect(row_of(page, name)).to_contain_text(world.CUSTOMER_NAME)


def test_without_javascript_a_plain_search_narrows_the_users_list(
    new_page: NewPage, backoffice_site: Site, admin_state: Any
) -> None:
    page, name = (
        new_page(
            backoffice_site.base,
            server_log=backoffice_site.log,
            storage_state=admin_state,
            java_script_enabled=False,
        ),
        "Chosen without a script",
    )
    page.goto("/admin/oauth2/create")
    search = page.get_by_role("searchbox", name=USERS_SEARCH)
    search.fill("OLI")
    search.press("Enter")  # the search form's GET, not the create form's POST

    expect(page).to_have_url(re.compile(r"/admin/oauth2/create\?owner_q=OLI$"))
    expect(page.get_by_role("searchbox", name=USERS_SEARCH)).to_have_value("OLI")
    expect(page.get_by_text("1 user matches “OLI”.")).to_be_visible()
    users = page.get_by_label("Users")
    expect(users.locator("option")).to_have_text(["Choose a user…", world.OWNER])

    page.get_by_label("Organization").select_option(label=world.ORG)
    page.get_by_label("Application Name").fill(name)
    page.get_by_role("radio", name="Client Credentials").check()
    users.select_option(label=world.OWNER)
    press_create(page)
    page.goto(f"/admin/oauth2/?name={name}")
    expect(row_of(page, name)).to_contain_text(world.OWNER)
