"""A real oauthapp server for end-to-end tests: the CLI in subprocesses, then `flask run`."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml

from oauthapp.settings import ROOT

# A server that keeps its own SQLite database behaves the same in both of CI's passes; the
# PostgreSQL + Redis pass skips it rather than run it twice.
SQLITE_PASS_ONLY = pytest.mark.skipif(
    bool(os.environ.get("OAUTHAPP_TEST_DATABASE_URL")),
    reason="serves its own SQLite database in either pass: run in the SQLite pass",
)
START_TIMEOUT = 30.0
CLI_TIMEOUT = 120.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def site_config(
    folder: Path,
    base: str,
    mail: dict[str, object] | None = None,
    settings: dict[str, object] | None = None,
) -> Path:
    """Write FOLDER/config.yml for a server at BASE that keeps everything in FOLDER.

    SQLite, even when OAUTHAPP_TEST_DATABASE_URL names a PostgreSQL database: such a server
    lives in another process for a whole module, while the other tests' fixtures drop, migrate
    and truncate that shared database under it (a test that needs PostgreSQL passes a database
    of its own in SETTINGS). Mail goes to FOLDER/mail as .eml files
    unless MAIL names a server. SETTINGS, if given, adds or replaces whole top-level sections.
    """
    config = folder / "config.yml"
    written: dict[str, object] = {
        "database": {"url": f"sqlite:///{folder / 'oauthapp.sqlite'}"},
        "secret_key_file": str(folder / "secret_key"),
        "oauth2_server": {
            "issuer": base,
            "authorization_server": {"private_key": str(folder / "oauth_private.key")},
            "resource_server": {"public_key": str(folder / "oauth_public.key")},
        },
        "rate_limit": {"storage_url": "memory://"},
        "mail": {"server": "", "directory": str(folder / "mail"), **(mail or {})},
        **(settings or {}),
    }
    config.write_text(yaml.safe_dump(written))
    return config


def server_environ(config: Path) -> dict[str, str]:
    """This process's environment, reading only CONFIG (no database or Redis overrides)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"OAUTHAPP_DATABASE_URL", "OAUTHAPP_REDIS_URL"}
    }
    return {**env, "OAUTHAPP_CONFIG": str(config), "FLASK_DEBUG": "0"}


def flask(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run `flask --app app ARGS` in a separate process, as an operator would."""
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=CLI_TIMEOUT, check=False,
    )  # fmt: skip


def flask_ok(env: dict[str, str], *args: str) -> str:
    """Run a CLI command that must succeed; its standard output."""
    result = flask(env, *args)
    assert result.returncode == 0, (
        f"flask {' '.join(args)} exited {result.returncode}\n{result.stdout}{result.stderr}"
    )
    return result.stdout


def flask_ok_together(env: dict[str, str], *commands: Sequence[str]) -> list[str]:
    """Run independent CLI commands at once (each must succeed); their standard outputs.

    Only for commands that need nothing of each other. On a fresh folder they all start with the
    one secret key file the first of them creates (see tests/test_startup_races.py).
    """
    processes = [_start(env, args) for args in commands]
    outputs = []
    try:
        for args, process in zip(commands, processes, strict=True):
            stdout, stderr = process.communicate(timeout=CLI_TIMEOUT)
            assert process.returncode == 0, (
                f"flask {' '.join(args)} exited {process.returncode}\n{stdout}{stderr}"
            )
            outputs.append(stdout)
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)
    return outputs


def flask_batch(env: dict[str, str], *commands: Sequence[str]) -> list[str]:
    """Run CLI commands one after the other in one process (each must succeed); their outputs.

    For a test's set-up: the app starts once for all of them (tests/cli_batch.py). The commands
    themselves, one process each, are what tests/cli and tests/e2e/test_third_party_clients.py
    try.
    """
    with tempfile.TemporaryDirectory() as folder:
        results_path = Path(folder) / "results.json"
        process = subprocess.run(
            [sys.executable, "-m", "tests.cli_batch", str(results_path),
             json.dumps([list(args) for args in commands])],
            cwd=ROOT, env=env, capture_output=True, text=True,
            timeout=CLI_TIMEOUT * len(commands), check=False,
        )  # fmt: skip
        assert process.returncode == 0 and results_path.exists(), (
            f"the batch of flask commands exited {process.returncode}\n"
            f"{process.stdout}{process.stderr}"
        )
        results = json.loads(results_path.read_text())
    for args, result in zip(commands, results, strict=False):
        assert result["code"] == 0, (
            f"flask {' '.join(args)} exited {result['code']}\n{result['stdout']}{result['stderr']}"
        )
    assert len(results) == len(commands)
    return [result["stdout"] for result in results]


def _start(env: dict[str, str], args: Sequence[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", *args],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


@contextmanager
def serve(
    env: dict[str, str],
    log_path: Path,
    port: int | None = None,
    *,
    probe: str = "/login",
    timeout: float = START_TIMEOUT,
) -> Iterator[str]:
    """Run `flask run` on PORT (a free one by default) until the block ends; yield its base URL.

    Start-up is bounded by TIMEOUT: the server must answer PROBE by then, or the test fails with
    the server's log. The process is stopped (killed if it does not stop) when the block ends.
    """
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "flask", "--app", "app", "run",
               "--host", "127.0.0.1", "--port", str(port)]  # fmt: skip
    with serve_command(command, env, log_path, url + probe, timeout=timeout):
        yield url


@contextmanager
def serve_command(
    command: Sequence[str],
    env: dict[str, str],
    log_path: Path,
    probe_url: str,
    *,
    timeout: float = START_TIMEOUT,
) -> Iterator[None]:
    """Run COMMAND (a web server of any kind) until the block ends, once it answers PROBE_URL.

    Its output goes to LOG_PATH; start-up is bounded by TIMEOUT as for `serve`.
    """
    with log_path.open("w") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_until_answering(process, probe_url, log_path, timeout)
            yield
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def _wait_until_answering(
    process: subprocess.Popen[bytes], url: str, log_path: Path, timeout: float
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(
                f"the server exited with code {process.returncode}:\n" + log_path.read_text()
            )
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310
            return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"the server did not answer {url} within {timeout:g}s:\n" + log_path.read_text())
