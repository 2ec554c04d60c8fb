"""axe-core on every back-office page: no serious or critical accessibility violations.

Each case reaches its page the way a user does (menus, links, a submitted form) and checks it as
shown, menus and error messages included. Minor and moderate findings are not failures.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

from tests.e2e import world
from tests.e2e.authorization import (
    answer_consent,
    consent_heading,
    expect_signed_in,
    grant_access,
    sign_in_customer,
    start_flow,
)
from tests.e2e.axe import blocking_violations
from tests.e2e.backoffice import fill_create_form, log_in, press_create, row_of
from tests.e2e.browser import NewPage, expect
from tests.e2e.relying_party import Client, RelyingParty
from tests.e2e.sites import Site
from tests.server import SQLITE_PASS_ONLY

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = SQLITE_PASS_ONLY

PHONE = {"width": 375, "height": 700}
Visit = Callable[["Page"], None]


def goto(path: str) -> Visit:
    def visit(page: Page) -> None:
        page.goto(path)

    return visit


def application_page(suffix: str = "", name: str = world.MOBILE_APP.name) -> Visit:
    """The view page of a seeded application (reached from the grid), plus SUFFIX."""

    def visit(page: Page) -> None:
        page.goto(f"/admin/oauth2/?name={name}")
        row_of(page, name).get_by_role("link", name=name, exact=True).click()
        expect(page.get_by_role("heading", name=name)).to_be_visible()
        if suffix:
            page.goto(page.url + suffix)

    return visit


def account_page(listing: str, name: str) -> Visit:
    def visit(page: Page) -> None:
        page.goto(listing)
        page.get_by_role("link", name=name, exact=True).click()

    return visit


def create_form_with_errors(page: Page) -> None:
    page.goto("/admin/oauth2/create")
    page.get_by_role("radio", name="Client Credentials").check()
    page.get_by_role("button", name="Create", exact=True).click()
    expect(page.get_by_text("This value should not be blank.").first).to_be_visible()


def authorization_code_form_with_errors(page: Page) -> None:
    page.goto("/admin/oauth2/create")
    fill_create_form(page, "Checked by axe, no redirect URL", "Authorization Code")
    page.get_by_role("button", name="Create", exact=True).click()
    expect(page.get_by_text("At least one redirect URL should be specified.")).to_be_visible()


def owner_suggestions_open(page: Page) -> None:
    page.goto("/admin/oauth2/create")
    page.get_by_label("Organization").select_option(label=world.ORG)
    search = page.get_by_role("combobox", name="Search by username or email")
    search.press_sequentially(world.OWNER[:2])
    suggestions = page.get_by_role("listbox", name="Suggestions")
    expect(suggestions.get_by_role("option").first).to_be_visible()
    search.press("ArrowDown")
    expect(suggestions.get_by_role("option").first).to_have_attribute("aria-selected", "true")


def one_time_secret(page: Page) -> None:
    page.goto("/admin/oauth2/create")
    fill_create_form(page, "Checked by axe", "Client Credentials", owner=world.OWNER)
    press_create(page)
    page.get_by_role("button", name="Copy Client Secret").click()


def one_time_secret_reloaded(page: Page) -> None:
    page.goto("/admin/oauth2/create")
    fill_create_form(page, "Checked by axe, reloaded", "Password")
    press_create(page)
    page.reload()
    expect(page.get_by_text("This secret is no longer shown.")).to_be_visible()


def management_api_block(page: Page) -> None:
    """A client-credentials application's view page, whose administrator may grant scopes."""
    application_page(name=world.REPORTING.name)(page)
    expect(page.get_by_role("heading", name="Management API")).to_be_visible()


def grid_with_menu_open(page: Page) -> None:
    page.goto("/admin/oauth2/")
    page.get_by_label(f"More Options for {world.MOBILE_APP.name}").click()


def customer_user_with_menu_open(page: Page) -> None:
    account_page("/admin/customer-users", world.CUSTOMER)(page)
    page.get_by_label(f"More Options for {world.CHECKOUT.name}").click()


def outbox_message(page: Page) -> None:
    """The first message of the outbox, unsent or sent; when no test of this world has mailed
    anyone yet, an application created for the owner mails them first."""
    for attempt in range(2):
        for status in ("unsent", "sent"):
            page.goto(f"/admin/email/outbox?status={status}")
            subjects = page.locator("main table tbody a[href*='/admin/email/outbox/']")
            if subjects.count():
                subjects.first.click()
                expect(page.get_by_text("Recipient", exact=True)).to_be_visible()
                return
        if attempt == 0:
            page.goto("/admin/oauth2/create")
            fill_create_form(page, f"Outbox sample {uuid.uuid4().hex[:8]}", "Client Credentials",
                             owner=world.OWNER)  # fmt: skip
            press_create(page)
    raise AssertionError("the outbox holds no message")


def top_menu_open(page: Page) -> None:
    page.goto("/admin/")
    page.get_by_role("navigation", name="Main").get_by_text("System", exact=True).click()


def template_preview(page: Page) -> None:
    page.goto("/admin/email/templates")
    page.get_by_role("link", name="English (en)").first.click()  # the back-office user's
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("heading", name="Preview with sample data")).to_be_visible()


def first_rule(page: Page) -> None:
    page.goto("/admin/email/notification-rules")
    page.locator("main table a").first.click()


