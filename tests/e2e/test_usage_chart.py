"""The usage chart of a real server: its numbers are the token requests this test made.

The site writes its counts every second (`usage.flush_interval: 1`): the test makes successful
and refused token requests, waits (bounded) until the counts are in the database, then reads
the chart's table in the browser, for today and for this hour, and checks the page with axe.
A picture of the chart goes to var/screenshots/ (docs/img/usage-chart.png is a copy of it).
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import requests

from oauthapp.settings import ROOT
from tests.e2e import world
from tests.e2e.axe import blocking_violations
from tests.e2e.backoffice import TIMEOUT, log_in
from tests.e2e.browser import NewPage, expect
from tests.e2e.sites import Site, run_site
from tests.server import SQLITE_PASS_ONLY, flask_ok

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = SQLITE_PASS_ONLY

ISSUED, REFUSED = 5, 3
DESKTOP = {"width": 1280, "height": 800}
FLUSH_WAIT = 20.0  # seconds; the site writes every second


@pytest.fixture(scope="module")
def usage_site(
    browser: Browser, seeded: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    with run_site(seeded, tmp_path_factory.mktemp("usage"),
                  settings={"usage": {"flush_interval": 1}}) as site:  # fmt: skip
        yield site


def new_client_in(env: dict[str, str], name: str) -> dict[str, str]:
    """A client credentials application made with the CLI: its id, client id and secret."""
    output = flask_ok(
        env, "oauth", "create-app", "--org", world.ORG, "--name", name,
        "--grant", "client_credentials", "--owner", world.OWNER, "--json",
    )  # fmt: skip
    created: dict[str, str] = json.loads(output.strip().splitlines()[-1])
    return created


def request_token(site: Site, client_id: str, secret: str) -> int:
    response = requests.post(
        f"{site.base}/oauth2-token",
        data={"grant_type": "client_credentials"},
        auth=(client_id, secret),
        timeout=TIMEOUT,
    )
    return response.status_code


def wait_for_counts(site: Site, application_id: int) -> tuple[int, int]:
    """The application's stored (issued, refused) totals once they reach the requests made."""
    deadline = time.monotonic() + FLUSH_WAIT
    totals = (0, 0)
    while time.monotonic() < deadline:
        with closing(sqlite3.connect(site.database)) as connection:
            row = connection.execute(
                "SELECT COALESCE(SUM(issued), 0), COALESCE(SUM(refused), 0)"
                " FROM oauth_token_usage WHERE application_id = ?",
                (application_id,),
            ).fetchone()
        totals = (int(row[0]), int(row[1]))
        if totals == (ISSUED, REFUSED):
            return totals
        time.sleep(0.2)
    raise AssertionError(f"the counts did not reach the database within {FLUSH_WAIT}s: {totals}")


def shown_numbers(page: Page, label: str) -> tuple[str, str]:
    """Open the numbers behind the chart; the (issued, refused) cells of the row LABEL."""
    page.get_by_text("Show the numbers", exact=True).click()
    table = page.get_by_role("table", name="Token requests of Usage chart")
    row = table.get_by_role("row").filter(has=page.get_by_role("rowheader", name=label, exact=True))
    expect(row).to_be_visible()
    cells = row.get_by_role("cell")
    return cells.nth(0).inner_text(), cells.nth(1).inner_text()


def test_the_chart_counts_the_token_requests_made(
    new_page: NewPage, usage_site: Site, axe_source: str
) -> None:
    created = new_client_in(usage_site.env, "Usage chart")
    statuses = [request_token(usage_site, created["client_id"], created["client_secret"])
                for _ in range(ISSUED)]  # fmt: skip
    statuses += [request_token(usage_site, created["client_id"], "wrong") for _ in range(REFUSED)]
    assert statuses == [200] * ISSUED + [401] * REFUSED
    now = datetime.now(UTC)
    assert wait_for_counts(usage_site, int(created["id"])) == (ISSUED, REFUSED)

    page = new_page(usage_site.base, server_log=usage_site.log, viewport=DESKTOP)
    log_in(page)
    page.goto(f"/admin/oauth2/{created['id']}")
    chart = page.get_by_role("img", name="Token requests of Usage chart, last 30 days (UTC)")
    expect(chart).to_be_visible()
    assert shown_numbers(page, now.strftime("%Y-%m-%d")) == (str(ISSUED), str(REFUSED))
    assert blocking_violations(page, axe_source) == []
    page.get_by_text("Show the numbers", exact=True).click()  # closed again, for the picture
    take_picture(page)

    page.get_by_role("link", name="Last 48 hours").click()
    expect(page.get_by_role("link", name="Last 48 hours")).to_have_attribute("aria-current", "page")
    assert shown_numbers(page, now.strftime("%Y-%m-%d %H:00")) == (str(ISSUED), str(REFUSED))
    assert blocking_violations(page, axe_source) == []


def take_picture(page: Page) -> None:
    folder = Path(os.environ.get("OAUTHAPP_SCREENSHOTS") or ROOT / "var" / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    page.mouse.move(0, 0)
    path = folder / "usage-chart.png"
    page.locator("#usage").screenshot(path=path, animations="disabled", caret="hide")
    assert path.stat().st_size > 5_000, "an empty-looking picture"
