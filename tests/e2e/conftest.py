"""End-to-end fixtures: the browser, and what a failing browser test leaves for CI to print."""

from __future__ import annotations

from collections.abc import Generator

import pytest

from tests.e2e.browser import EVIDENCE, browser, new_page

__all__ = ["browser", "new_page"]


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
