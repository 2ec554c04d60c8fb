"""One-time pages in Chromium: a form sent twice, a reload, Back; the secret is shown once.

Create and Regenerate Secret redirect (POST -> 303 -> GET) to a page that shows the new secret;
that page, reloaded or reached again with Back, says "This secret is no longer shown." and links
to the application; the same form sent twice says "This form was already submitted.".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.e2e import world
from tests.e2e.backoffice import (
    NOTICE,
    confirm,
    fill_create_form,
    open_create_form,
    press_create,
    row_of,
    shown_text,
)
from tests.e2e.browser import expect
from tests.server import SQLITE_PASS_ONLY

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = SQLITE_PASS_ONLY

ALREADY_SUBMITTED = "This form was already submitted."
NO_LONGER_SHOWN = "This secret is no longer shown."

# The first click's request, as a double click sends it: the same form, with the same token.
SEND_ONCE_IN_THE_BACKGROUND = """async () => {
  const form = document.getElementById("application-form");
  const body = new URLSearchParams(new FormData(form));
  const response = await fetch(form.action || location.href, {method: "POST", body});
  return response.status;
}"""


def test_the_create_form_sent_twice_makes_one_application_and_says_so(admin_page: Page) -> None:
    page, name = admin_page, "Double-clicked"
    open_create_form(page)
    fill_create_form(page, name, "Client Credentials", owner=world.OWNER)

    first = page.evaluate(SEND_ONCE_IN_THE_BACKGROUND)  # the first of two clicks
    assert first == 200  # fetch followed the 303 to the one-time page, out of sight
    page.get_by_role("button", name="Create", exact=True).click()  # the second

    expect(page.get_by_role("status")).to_have_text(ALREADY_SUBMITTED)
    expect(page.get_by_text(NOTICE)).to_have_count(0)
    expect(page.get_by_label("Client Secret", exact=True)).to_have_count(0)
    page.get_by_role("link", name=f"Go to {name}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)  # the view page
    page.goto(f"/admin/oauth2/?name={name}")
    expect(row_of(page, name)).to_have_count(1)


def test_reload_and_back_on_the_create_page_never_show_the_secret_again(
    admin_page: Page,
) -> None:
    page, name = admin_page, "Reloaded after create"
    open_create_form(page)
    fill_create_form(page, name, "Password")
    _, secret = press_create(page)
    one_time_url = page.url

    page.reload()
    expect(page.get_by_role("status")).to_have_text(NO_LONGER_SHOWN)
    assert secret not in page.content()
    assert secret not in one_time_url

    page.get_by_role("link", name=f"Go to {name}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)  # the view page
    page.go_back()
    expect(page.get_by_role("status")).to_have_text(NO_LONGER_SHOWN)
    assert secret not in page.content()
    page.goto(f"/admin/oauth2/?name={name}")
    expect(row_of(page, name)).to_have_count(1)


def test_reload_of_the_regenerate_page_neither_regenerates_nor_shows_the_secret(
    admin_page: Page,
) -> None:
    page, name = admin_page, "Reloaded after regenerate"
    open_create_form(page)
    fill_create_form(page, name, "Password")
    press_create(page)
    page.get_by_role("link", name="Done").click()

    page.get_by_role("link", name="Regenerate secret").click()
    confirm(page, "Regenerate secret")
    secret = shown_text(page, "Client Secret")
    page.reload()
    expect(page.get_by_role("status")).to_have_text(NO_LONGER_SHOWN)
    assert secret not in page.content()

    page.get_by_role("link", name=f"Go to {name}").click()
    activity = page.get_by_role("region", name="Activity")
    expect(activity.get_by_text("Secret regenerated", exact=True)).to_have_count(1)
