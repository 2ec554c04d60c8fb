"""End-to-end fixtures: the browser, the seeded back-office site, and what a failing browser test
leaves for CI to print."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.e2e.axe import axe_source
from tests.e2e.backoffice import log_in
from tests.e2e.browser import EVIDENCE, NewPage, browser, keep_evidence, new_page, open_context
from tests.e2e.relying_party import (
    Client,
    RelyingParty,
    load_clients,
    run_browser_app,
    run_relying_party,
)
from tests.e2e.sites import Site, run_site, seed_folder

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

__all__ = ["axe_source", "browser", "new_page"]


@pytest.fixture(scope="session")
def relying_party() -> Iterator[RelyingParty]:
    """The web application that the seeded confidential code applications send users back to."""
    with run_relying_party() as party:
        yield party


@pytest.fixture(scope="session")
def browser_app() -> Iterator[str]:
    """The origin of the browser app (a public client in a page) that the site lets call it."""
    with run_browser_app() as origin:
        yield origin


@pytest.fixture(scope="session")
def seeded(
    tmp_path_factory: pytest.TempPathFactory, relying_party: RelyingParty, browser_app: str
) -> Path:
    """The seeded folder (schema, keys, tests/e2e/world.py) that sites copy."""
    return seed_folder(tmp_path_factory.mktemp("seeded"), relying_party.base, browser_app)


@pytest.fixture(scope="session")
def clients(seeded: Path) -> dict[str, Client]:
    """The seeded authorization-code applications' credentials, by application name."""
    return load_clients(seeded)


@pytest.fixture(scope="session")
def backoffice_site(
    browser: Browser, seeded: Path, browser_app: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    """The site the browser tests share (after the browser: without one, nothing is started)."""
    folder = tmp_path_factory.mktemp("backoffice")
    with run_site(seeded, folder, cors_origins=(browser_app,)) as site:
        yield site


@pytest.fixture(scope="session")
def admin_state(browser: Browser, backoffice_site: Site) -> Any:
    """Cookies of a session in which the administrator has logged in once."""
    context = open_context(browser, backoffice_site.base)
    try:
        log_in(context.new_page())
        return context.storage_state()
    finally:
        context.close()


@pytest.fixture(scope="session")
def admin_tab(browser: Browser, backoffice_site: Site, admin_state: Any) -> Iterator[Page]:
    """One tab, with the administrator logged in, that the tests take turns using.

    A new browser context or tab costs a new renderer process (a few hundred milliseconds);
    navigating an open tab costs one page load.
    """
    context = open_context(browser, backoffice_site.base, storage_state=admin_state)
    yield context.new_page()
    context.close()


@pytest.fixture
def page(new_page: NewPage, backoffice_site: Site) -> Page:
    """A fresh desktop-sized tab on the shared site, logged in as nobody."""
    return new_page(backoffice_site.base, server_log=backoffice_site.log)


@pytest.fixture
def admin_page(
    admin_tab: Page, backoffice_site: Site, request: pytest.FixtureRequest, tmp_path: Path
) -> Page:
    """The administrator's tab, on a blank page (whatever the test before left open)."""
    admin_tab.goto("about:blank")
    keep_evidence(request, tmp_path, admin_tab, backoffice_site.log)
    return admin_tab


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Add screenshots and the server log's tail to the report of a browser test that failed.

    Here rather than in a fixture's teardown: the pages are still open, and the sections are
    printed with the failure, where CI shows it.
    """
    report = yield
    evidence = item.stash.get(EVIDENCE, None)
    if report.failed and report.when in {"setup", "call"} and evidence is not None:
        for title, text in evidence.sections():
            report.sections.append((title, text))
    return report
