"""The back-office in a real browser, used the way a new administrator would use it.

One `flask run` process serves the module, set up like test_third_party_clients: `flask --app app`
commands on a fresh SQLite database with fresh keys. Chromium sees only what the server renders
and what static/js/app.js does to it; the tests find things by role, label and text, and assert
what the user sees. The credentials the page shows are then used by a plain HTTP client.
"""

from __future__ import annotations

import base64
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import requests

from tests.e2e.browser import NewPage, expect
from tests.server import (
    SQLITE_PASS_ONLY,
    flask_ok,
    flask_ok_together,
    free_port,
    serve,
    server_environ,
    site_config,
)

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

pytestmark = SQLITE_PASS_ONLY

ORG = "Acme Retail"
ADMIN = "alice"
OWNER = "olivia"
PASSWORD = "correct horse battery"
OTHER_APP = "Mobile app"  # made by the CLI; the name filter must leave it out
NOTICE = (
    "Please copy Client Secret and save it somewhere safe. "
    "For security reasons, we cannot show it to you again."
)
DESKTOP = {"width": 1280, "height": 720}
PHONE = {"width": 375, "height": 700}
TIMEOUT = 10  # seconds, for every HTTP request outside the browser


@dataclass(frozen=True)
class Site:
    base: str
    log: Path


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("backoffice")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    config = site_config(folder, base)
    env = server_environ(config)
    flask_ok(env, "db", "upgrade")  # alone: it creates the secret key file
    flask_ok_together(env, ("oauth", "generate-keys"), ("orgs", "create", ORG))
    flask_ok_together(
        env,
        ("users", "create", ADMIN, "--email", "alice@example.com", "--password", PASSWORD,
         "--org", ORG, "--role", "ADMINISTRATOR"),
        ("users", "create", OWNER, "--email", "olivia@example.com", "--password", PASSWORD,
         "--org", ORG),
        ("oauth", "create-app", "--org", ORG, "--name", OTHER_APP, "--grant", "password"),
    )  # fmt: skip
    log = folder / "server.log"
    with serve(env, log, port) as url:
        yield Site(url, log)


@pytest.fixture
def page(new_page: NewPage, site: Site) -> Page:
    """A fresh desktop-sized browser tab on the site (the browser first: it may skip the test)."""
    return new_page(site.base, server_log=site.log)


# --- what a user does ------------------------------------------------------------------------


