"""Password spraying against a real gunicorn with two workers, counting in one Redis.

Failed password grants from one address are limited in total (`rate_limit.login`), whichever
worker answers them: with `memory://` each worker would allow the limit by itself.
"""

from __future__ import annotations

import os
import re
import secrets
import shlex
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.e2e.concurrency_support import TIMEOUT, gunicorn, own_database
from tests.e2e.test_third_party_clients import (
    ORG,
    PASSWORD,
    create_app_commands,
    printed_credentials,
)
from tests.server import flask_batch, free_port, server_environ, site_config

DATABASE_URL = os.environ.get("OAUTHAPP_TEST_DATABASE_URL", "")
REDIS_URL = os.environ.get("OAUTHAPP_TEST_REDIS_URL", "")
pytestmark = pytest.mark.skipif(
    not (DATABASE_URL.startswith("postgresql") and REDIS_URL),
    reason="two workers share PostgreSQL and Redis: set OAUTHAPP_TEST_DATABASE_URL and "
    "OAUTHAPP_TEST_REDIS_URL (as CI's second pass does)",
)
LIMIT = 6  # rate_limit.login
USERS = ("olivia", "noah", "emma")
SPRAYED = (*USERS, "nobody")  # an unknown user counts as a failure too
ATTEMPTS = 4 * LIMIT


@dataclass(frozen=True)
class Server:
    base: str
    access_log: Path
    client: tuple[str, str]  # the password application's client id and secret


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("shared_login_limit")
    with own_database("postgresql", folder) as database:
        settings = {
            "database": {"url": database},
            "rate_limit": {"storage_url": REDIS_URL, "login": f"{LIMIT}/minute"},
            # Behind one proxy: each test sprays from an X-Forwarded-For address of its own.
            "security": {"failed_login_limit": 0, "proxy_count": 1},
        }
        env = server_environ(site_config(folder, "https://oauth.example.test", settings=settings))
        *_, created = flask_batch(
            env,
            ("db", "upgrade"),
            ("oauth", "generate-keys"),
            ("orgs", "create", ORG),
            *[user_creation(name) for name in USERS],
            *create_app_commands(("--name", "Mobile app", "--grant", "password")),
        )
        [client] = printed_credentials([created])
        access_log = folder / "access.log"
        # Which worker answered each request: its pid, then the status.
        env["GUNICORN_CMD_ARGS"] = (
            f"--access-logfile {shlex.quote(str(access_log))} --access-logformat '%(p)s %(s)s'"
        )
        port = free_port()
        with gunicorn(env, port, folder / "gunicorn.log", workers=2):
            yield Server(
                f"http://127.0.0.1:{port}", access_log, (client.client_id, client.client_secret)
            )


def user_creation(name: str) -> tuple[str, ...]:
    email = f"{name}@example.com"
    return ("users", "create", name, "--email", email, "--password", PASSWORD, "--org", ORG)


def new_address() -> str:
    """A documentation address no other test or run has used."""
    return f"2001:db8::{secrets.token_hex(2)}:{secrets.token_hex(2)}"


def grant(server: Server, address: str, username: str, password: str) -> requests.Response:
    form = {"grant_type": "password", "username": username, "password": password}
    return requests.post(
        f"{server.base}/oauth2-token",
        data=form,
        auth=server.client,
        headers={"X-Forwarded-For": address},
        timeout=TIMEOUT,
    )


def refusals_by_worker(server: Server) -> Counter[str]:
    """How many invalid_grant answers (400) each worker gave, by pid."""
    lines = server.access_log.read_text().splitlines()
    return Counter(pid for pid, status in (line.split() for line in lines) if status == "400")


def test_spraying_through_both_workers_is_limited_in_total(server: Server) -> None:
    attacker = new_address()
    attempts = [SPRAYED[number % len(SPRAYED)] for number in range(ATTEMPTS)]
    # Two requests in flight at a time, so both workers are kept busy answering them.
    with ThreadPoolExecutor(max_workers=2) as pool:
        responses = list(
            pool.map(lambda name: grant(server, attacker, name, "Password1"), attempts)
        )
    statuses = Counter(response.status_code for response in responses)
    # Each check comes before its own failure is counted: with two workers, the request in
    # flight on the other one may slip through as well. Counted apart, they would allow 2 * LIMIT.
    assert LIMIT <= statuses[400] <= LIMIT + 1, statuses
    assert statuses[429] == ATTEMPTS - statuses[400], statuses
    workers = refusals_by_worker(server)
    assert len(workers) == 2, f"one worker answered every refusal: {workers}"
    assert all(re.fullmatch(r"<\d+>", pid) for pid in workers), workers

    throttled = grant(server, attacker, USERS[0], PASSWORD)
    assert throttled.status_code == 429, throttled.text
    assert throttled.json()["error"] == "too_many_requests"
    assert throttled.headers["Cache-Control"] == "no-store"
    assert 1 <= int(throttled.headers["Retry-After"]) <= 60
    assert grant(server, new_address(), USERS[0], PASSWORD).status_code == 200
