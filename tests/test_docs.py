"""Executable documentation: the examples of README.md and docs/*.md, run against the demo.

One server serves every example: `flask run` on a free port, set up as the README's "Running
it" says (db upgrade, generate-keys, demo), on SQLite in the first pass and on a throwaway
PostgreSQL database in the second. How blocks are found, run and compared: tests/docs_examples.py.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from oauthapp.settings import ROOT
from tests.docs_examples import (
    ALIASES,
    DOCS,
    RUN,
    Block,
    Demo,
    Reader,
    all_blocks,
    blocks,
    compare,
    demo_credentials,
    mismatch,
    runnable,
)
from tests.e2e.concurrency_support import own_database
from tests.server import flask_ok, free_port, serve, server_environ, site_config

BACKEND = "postgresql" if os.environ.get("OAUTHAPP_TEST_DATABASE_URL") else "sqlite"
EXAMPLES_RUN = 23
EXAMPLES_NOT_RUN = 16
DEMO_APPLICATIONS = {  # what the examples name
    "Demo back-office integration",
    "Demo mobile app",
    "Demo storefront integration",
    "Demo storefront app",
    "Demo web app",
    "Demo desktop app",
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    folder = tmp_path_factory.mktemp("docs-demo")
    with own_database(BACKEND, folder) as database_url:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        config = site_config(folder, base, settings={"database": {"url": database_url}})
        env = server_environ(config)
        flask_ok(env, "db", "upgrade")
        flask_ok(env, "oauth", "generate-keys")
        apps, passwords = demo_credentials(flask_ok(env, "demo"))
        with serve(env, folder / "server.log", port) as url:
            yield Demo(url, env, apps, passwords)


def test_the_demo_prints_what_the_examples_need_and_keeps_its_passwords(demo: Demo) -> None:
    assert set(demo.apps) == DEMO_APPLICATIONS
    assert set(demo.passwords) == {"admin", "jane", "customer@example.com"}
    stored = Path(demo.env["OAUTHAPP_CONFIG"]).parent / "demo_credentials"
    lines = stored.read_text().splitlines()
    assert dict(line.split("\t", 1) for line in lines) == demo.passwords


def test_every_shell_and_python_block_is_run_or_says_why_not() -> None:
    """Counts the examples: each is run by the test below, or marked with its reason."""
    found = all_blocks()
    renamed = [f"{block.where} ```{block.lang}" for block in found if block.lang in ALIASES]
    assert not renamed, f"write ```sh or ```python, which the suite runs: {renamed}"
    examples = [block for block in found if block.lang in RUN]
    unexplained = [block.where for block in examples if block.not_run == ""]
    assert not unexplained, f"say why these are not run: {unexplained}"
    ran = [block.where for path in DOCS for block in runnable(path)]
    not_run = [block.where for block in examples if block.not_run]
    assert len(ran) + len(not_run) == len(examples)
    # Deliberate numbers: an example added, removed or marked not run changes them.
    assert (len(ran), len(not_run)) == (EXAMPLES_RUN, EXAMPLES_NOT_RUN), (ran, not_run)


@pytest.mark.parametrize(
    "path",
    [path for path in DOCS if any(runnable(path))],
    ids=lambda path: str(path.relative_to(ROOT)),
)
def test_the_examples_work_as_documented(demo: Demo, path: Path) -> None:
    """In order, as a reader does: each example exits 0 and prints what the docs show."""
    reader = Reader(demo)
    ran = 0
    for block in runnable(path):
        problem = reader.run(block)
        if problem:
            pytest.fail(f"{block.where}: the example\n{block.text}{problem}", pytrace=False)
        ran += 1
    assert ran == sum(1 for block in blocks(path) if block.runs)


# The comparison itself, on outputs it must accept and refuse.


def test_a_documented_json_answer_matches_loosely_where_values_vary() -> None:
    documented = {"token_type": "Bearer", "access_token": "eyJ…", "org": 2, "scope": ""}
    printed = {"token_type": "Bearer", "access_token": "eyJabc", "org": 7, "scope": ""}
    assert mismatch(documented, printed) is None
    assert mismatch(documented, {**printed, "access_token": "xyz"})
    assert mismatch(documented, {**printed, "org": "7"})
    assert mismatch(documented, {**printed, "scope": "openid"})
    assert mismatch(documented, {**printed, "refresh_token": "r"})


def test_a_documented_http_answer_needs_its_status_headers_and_body() -> None:
    documented = 'HTTP/1.1 401 UNAUTHORIZED\nCache-Control: no-store\n\n{"error": "x"}\n'
    printed = (
        'HTTP/1.1 401 UNAUTHORIZED\r\nDate: now\r\nCache-Control: no-store\r\n\r\n{"error": "x"}'
    )
    assert compare("http", documented, printed) is None
    assert compare("http", documented, printed.replace("401 UNAUTHORIZED", "400 BAD REQUEST"))
    assert compare("http", documented, printed.replace("no-store", "no-cache"))
    assert compare("http", documented, printed.replace('"x"', '"y"'))


def test_blocks_know_their_marker_output_and_demo_application(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "<!-- not run: needs a browser -->\n```sh\nopen x\n```\n\n"
        '```sh\n# demo: app "Demo mobile app", user jane\ncurl x\n```\n\n```json\n{}\n```\n'
    )
    first, second, output = blocks(page)
    assert (first.not_run, first.runs) == ("needs a browser", False)
    assert second.runs and second.output is output
    assert second.demo() == ("Demo mobile app", "jane")
    assert Block(page, 1, "sh", "curl x\n").demo() is None