def log_in(page: Page, username: str = ADMIN) -> None:
    page.goto("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name=f"Welcome, {username}")).to_be_visible()


def open_menu(page: Page, group: str, item: str) -> None:
    """Click a top-menu group, then one of its entries."""
    menu = page.get_by_role("navigation", name="Main")
    menu.get_by_text(group, exact=True).click()
    menu.get_by_role("link", name=item, exact=True).click()


def row_of(page: Page, name: str) -> Locator:
    """The grid row of the application NAME."""
    return page.get_by_role("row").filter(has=page.get_by_role("link", name=name, exact=True))


def more_options(page: Page, name: str, action: str) -> None:
    """Open the More Options menu of NAME's row and choose ACTION."""
    row_of(page, name).get_by_label(f"More Options for {name}").click()
    row_of(page, name).get_by_role("link", name=action, exact=True).or_(
        row_of(page, name).get_by_role("button", name=action, exact=True)
    ).click()


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


def fetch_token(base: str, client_id: str, client_secret: str) -> str:
    response = requests.post(
        f"{base}/oauth2-token",
        data={"grant_type": "client_credentials"},
        auth=(client_id, client_secret),
        timeout=TIMEOUT,
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def api_me(base: str, token: str) -> requests.Response:
    return requests.get(
        f"{base}/api/me", headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT
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


# --- the tests ---------------------------------------------------------------------------------


def test_an_administrator_creates_uses_switches_and_deletes_an_application(
    page: Page, site: Site
) -> None:
    name = "Nightly Inventory Sync"

    # 1. Log in; the home page greets the user (log_in checks it).
    log_in(page)

    # 2. System > OAuth Applications > Create OAuth Application.
    open_menu(page, "System", "OAuth Applications")
    expect(page).to_have_url(f"{site.base}/admin/oauth2/")
    expect(page.get_by_role("heading", name="OAuth Applications", exact=True)).to_be_visible()
    page.get_by_role("link", name="Create OAuth Application").click()
    expect(page.get_by_role("heading", name="Create OAuth Application")).to_be_visible()

    users = page.get_by_label("Users")
    page.get_by_role("radio", name="Password").check()
    expect(users).to_be_hidden()
    page.get_by_role("radio", name="Client Credentials").check()
    expect(users).to_be_visible()

    page.get_by_label("Application Name").fill(name)
    users.select_option(label=OWNER)
    page.get_by_role("button", name="Create", exact=True).click()

    # 3. The one-time page: both credentials, the notice, and copy buttons that copy them.
    expect(page.get_by_role("heading", name=name)).to_be_visible()
    expect(page.get_by_text("OAuth application has been created.")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_text(NOTICE)
    client_id, client_secret = shown_text(page, "Client ID"), shown_text(page, "Client Secret")
    assert client_id and client_secret and client_id != client_secret
    assert copy_and_read_clipboard(page, "Copy Client Secret") == client_secret
    assert copy_and_read_clipboard(page, "Copy Client ID") == client_id
    assert client_secret not in cookie_contents(page)

    # 4. The copied credentials work: a token, and /api/me answers for the owner.
    token = fetch_token(site.base, client_id, client_secret)
    me = api_me(site.base, token)
    assert me.status_code == 200, me.text
    assert me.json()["username"] == OWNER

    # 5. Reloading the one-time page never shows the secret again (Chromium posts the form again;
    # whatever the server answers, the secret is not in it, and step 6 finds no second app).
    page.reload()
    expect(page.get_by_text(client_secret)).to_have_count(0)
    assert client_secret not in page.content()
    assert client_secret not in cookie_contents(page)

    # 6. The grid's name filter finds the application, leaves the others out, and lives in the URL.
    open_menu(page, "System", "OAuth Applications")
    expect(row_of(page, OTHER_APP)).to_have_count(1)
    page.get_by_role("searchbox", name="Application Name").fill("inventory")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"[?&]name=inventory(&|$)"))
    expect(row_of(page, name)).to_have_count(1)
    expect(row_of(page, OTHER_APP)).to_have_count(0)
    expect(row_of(page, name)).to_contain_text(client_id)
    expect(row_of(page, name)).to_contain_text(OWNER)
    expect(row_of(page, name).get_by_text("Active", exact=True)).to_be_visible()
    assert client_secret not in page.content()
    row_of(page, name).get_by_role("link", name=name).click()  # nor does the view page show it
    expect(page.get_by_role("heading", name=name)).to_be_visible()
    expect(page.get_by_text(client_id)).to_be_visible()
    assert client_secret not in page.content()
    page.go_back()

    # 7. Deactivate, after a confirmation: the row says Inactive and the token stops working.
    more_options(page, name, "Deactivate")
    expect(page.get_by_role("heading", name=re.compile("^Deactivate"))).to_be_visible()
    page.get_by_role("button", name="Deactivate").click()
    expect(page.get_by_text("Deactivated successfully")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/admin/oauth2/\?.*name=inventory"))
    expect(row_of(page, name)).to_contain_text("Inactive")
    assert api_me(site.base, token).status_code == 401

    # 8. Activate: no confirmation, and the same token works again.
    more_options(page, name, "Activate")
    expect(page.get_by_text("Activated successfully")).to_be_visible()
    expect(row_of(page, name).get_by_text("Active", exact=True)).to_be_visible()
    assert api_me(site.base, token).status_code == 200

    # 9. Delete, after a confirmation: the row is gone, and so is the token.
    more_options(page, name, "Delete")
    expect(page.get_by_role("heading", name=re.compile("^Delete"))).to_be_visible()
    page.get_by_role("button", name="Delete").click()
    expect(page.get_by_text("Deleted successfully")).to_be_visible()
    expect(row_of(page, name)).to_have_count(0)
    assert api_me(site.base, token).status_code == 401

    # 10. Log out: back at the login page, and the grid asks for a login again.
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    page.goto("/admin/oauth2/")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()


@pytest.mark.parametrize(
    "viewport",
    [
        pytest.param(DESKTOP, id="desktop"),
        pytest.param(PHONE, id="phone"),
    ],
)
def test_the_more_options_menu_shows_its_entries_whole(
    new_page: NewPage, site: Site, viewport: dict[str, int]
) -> None:
    page = new_page(site.base, server_log=site.log, viewport=viewport)
    log_in(page)
    page.goto(f"/admin/oauth2/?name={OTHER_APP}")  # one row: nothing below it for the menu
    row_of(page, OTHER_APP).hover()
    page.mouse.wheel(2000, 0)  # swipe the table to its last column, where the menu is
    page.get_by_label(f"More Options for {OTHER_APP}").click()
    for entry in ("View", "Edit", "Deactivate", "Delete"):
        link = row_of(page, OTHER_APP).get_by_role("link", name=entry, exact=True)
        expect(link).to_be_visible()
        assert cut_off_by(link) == "", f"{entry} is cut off by the box {cut_off_by(link)}"


def test_on_a_phone_the_grid_scrolls_inside_its_box_not_the_page(
    new_page: NewPage, site: Site
) -> None:
    page = new_page(site.base, server_log=site.log, viewport=PHONE)
    log_in(page)
    page.goto("/admin/oauth2/")
    expect(row_of(page, OTHER_APP)).to_be_visible()
    assert page_width(page) <= PHONE["width"] + 1


def test_on_a_phone_the_create_form_can_be_used(new_page: NewPage, site: Site) -> None:
    page = new_page(site.base, server_log=site.log, viewport=PHONE)
    log_in(page)
    open_menu(page, "System", "OAuth Applications")
    page.get_by_role("link", name="Create OAuth Application").click()
    expect(page.get_by_role("heading", name="Create OAuth Application")).to_be_visible()
    assert page_width(page) <= PHONE["width"] + 1

    page.get_by_role("radio", name="Password").check()
    expect(page.get_by_label("Users")).to_be_hidden()
    page.get_by_role("button", name="Create", exact=True).click()
    name = page.get_by_label("Application Name")
    expect(name).to_have_accessible_description("This value should not be blank.")
    expect(page.get_by_role("radio", name="Password")).to_be_checked()
    assert page_width(page) <= PHONE["width"] + 1

    name.fill("Made on a phone")
    page.get_by_role("button", name="Create", exact=True).click()
    expect(page.get_by_text("OAuth application has been created.")).to_be_visible()
    expect(page.get_by_label("Client Secret", exact=True)).to_be_in_viewport()
    expect(page.get_by_role("button", name="Copy Client Secret")).to_be_in_viewport()
    assert page_width(page) <= PHONE["width"] + 1
