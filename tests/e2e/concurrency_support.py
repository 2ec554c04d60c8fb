"""What the concurrency tests need beside `tests.server`: a database of their own, a config
variant, parallel CLI runs that may fail, a gunicorn server, and looks straight into the database.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from oauthapp.settings import ROOT
from tests.server import CLI_TIMEOUT, START_TIMEOUT, site_config

POSTGRES_URL = os.environ.get("OAUTHAPP_TEST_DATABASE_URL", "")
TIMEOUT = 10  # seconds, for every HTTP request to a server


@contextmanager
def own_database(backend: str, folder: Path) -> Iterator[str]:
    """The URL of a database for one module's servers alone, removed when the block ends.

    On PostgreSQL a throwaway database beside the one OAUTHAPP_TEST_DATABASE_URL names: other
    tests empty that one at any moment, and a server process would see its rows vanish.
    """
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'oauthapp.sqlite'}"
        return
    name = f"oauthapp_conc_{secrets.token_hex(4)}"
    # Administered from the maintenance database, so no connection ever sits in the named one.
    admin = create_engine(
        make_url(POSTGRES_URL).set(database="postgres"),
        isolation_level="AUTOCOMMIT",
        poolclass=NullPool,
    )
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
        connection.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def write_config(
    folder: Path,
    file_name: str,
    base: str,
    database_url: str,
    *,
    reuse_detection: bool = True,
    reuse_interval: int = 0,
) -> Path:
    """FOLDER/FILE_NAME: `site_config` for a server at BASE, on DATABASE_URL."""
    settings = yaml.safe_load(site_config(folder, base).read_text())
    settings["database"]["url"] = database_url
    auth = settings["oauth2_server"]["authorization_server"]
    auth["refresh_token_reuse_detection"] = reuse_detection
    auth["refresh_token_reuse_interval"] = reuse_interval
    path = folder / file_name
    path.write_text(yaml.safe_dump(settings))
    return path


def flask_together(
    env: dict[str, str], commands: Sequence[Sequence[str]]
) -> list[subprocess.CompletedProcess[str]]:
    """Start `flask --app app COMMAND` for each of COMMANDS at once; how each one ended."""
    processes = [_start(env, args) for args in commands]
    results = []
    deadline = time.monotonic() + CLI_TIMEOUT
    try:
        for args, process in zip(commands, processes, strict=True):
            remaining = max(deadline - time.monotonic(), 1.0)
            stdout, stderr = process.communicate(timeout=remaining)
            results.append(subprocess.CompletedProcess(args, process.returncode, stdout, stderr))
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)
    return results


def _start(env: dict[str, str], args: Sequence[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", *args],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


@contextmanager
def gunicorn(env: dict[str, str], port: int, log_path: Path, workers: int) -> Iterator[int]:
    """Serve `app:app` with gunicorn's WORKERS sync workers until the block ends; the master pid."""
    with log_path.open("w") as log:
        master = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}",
             "--graceful-timeout", "5", "app:app"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            wait_for(
                lambda: master.poll() is None and len(children(master.pid)) == workers,
                START_TIMEOUT,
                lambda: f"gunicorn did not start {workers} workers:\n" + log_path.read_text(),
            )
            wait_for(
                lambda: _answers(f"http://127.0.0.1:{port}/login"),
                START_TIMEOUT,
                lambda: "gunicorn did not answer:\n" + log_path.read_text(),
            )
            yield master.pid
        finally:
            master.send_signal(signal.SIGTERM)
            try:
                master.wait(timeout=15)
            except subprocess.TimeoutExpired:
                for pid in children(master.pid):
                    with suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                master.kill()
                master.wait(timeout=10)


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def children(pid: int) -> set[int]:
    """The pids of PID's child processes."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found.update(int(child) for child in (task / "children").read_text().split())
        except OSError:
            continue  # the thread ended meanwhile
    return found


def wait_for(condition: Callable[[], bool], timeout: float, message: Callable[[], str]) -> None:
    """Poll CONDITION until it holds; fail with MESSAGE after TIMEOUT seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(message())
        time.sleep(0.05)


def query(database_url: str, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    """The rows of one read-only statement, on a connection of its own."""
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql), params)]
    finally:
        engine.dispose()


LIVE_TOKENS = """
    SELECT family_id, access_token_jti FROM oauth_refresh_tokens
    WHERE revoked = false AND rotated_at IS NULL
"""

ORPHANED_TOKENS = """
    SELECT t.id FROM oauth_refresh_tokens t
    LEFT JOIN oauth_applications a ON a.id = t.application_id
    LEFT JOIN users u ON u.id = t.user_id
    WHERE a.id IS NULL OR (t.user_id IS NOT NULL AND u.id IS NULL)
"""


def live_tokens(database_url: str) -> dict[str, list[str]]:
    """For each refresh token family with live tokens (neither revoked nor rotated): the access
    token ids those tokens were issued with."""
    live: dict[str, list[str]] = {}
    for family, jti in query(database_url, LIVE_TOKENS):
        live.setdefault(family, []).append(jti)
    return live


def family_of(database_url: str, jti: str) -> str:
    """The family of the refresh token issued with the access token JTI."""
    sql = "SELECT family_id FROM oauth_refresh_tokens WHERE access_token_jti = :jti"
    [(family,)] = query(database_url, sql, jti=jti)
    return str(family)


def integrity_problems(database_url: str) -> list[str]:
    """What is wrong with the database's structure and references; empty when nothing is."""
    problems = []
    if database_url.startswith("sqlite"):
        checked = query(database_url, "PRAGMA integrity_check")
        if checked != [("ok",)]:
            problems.append(f"integrity_check: {checked}")
        dangling = query(database_url, "PRAGMA foreign_key_check")
        if dangling:
            problems.append(f"foreign_key_check: {dangling}")
    orphans = query(database_url, ORPHANED_TOKENS)
    if orphans:
        problems.append(f"refresh tokens of missing applications or users: {orphans}")
    crowded = {family: jtis for family, jtis in live_tokens(database_url).items() if len(jtis) > 1}
    if crowded:
        problems.append(f"families with more than one live refresh token: {crowded}")
    return problems