ADMIN_PAGES: dict[str, Visit] = {
    "home": goto("/admin/"),
    "home, System menu open": top_menu_open,
    "my user": goto("/admin/profile"),
    "users": goto("/admin/users"),
    "user": account_page("/admin/users", world.OWNER),
    "customer users": goto("/admin/customer-users"),
    "customer user": account_page("/admin/customer-users", world.CUSTOMER),
    "customer user, More Options open": customer_user_with_menu_open,
    "grid": goto("/admin/oauth2/"),
    "grid, More Options open": grid_with_menu_open,
    "grid, filtered to nothing": goto("/admin/oauth2/?name=nothing+is+called+this"),
    "storefront grid": goto("/admin/oauth2/frontend"),
    "create form": goto("/admin/oauth2/create"),
    "create form with errors": create_form_with_errors,
    "create form, Authorization Code, with errors": authorization_code_form_with_errors,
    "storefront create form": goto("/admin/oauth2/frontend/create"),
    "create form, Users suggestions open": owner_suggestions_open,
    "create form, Users searched without a match": goto("/admin/oauth2/create?owner_q=nobody"),
    "one-time secret": one_time_secret,
    "one-time secret, reloaded": one_time_secret_reloaded,
    "view": application_page(),
    "view, with the Management API block": management_api_block,
    "edit": application_page("/edit"),
    "deactivate confirmation": application_page("/deactivate"),
    "delete confirmation": application_page("/delete"),
    "regenerate secret confirmation": application_page("/regenerate-secret"),
    "email templates": goto("/admin/email/templates"),
    "email template preview": template_preview,
    "notification rules": goto("/admin/email/notification-rules"),
    "notification rule": first_rule,
    "outbox": goto("/admin/email/outbox"),
    "outbox message": outbox_message,
    "log out": goto("/logout"),
    "not found": goto("/admin/oauth2/2147483647"),
}


def assert_accessible(page: Page, axe_source: str) -> None:
    page.wait_for_load_state()
    violations = blocking_violations(page, axe_source)
    assert not violations, f"{page.url}:\n" + "\n".join(violations)


@pytest.mark.parametrize("visit", ADMIN_PAGES.values(), ids=ADMIN_PAGES.keys())
def test_back_office_page_as_an_administrator(
    admin_page: Page, axe_source: str, visit: Visit
) -> None:
    visit(admin_page)
    assert_accessible(admin_page, axe_source)


def test_login_page(page: Page, axe_source: str) -> None:
    page.goto("/login")
    assert_accessible(page, axe_source)


def test_login_page_with_an_error(page: Page, axe_source: str) -> None:
    page.goto("/login")
    page.get_by_label("Username").fill("nobody-by-this-name")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_be_visible()
    assert_accessible(page, axe_source)


def test_forbidden_page_for_a_user(page: Page, axe_source: str) -> None:
    log_in(page, world.OWNER)
    response = page.goto("/admin/email/templates")
    assert response is not None and response.status == 403
    assert_accessible(page, axe_source)


PHONE_PAGES = (
    *("/admin/", "/admin/oauth2/", "/admin/oauth2/create", "/admin/profile"),
    *("/admin/users", "/admin/email/templates", "/admin/email/outbox"),
)


@pytest.mark.parametrize("path", PHONE_PAGES)
def test_phone_sized_page(
    new_page: NewPage, backoffice_site: Site, admin_state: object, axe_source: str, path: str
) -> None:
    page = new_page(
        backoffice_site.base,
        server_log=backoffice_site.log,
        storage_state=admin_state,
        viewport=PHONE,
    )
    page.goto(path)
    assert_accessible(page, axe_source)


def test_consent_page(
    admin_page: Page,
    relying_party: RelyingParty,
    clients: dict[str, Client],
    backoffice_site: Site,
    axe_source: str,
) -> None:
    client = clients[world.PARTNER_PORTAL.name]
    start_flow(admin_page, relying_party, backoffice_site.base, client, prompt="consent")
    expect(admin_page.get_by_role("heading", name=consent_heading(client.app.name))).to_be_visible()
    assert_accessible(admin_page, axe_source)


def test_my_user_with_an_authorized_application(
    admin_page: Page,
    relying_party: RelyingParty,
    clients: dict[str, Client],
    backoffice_site: Site,
    axe_source: str,
) -> None:
    client = clients[world.PARTNER_PORTAL.name]
    grant_access(admin_page, relying_party, backoffice_site.base, client)
    admin_page.goto("/admin/profile")
    authorized = admin_page.get_by_role("region", name="Authorized Applications")
    expect(authorized.get_by_role("button", name="Revoke Access").first).to_be_visible()
    assert_accessible(admin_page, axe_source)


def test_storefront_sign_in_page_for_an_application(
    page: Page,
    relying_party: RelyingParty,
    clients: dict[str, Client],
    backoffice_site: Site,
    axe_source: str,
) -> None:
    start_flow(page, relying_party, backoffice_site.base, clients[world.WEB_SHOP.name])
    expect(page.get_by_role("heading", name="Sign In")).to_be_visible()
    assert_accessible(page, axe_source)


def test_customer_profile_with_an_authorized_application(
    page: Page,
    relying_party: RelyingParty,
    clients: dict[str, Client],
    backoffice_site: Site,
    axe_source: str,
) -> None:
    client = clients[world.WEB_SHOP.name]
    start_flow(page, relying_party, backoffice_site.base, client, prompt="consent")
    sign_in_customer(page, client)
    answer_consent(page, client)
    expect_signed_in(page, client)
    page.goto("/customer/user/profile")
    authorized = page.get_by_role("region", name="Authorized Applications")
    expect(authorized.get_by_role("button", name="Revoke Access")).to_be_visible()
    assert_accessible(page, axe_source)
