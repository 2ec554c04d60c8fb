"""Browser fixtures for end-to-end tests: Debian's Chromium, driven by Playwright's sync API.

One headless Chromium serves the whole session; each test opens fresh contexts (no cookies, no
storage) that may use the clipboard. A failing test's report carries a screenshot of each page it
opened and the tail of the server log (the hook is in tests/e2e/conftest.py).

Playwright is imported only when a browser test runs: without it, or without Chromium, the
browser tests skip and every other test runs as usual.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Locator, Page
    from playwright.sync_api._generated import LocatorAssertions, PageAssertions

CHROMIUM = os.environ.get("OAUTHAPP_TEST_CHROMIUM") or "/usr/bin/chromium"  # Debian's
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
INSTALL_HINT = (
    "apt-get install -y chromium (Debian's Chromium at /usr/bin/chromium) "
    "and pip install -e '.[dev]'"
)
TIMEOUT_MS = 10_000  # for every browser action (expect keeps its 5 s); pages here take milliseconds
LOG_LINES = 100

NewPage = Callable[..., "Page"]


@dataclass
class Evidence:
    """What a failing browser test leaves behind: where to put screenshots, pages, server log."""

    folder: Path
    pages: list[Page] = field(default_factory=list)
    server_log: Path | None = None

    def sections(self) -> list[tuple[str, str]]:
        """Report sections: the screenshots taken now, and the last lines of the server log."""
        shots = [self._screenshot(number, page) for number, page in enumerate(self.pages, 1)]
        sections = [("browser screenshots", "\n".join(shots))] if shots else []
        if self.server_log is not None and self.server_log.exists():
            tail = self.server_log.read_text(errors="replace").splitlines()[-LOG_LINES:]
            title = f"server log, last {LOG_LINES} lines of {self.server_log}"
            sections.append((title, "\n".join(tail)))
        return sections

    def _screenshot(self, number: int, page: Page) -> str:
        path = self.folder / f"screenshot-{number}.png"
        try:
            page.screenshot(path=path, full_page=True)
        except Exception as error:  # a closed or crashed page must not hide the real failure
            return f"page {number}: no screenshot ({error})"
        return f"page {number} at {page.url}: {path}"


EVIDENCE = pytest.StashKey[Evidence]()


@overload
def expect(actual: Page) -> PageAssertions: ...
@overload
def expect(actual: Locator) -> LocatorAssertions: ...
def expect(actual: Any) -> Any:
    """Playwright's `expect` (auto-waiting assertions), imported when a browser test runs."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(actual)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Headless Chromium for the session; the test skips if Chromium or Playwright is missing."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"no Chromium at {CHROMIUM}: {INSTALL_HINT}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip(f"Playwright is not installed: {INSTALL_HINT}")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def open_context(browser: Browser, base_url: str, **options: Any) -> BrowserContext:
    """A fresh context for BASE_URL that may use the clipboard; OPTIONS go to `new_context`."""
    context = browser.new_context(base_url=base_url, **options)
    context.set_default_timeout(TIMEOUT_MS)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    return context


def keep_evidence(
    request: pytest.FixtureRequest, tmp_path: Path, page: Page, server_log: Path | None
) -> None:
    """Have the report of the running test show PAGE and SERVER_LOG if it fails."""
    evidence = request.node.stash.setdefault(EVIDENCE, Evidence(tmp_path))
    evidence.pages.append(page)
    evidence.server_log = server_log or evidence.server_log


@pytest.fixture
def new_page(browser: Browser, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[NewPage]:
    """Open a page in a fresh context for BASE_URL: `new_page(base_url, server_log=…, **options)`.

    Options go to `Browser.new_context` (e.g. `viewport`, `storage_state`). The context may use
    the clipboard on BASE_URL; relative URLs in `page.goto` resolve against it. SERVER_LOG, if
    given, is quoted in the report when the test fails.
    """
    contexts: list[BrowserContext] = []

    def open_page(base_url: str, *, server_log: Path | None = None, **options: Any) -> Page:
        context = open_context(browser, base_url, **options)
        contexts.append(context)
        page = context.new_page()
        keep_evidence(request, tmp_path, page, server_log)
        return page

    yield open_page
    for context in contexts:
        context.close()
