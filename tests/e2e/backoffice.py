"""What a back-office user does, in Playwright steps: log in, use the menu, the grid, the forms.

Elements are found by role, label and text, as a person finds them. The credentials a page shows
are then used by a plain HTTP client, as a third party would use them.
"""

from __future__ import annotations

import base64
import re
import zlib
from typing import TYPE_CHECKING

import requests

from tests.e2e import world
from tests.e2e.browser import expect

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

NOTICE = (
    "Please copy Client Secret and save it somewhere safe. "
    "For security reasons, we cannot show it to you again."
)
CREATED = "OAuth application has been created"  # then ": " and the name
TIMEOUT = 10  # seconds, for every HTTP request outside the browser


def log_in(page: Page, username: str = world.ADMIN, password: str = world.PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name=f"Welcome, {username}")).to_be_visible()


def open_menu(page: Page, group: str, item: str) -> None:
    """Click a top-menu group, then one of its entries (from the home page if none is open)."""
    menu = page.get_by_role("navigation", name="Main")
    if not menu.count():
        page.goto("/admin/")
    menu.get_by_text(group, exact=True).click()
    menu.get_by_role("link", name=item, exact=True).click()


def row_of(page: Page, name: str) -> Locator:
    """The grid row of the application NAME."""
    return page.get_by_role("row").filter(has=page.get_by_role("link", name=name, exact=True))


def more_options(page: Page, name: str, action: str) -> None:
    """Open the More Options menu of NAME's row and choose ACTION."""
    row = row_of(page, name)
    row.get_by_label(f"More Options for {name}").click()
    row.get_by_role("link", name=action, exact=True).or_(
        row.get_by_role("button", name=action, exact=True)
    ).click()


def filter_grid(page: Page, *, name: str = "", organization: str = "", status: str = "") -> None:
    """Fill the grid's filters (organization and status by their shown labels) and apply them."""
    page.get_by_role("searchbox", name="Application Name").fill(name)
    if organization:
        page.get_by_label("Organization").select_option(label=organization)
    if status:
        page.get_by_label("Active", exact=True).select_option(label=status)
    page.get_by_role("button", name="Filter").click()


def grid_names(page: Page) -> list[str]:
    """The application names the grid shows, top to bottom."""
    links = page.locator("table.grid tbody tr td:first-child a")
    return [name.strip() for name in links.all_inner_texts()]


def open_create_form(page: Page, storefront: bool = False) -> None:
    """Go to the grid through the menu and press Create OAuth Application."""
    if storefront:
        open_menu(page, "Customers", "Customer User OAuth Applications")
    else:
        open_menu(page, "System", "OAuth Applications")
    page.get_by_role("link", name="Create OAuth Application").click()
    expect(page.get_by_role("heading", name="Create OAuth Application")).to_be_visible()


def fill_create_form(
    page: Page,
    name: str,
    grant: str,
    *,
    organization: str | None = world.ORG,
    owner: str | None = None,
) -> None:
    """Fill the create form: organization (when asked), name, grant and (for Client Credentials)
    the owner, by the label the Users list shows. Does not press Create."""
    if organization is not None and page.get_by_label("Organization").count():
        page.get_by_label("Organization").select_option(label=organization)
    page.get_by_label("Application Name").fill(name)
    page.get_by_role("radio", name=grant).check()
    if owner is not None:
        page.get_by_label("Users").select_option(label=owner)


def press_create(page: Page) -> tuple[str, str]:
    """Press Create; on the one-time page, the Client ID and Client Secret it shows."""
    page.get_by_role("button", name="Create", exact=True).click()
    expect(page.get_by_text(CREATED)).to_be_visible()
    expect(page.get_by_role("alert")).to_have_text(NOTICE)
    return shown_text(page, "Client ID"), shown_text(page, "Client Secret")


def shown_text(page: Page, label: str) -> str:
    """The text of the value labelled LABEL (Client ID, Client Secret), as displayed."""
    value = page.get_by_label(label, exact=True)
    expect(value).to_be_visible()
    return value.inner_text().strip()


def copy_and_read_clipboard(page: Page, button: str) -> str:
    page.get_by_role("button", name=button).click()
    copied = button.removeprefix("Copy ")
    expect(page.get_by_text(f"{copied} copied.")).to_be_visible()
    text: str = page.evaluate("navigator.clipboard.readText()")
    return text


def confirm(page: Page, action: str) -> None:
    """On a confirmation page titled ACTION…, press the ACTION button."""
    expect(page.get_by_role("heading", name=re.compile(f"^{action}"))).to_be_visible()
    page.get_by_role("button", name=action, exact=True).click()


def token_response(base: str, client_id: str, client_secret: str, **form: str) -> requests.Response:
    """POST /oauth2-token with HTTP Basic client authentication (client credentials by default)."""
    return requests.post(
        f"{base}/oauth2-token",
        data=form or {"grant_type": "client_credentials"},
        auth=(client_id, client_secret),
        timeout=TIMEOUT,
    )


def fetch_token(base: str, client_id: str, client_secret: str, **form: str) -> str:
    response = token_response(base, client_id, client_secret, **form)
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def api_me(base: str, token: str, path: str = "/api/me") -> requests.Response:
    return requests.get(
        f"{base}{path}", headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT
    )


def cookie_contents(page: Page) -> str:
    """The browser's cookies, with Flask's session cookie decoded (signed, not encrypted)."""
    contents = []
    for cookie in page.context.cookies():
        value = cookie["value"]
        payload = value.removeprefix(".").split(".")[0]
        try:
            data = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
            data = zlib.decompress(data) if value.startswith(".") else data
        except (ValueError, zlib.error):
            data = b""
        contents += [value, data.decode(errors="replace")]
    return "\n".join(contents)
