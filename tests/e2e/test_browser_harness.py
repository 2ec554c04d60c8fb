"""The browser harness itself: what a machine without Chromium, and a failing test, print.

Each case runs pytest in a subprocess on a small browser test written to a temporary folder,
with tests/e2e/conftest.py loaded as a plugin, and reads its output as CI would show it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from oauthapp.settings import ROOT
from tests.e2e.browser import CHROMIUM
from tests.server import SQLITE_PASS_ONLY

pytestmark = SQLITE_PASS_ONLY

BROWSER_TEST = """
from tests.e2e.browser import expect


def test_in_the_browser(new_page, tmp_path):
    log = tmp_path / "server.log"
    log.write_text("GET /admin/ 500 the line that explains it")
    page = new_page("http://127.0.0.1:9", server_log=log)
    page.set_content("<h1>Grid</h1>")
    expect(page.get_by_role("heading", name="Grid")).to_be_visible()
    assert {outcome}


def test_without_a_browser():
    assert True
"""


def run_pytest(folder: Path, outcome: str, **env: str) -> subprocess.CompletedProcess[str]:
    (folder / "test_harness_case.py").write_text(BROWSER_TEST.format(outcome=outcome))
    (folder / "pytest.ini").write_text("[pytest]\n")
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "tests.e2e.conftest", "-p", "no:cacheprovider",
         "-rs", "-c", str(folder / "pytest.ini"), str(folder)],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_without_chromium_only_the_browser_tests_skip_and_say_how_to_install_it(
    tmp_path: Path,
) -> None:
    result = run_pytest(tmp_path, "True", OAUTHAPP_TEST_CHROMIUM=str(tmp_path / "no-chromium"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed, 1 skipped" in result.stdout
    assert "apt-get install -y chromium" in result.stdout


def test_a_failing_browser_test_prints_its_screenshot_and_the_server_log(tmp_path: Path) -> None:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"no Chromium at {CHROMIUM}")
    result = run_pytest(tmp_path, "False")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 failed, 1 passed" in result.stdout
    assert "browser screenshots" in result.stdout
    [shot] = [
        line.split(": ", 1)[1] for line in result.stdout.splitlines() if "screenshot-1" in line
    ]
    assert Path(shot).read_bytes().startswith(b"\x89PNG")
    assert "GET /admin/ 500 the line that explains it" in result.stdout
