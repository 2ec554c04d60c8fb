"""axe-core in the page: the accessibility rules a screen-reader or keyboard user depends on.

axe-core comes from the npm registry (package.json; `make install` runs `npm ci`). It is evaluated
in the page through the DevTools protocol, which the pages' Content-Security-Policy (scripts from
'self' only) does not apply to, so the pages are checked exactly as they are served.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from oauthapp.settings import ROOT

if TYPE_CHECKING:
    from playwright.sync_api import Page

AXE_SCRIPT = ROOT / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = frozenset({"serious", "critical"})

RUN_AXE = """async () => {
  const results = await axe.run(document, {resultTypes: ["violations"]});
  return results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.slice(0, 5).map(n => n.target.join(" ")),
    summary: v.nodes.length ? v.nodes[0].failureSummary : "",
  }));
}"""


@pytest.fixture(scope="session")
def axe_source() -> str:
    """The axe-core script; the test skips, saying how to get it, when npm has not installed it."""
    if not AXE_SCRIPT.exists():
        pytest.skip(f"no {AXE_SCRIPT.relative_to(ROOT)}: run `make install` (npm ci; needs npm)")
    return AXE_SCRIPT.read_text(encoding="utf-8")


def blocking_violations(page: Page, source: str) -> list[str]:
    """The serious and critical violations axe finds on PAGE as it is now, one line each."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(source)
    found = page.evaluate(RUN_AXE)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {', '.join(v['targets'])}\n  {v['summary']}"
        for v in found
        if v["impact"] in BLOCKING
    ]
