"""Every back-office flow in Chromium, each asserting what the user sees.

All tests share one seeded site (tests/e2e/conftest.py); those that change something make their
own applications, so the seeded ones (tests/e2e/world.py) stay as they are for the others.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from tests.e2e import world
from tests.e2e.backoffice import (
    CREATED,
    api_me,
    confirm,
    cookie_contents,
    copy_and_read_clipboard,
    fetch_token,
    fill_create_form,
    filter_grid,
    grid_names,
    log_in,
    more_options,
    open_create_form,
    open_menu,
    press_create,
    row_of,
    shown_text,
    token_response,
)
from tests.e2e.browser import expect
from tests.e2e.sites import Site
from tests.server import SQLITE_PASS_ONLY

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = SQLITE_PASS_ONLY


def create_backoffice_app(page: Page, name: str, grant: str = "Password") -> tuple[str, str]:
    """Create an application of Acme Retail through the menu; its client id and secret."""
    open_create_form(page)
    fill_create_form(page, name, grant, owner=world.OWNER if grant != "Password" else None)
    return press_create(page)


def test_log_in_and_log_out(page: Page) -> None:
    # Not the administrator: logging out ends every session of the account, the shared tab's too.
    page.goto("/admin/oauth2/")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    log_in(page, world.OWNER)
    expect(page.get_by_role("link", name=world.OWNER, exact=True)).to_be_visible()

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    expect(page.get_by_role("status")).to_have_text("You have been logged out.")
    page.goto("/admin/oauth2/")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_have_count(0)


def test_wrong_passwords_lock_the_account_and_only_the_right_password_learns_it(
    page: Page,
) -> None:
    def attempt(password: str) -> None:
        page.get_by_label("Username").fill(world.LOCKABLE)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()

    page.goto("/login")
    for _ in range(2):  # the site locks at the third failure (tests/e2e/sites.py)
        attempt("not the password")
        expect(page.get_by_role("alert")).to_have_text("Invalid username or password.")
    attempt("not the password")  # locks, but answers as any wrong password
    expect(page.get_by_role("alert")).to_have_text("Invalid username or password.")
    attempt(world.PASSWORD)  # the right password no longer helps, and learns why
    expect(page.get_by_role("alert")).to_have_text("Account is locked. Try again in 15 minutes.")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()


def test_a_client_credentials_application_shows_its_secret_once_and_the_copies_work(
    admin_page: Page, backoffice_site: Site
) -> None:
    page, name = admin_page, "Nightly Inventory Sync"
    open_create_form(page)

    # The Users field is for Client Credentials only.
    users = page.get_by_label("Users")
    page.get_by_role("radio", name="Password").check()
    expect(users).to_be_hidden()
    page.get_by_role("radio", name="Client Credentials").check()
    expect(users).to_be_visible()
    fill_create_form(page, name, "Client Credentials", owner=world.OWNER)
    client_id, client_secret = press_create(page)
    expect(page.get_by_role("heading", name=name)).to_be_visible()
    assert client_id and client_secret and client_id != client_secret

    # The copy buttons put exactly what is shown on the clipboard.
    assert copy_and_read_clipboard(page, "Copy Client Secret") == client_secret
    assert copy_and_read_clipboard(page, "Copy Client ID") == client_id
    assert client_secret not in cookie_contents(page)

    # The copied credentials work: a token, and /api/me answers for the owner.
    token = fetch_token(backoffice_site.base, client_id, client_secret)
    me = api_me(backoffice_site.base, token)
    assert me.status_code == 200, me.text
    assert me.json()["username"] == world.OWNER

    # Reloading never shows the secret again (the page came from a GET after a redirect: the
    # reload asks for it again and is told it is no longer shown; still one application).
    page.reload()
    expect(page.get_by_text(client_secret)).to_have_count(0)
    assert client_secret not in page.content()
    assert client_secret not in cookie_contents(page)
    page.goto(f"/admin/oauth2/?name={name}")
    expect(row_of(page, name)).to_have_count(1)
    expect(row_of(page, name)).to_contain_text(client_id)
    expect(row_of(page, name)).to_contain_text(world.OWNER)
    row_of(page, name).get_by_role("link", name=name).click()  # nor does the view page show it
    expect(page.get_by_text(client_id)).to_be_visible()
    assert client_secret not in page.content()


def test_a_password_application_gets_tokens_for_its_users(
    admin_page: Page, backoffice_site: Site
) -> None:
    page, name = admin_page, "Field sales tablet"
    client_id, client_secret = create_backoffice_app(page, name, "Password")
    expect(page.get_by_label("Temporary Access Token")).to_have_count(0)
    token = fetch_token(
        backoffice_site.base, client_id, client_secret,
        grant_type="password", username=world.OWNER, password=world.PASSWORD,
    )  # fmt: skip
    assert api_me(backoffice_site.base, token).json()["username"] == world.OWNER
    client_credentials = token_response(backoffice_site.base, client_id, client_secret)
    assert client_credentials.json()["error"] == "invalid_client"  # SPEC §3: its grant differs

    page.get_by_role("link", name="Done").click()
    expect(page.get_by_role("heading", name=name)).to_be_visible()
    expect(page.get_by_text("Password", exact=True)).to_be_visible()


def test_a_storefront_application_is_for_customer_users_and_the_storefront_api(
    admin_page: Page, backoffice_site: Site
) -> None:
    page, name = admin_page, "Storefront price widget"
    open_create_form(page, storefront=True)
    expect(page).to_have_url(f"{backoffice_site.base}/admin/oauth2/frontend/create")
    fill_create_form(page, name, "Client Credentials", owner=world.CUSTOMER_NAME)
    client_id, client_secret = press_create(page)
    token = fetch_token(backoffice_site.base, client_id, client_secret)
    storefront = api_me(backoffice_site.base, token, "/api/frontend/me")
    assert storefront.status_code == 200, storefront.text
    assert storefront.json()["email"] == world.CUSTOMER
    assert api_me(backoffice_site.base, token).status_code == 401  # not on the back-office API

    open_menu(page, "Customers", "Customer User OAuth Applications")
    expect(row_of(page, name)).to_contain_text(world.CUSTOMER_NAME)
    open_menu(page, "System", "OAuth Applications")
    expect(row_of(page, name)).to_have_count(0)


def test_the_grid_filters_by_name_organization_and_status(admin_page: Page) -> None:
    page = admin_page
    open_menu(page, "System", "OAuth Applications")
    seeded = {app.name for app in world.BACKOFFICE_APPS}
    assert seeded <= set(grid_names(page))

    filter_grid(page, organization=world.OTHER_ORG)
    expect(page).to_have_url(re.compile(r"[?&]organization=\d+"))
    assert set(grid_names(page)) == {world.ERP_CONNECTOR.name, world.PRICE_FEED.name}

    filter_grid(page, organization=world.OTHER_ORG, status="Inactive")
    expect(page).to_have_url(re.compile(r"[?&]status=inactive"))
    assert grid_names(page) == [world.PRICE_FEED.name]
    expect(row_of(page, world.PRICE_FEED.name)).to_contain_text("Inactive")

    page.get_by_role("link", name="Clear filters").click()
    filter_grid(page, name="WAREHOUSE")  # contains, whatever the case
    expect(page).to_have_url(re.compile(r"[?&]name=WAREHOUSE(&|$)"))
    assert grid_names(page) == [world.WAREHOUSE_SYNC.name]
    expect(page.get_by_role("searchbox", name="Application Name")).to_have_value("WAREHOUSE")

    filter_grid(page, name="no application is called this")
    expect(page.get_by_text("No OAuth applications match these filters.")).to_be_visible()


def test_deactivate_after_confirming_then_activate(admin_page: Page, backoffice_site: Site) -> None:
    page, name = admin_page, "Switched on and off"
    client_id, client_secret = create_backoffice_app(page, name, "Client Credentials")
    token = fetch_token(backoffice_site.base, client_id, client_secret)
    page.goto(f"/admin/oauth2/?name={name}")

    more_options(page, name, "Deactivate")
    confirm(page, "Deactivate")
    expect(page.get_by_role("status")).to_have_text(f"Deactivated successfully: {name}")
    expect(page).to_have_url(re.compile(r"/admin/oauth2/\?name="))
    expect(row_of(page, name)).to_contain_text("Inactive")
    assert api_me(backoffice_site.base, token).status_code == 401

    more_options(page, name, "Activate")  # no confirmation needed
    expect(page.get_by_role("status")).to_have_text(f"Activated successfully: {name}")
    expect(row_of(page, name).get_by_text("Active", exact=True)).to_be_visible()
    assert api_me(backoffice_site.base, token).status_code == 200


def test_regenerating_the_secret_shows_the_new_one_once_and_retires_the_old(
    admin_page: Page, backoffice_site: Site
) -> None:
    page, name = admin_page, "Rotated credentials"
    client_id, old_secret = create_backoffice_app(page, name, "Client Credentials")
    page.get_by_role("link", name="Done").click()

    page.get_by_role("link", name="Regenerate secret").click()
    confirm(page, "Regenerate secret")
    expect(page.get_by_text("The client secret has been regenerated.")).to_be_visible()
    assert shown_text(page, "Client ID") == client_id
    new_secret = shown_text(page, "Client Secret")
    assert new_secret != old_secret
    assert copy_and_read_clipboard(page, "Copy Client Secret") == new_secret

    assert token_response(backoffice_site.base, client_id, old_secret).status_code == 401
    fetch_token(backoffice_site.base, client_id, new_secret)


def test_delete_after_confirming_removes_the_row_and_the_tokens(
    admin_page: Page, backoffice_site: Site
) -> None:
    page, name = admin_page, "Short-lived integration"
    client_id, client_secret = create_backoffice_app(page, name, "Client Credentials")
    token = fetch_token(backoffice_site.base, client_id, client_secret)
    open_menu(page, "System", "OAuth Applications")

    more_options(page, name, "Delete")
    expect(page.get_by_text("This cannot be undone")).to_be_visible()
    page.get_by_role("link", name="Cancel").click()  # changing one's mind changes nothing
    expect(row_of(page, name)).to_have_count(1)

    more_options(page, name, "Delete")
    confirm(page, "Delete")
    expect(page.get_by_role("status")).to_have_text(f"Deleted successfully: {name}")
    expect(row_of(page, name)).to_have_count(0)
    assert api_me(backoffice_site.base, token).status_code == 401
    assert token_response(backoffice_site.base, client_id, client_secret).status_code == 401


def test_add_application_from_my_user(admin_page: Page) -> None:
    page, name = admin_page, "My own report fetcher"
    page.goto("/admin/")
    page.get_by_role("link", name=world.ADMIN, exact=True).click()
    expect(page.get_by_role("heading", name="OAuth Applications")).to_be_visible()
    page.get_by_role("link", name="Add Application").click()

    expect(page.get_by_role("heading", name="Create OAuth Application")).to_be_visible()
    expect(page.get_by_label("Users")).to_have_text(world.ADMIN)  # the owner is set: me
    page.get_by_label("Application Name").fill(name)
    press_create(page)
    page.get_by_role("link", name=world.ADMIN, exact=True).click()
    expect(page.get_by_role("link", name=name, exact=True)).to_be_visible()


def test_add_application_from_a_users_page(admin_page: Page) -> None:
    page, name = admin_page, "Olivia's scanner"
    open_menu(page, "System", "Users")
    page.get_by_role("link", name=world.OWNER, exact=True).click()
    expect(page.get_by_role("heading", name=world.OWNER)).to_be_visible()
    page.get_by_role("link", name="Add Application").click()

    expect(page.get_by_label("Users")).to_have_text(world.OWNER)
    page.get_by_label("Application Name").fill(name)
    expect(page.get_by_role("radio", name="Client Credentials")).to_be_checked()
    press_create(page)
    expect(page.get_by_text(CREATED)).to_be_visible()

    page.go_back()
    page.go_back()
    page.reload()
    block = page.get_by_role("region", name="OAuth Applications")
    expect(block.get_by_role("link", name=name, exact=True)).to_be_visible()
    expect(block.get_by_role("row").filter(has_text=name)).to_contain_text("Client Credentials")
