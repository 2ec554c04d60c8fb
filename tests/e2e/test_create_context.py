"""The create form in Chromium: an organization whose Users list is empty explains itself, and
Add Application on a user's page leads back there, its breadcrumbs naming the page."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from tests.e2e import world
from tests.e2e.axe import blocking_violations
from tests.e2e.backoffice import confirm, open_create_form, open_menu, press_create
from tests.e2e.browser import expect
from tests.server import SQLITE_PASS_ONLY

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

pytestmark = SQLITE_PASS_ONLY

# Northwind Traders has users but no customer user (tests/e2e/world.py).
NO_CUSTOMERS = (
    f"{world.OTHER_ORG} has no customer users yet, so nobody can own a Client Credentials "
    "application there."
)
WHAT_TO_DO = "choose the Authorization Code or Password grant, which needs no owner"


def assert_accessible(page: Page, axe_source: str) -> None:
    page.wait_for_load_state()
    violations = blocking_violations(page, axe_source)
    assert not violations, f"{page.url}:\n" + "\n".join(violations)


def breadcrumbs(page: Page) -> Locator:
    return page.get_by_role("navigation", name="Breadcrumbs")


def ending_with(*steps: str) -> re.Pattern[str]:
    """Breadcrumbs whose last steps are STEPS."""
    separator = r"\s+"  # the separator between steps is drawn by the style sheet, not in the text
    return re.compile(separator.join(re.escape(step) for step in steps) + r"\s*$")


def test_an_organization_without_customer_users_explains_its_empty_users_list(
    admin_page: Page, axe_source: str
) -> None:
    page = admin_page
    open_create_form(page, storefront=True)
    page.get_by_role("radio", name="Client Credentials").check()
    hint = page.locator("#owner-empty")
    expect(hint).to_be_hidden()  # Acme Retail, shown first, has a customer user

    page.get_by_label("Organization").select_option(label=world.OTHER_ORG)
    users = page.get_by_label("Users")
    expect(users.locator("option:not([hidden])")).to_have_text(["Choose a customer user…"])
    expect(hint).to_be_visible()
    expect(hint).to_contain_text(NO_CUSTOMERS)
    expect(hint).to_contain_text(WHAT_TO_DO)
    expect(users).to_have_accessible_description(re.compile(re.escape(NO_CUSTOMERS)))
    expect(users).to_have_attribute("aria-required", "true")
    assert_accessible(page, axe_source)

    page.get_by_label("Application Name").fill("Nobody owns this")
    page.get_by_role("button", name="Create", exact=True).click()
    expect(page.locator("#owner-errors")).to_contain_text(NO_CUSTOMERS)
    expect(page.get_by_text("This value should not be blank.")).to_have_count(0)
    expect(page.get_by_label("Organization")).to_have_value(re.compile(r"\d+"))
    expect(hint).to_be_visible()
    assert_accessible(page, axe_source)

    page.get_by_label("Organization").select_option(label=world.ORG)  # back to one with owners
    expect(hint).to_be_hidden()


def test_done_after_add_application_returns_to_the_users_page(
    admin_page: Page, axe_source: str
) -> None:
    page, name = admin_page, "Olivia's context check"
    open_menu(page, "System", "Users")
    page.get_by_role("link", name=world.OWNER, exact=True).click()
    expect(page.get_by_role("heading", name=world.OWNER, level=1)).to_be_visible()
    user_page = page.url
    page.get_by_role("link", name="Add Application").click()

    expect(breadcrumbs(page)).to_have_text(
        ending_with("Users", world.OWNER, "Create OAuth Application")
    )
    assert_accessible(page, axe_source)
    page.get_by_label("Application Name").fill(name)
    press_create(page)

    trail = breadcrumbs(page)
    expect(trail).to_have_text(ending_with("Users", world.OWNER, name))
    expect(trail.get_by_role("link", name=world.OWNER, exact=True)).to_have_attribute(
        "href", urlsplit(user_page).path
    )
    assert_accessible(page, axe_source)
    page.get_by_role("link", name="Done").click()

    expect(page).to_have_url(user_page)
    expect(page.get_by_role("heading", name=world.OWNER, level=1)).to_be_visible()
    block = page.get_by_role("region", name="OAuth Applications")
    row = block.get_by_role("row").filter(has_text=name)
    expect(row).to_have_count(1)

    row.get_by_label(f"More Options for {name}").click()
    assert_accessible(page, axe_source)
    row.get_by_role("link", name="Deactivate").click()
    confirm(page, "Deactivate")
    expect(page).to_have_url(user_page)
    expect(page.get_by_role("status")).to_have_text(f"Deactivated successfully: {name}")
    expect(block.get_by_role("row").filter(has_text=name)).to_contain_text("Inactive")
