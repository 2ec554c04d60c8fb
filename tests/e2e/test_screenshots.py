"""Pictures of the main pages for the documentation, taken on a site of their own.

Written to var/screenshots/ (or OAUTHAPP_SCREENSHOTS) on every run; docs/img/ holds the ones the
README and docs/backoffice.md show, copied from there. The site is a fresh copy of the seeded one,
so the pictures show the same applications whatever the other tests did.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from oauthapp.settings import ROOT
from tests.e2e import world
from tests.e2e.authorization import consent_heading, start_flow
from tests.e2e.backoffice import (
    fill_create_form,
    log_in,
    more_options,
    open_create_form,
    press_create,
)
from tests.e2e.browser import NewPage, expect
from tests.e2e.relying_party import Client, RelyingParty
from tests.e2e.sites import Site, run_site
from tests.server import SQLITE_PASS_ONLY

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = SQLITE_PASS_ONLY

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def picture_site(
    browser: Browser, seeded: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    with run_site(seeded, tmp_path_factory.mktemp("screenshots")) as site:
        yield site


@pytest.fixture
def folder() -> Path:
    path = Path(os.environ.get("OAUTHAPP_SCREENSHOTS") or ROOT / "var" / "screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


def png_size(path: Path) -> tuple[int, int]:
    """Width and height of the PNG at PATH (from its IHDR chunk)."""
    head = path.read_bytes()[:24]
    assert head.startswith(PNG_SIGNATURE), f"{path} is not a PNG"
    width, height = struct.unpack(">II", head[16:24])
    return width, height


def take(page: Page, folder: Path, name: str, **options: Any) -> Path:
    page.mouse.move(0, 0)  # no hover effects in the picture
    path = folder / f"{name}.png"
    page.screenshot(path=path, animations="disabled", caret="hide", **options)
    return path


def test_screenshots_of_the_main_pages(
    new_page: NewPage,
    picture_site: Site,
    folder: Path,
    relying_party: RelyingParty,
    clients: dict[str, Client],
) -> None:
    page = new_page(picture_site.base, server_log=picture_site.log, viewport=DESKTOP)
    log_in(page)
    shots: dict[str, Path] = {}

    open_create_form(page)
    fill_create_form(page, "Customer portal", "Authorization Code")
    redirect_url = page.get_by_role("textbox", name="Redirect URL 1")
    redirect_url.fill("https://partner.example/oauth/callback")
    redirect_url.blur()  # no focus ring in the picture
    shots["create-form-authorization-code"] = take(
        page, folder, "create-form-authorization-code", full_page=True
    )

    page.goto(page.url)  # a new form, not a restored one
    fill_create_form(page, "Inventory sync", "Client Credentials", owner=world.OWNER)
    shots["create-form"] = take(page, folder, "create-form")

    press_create(page)
    shots["one-time-secret"] = take(page, folder, "one-time-secret")

    page.get_by_role("link", name="Done").click()
    expect(page.get_by_role("heading", name="Inventory sync")).to_be_visible()
    shots["view"] = take(page, folder, "view", full_page=True)

    page.goto("/admin/oauth2/")
    expect(page.get_by_role("link", name="Inventory sync", exact=True)).to_be_visible()
    more_options(page, world.WAREHOUSE_SYNC.name, "Activate")  # the flash, and the row marked
    expect(page.get_by_role("status")).to_have_text(
        f"Activated successfully: {world.WAREHOUSE_SYNC.name}"
    )
    shots["grid"] = take(page, folder, "grid", full_page=True)

    portal = clients[world.PARTNER_PORTAL.name]
    start_flow(page, relying_party, picture_site.base, portal, prompt="consent")
    expect(page.get_by_role("heading", name=consent_heading(portal.app.name))).to_be_visible()
    shots["consent"] = take(page, folder, "consent")

    phone = new_page(picture_site.base, server_log=picture_site.log, viewport=PHONE)
    log_in(phone)
    phone.goto("/admin/oauth2/")
    shots["grid-phone"] = take(phone, folder, "grid-phone")
    phone.goto("/admin/")
    shots["home-phone"] = take(phone, folder, "home-phone")

    for name, path in shots.items():
        width, height = png_size(path)
        expected = PHONE if name.endswith("-phone") else DESKTOP
        assert width == expected["width"] and height >= expected["height"], (name, width, height)
        assert path.stat().st_size > 10_000, f"{name}: an empty-looking picture"
