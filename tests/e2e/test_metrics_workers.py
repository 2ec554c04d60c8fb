"""GET /metrics under gunicorn with two workers: each scrape counts what both of them did.

The server is started as `make serve` starts it (gunicorn.conf.py, which gives the workers an
empty metrics folder). One worker is kept busy by a request whose headers have not all arrived,
so that the other serves the tokens meanwhile; then the held request is finished, and every
scrape, whichever worker answers it, must count the requests of both: a worker that showed only
its own counts would show either the held request's refusal or the tokens, never both.
"""

from __future__ import annotations

import base64
import os
import re
import socket
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pytest
import requests

from tests.e2e.concurrency_support import TIMEOUT, own_database
from tests.e2e.test_third_party_clients import USERNAME, set_up_with_apps
from tests.metrics.support import Samples, moved, parse
from tests.server import (
    free_port,
    serve_command,
    server_environ,
    site_config,
)

BACKEND = "postgresql" if os.environ.get("OAUTHAPP_TEST_DATABASE_URL") else "sqlite"
REDIS_URL = os.environ.get("OAUTHAPP_TEST_REDIS_URL", "")
TOKENS = 12
ISSUED = "oauthapp_tokens_issued_total"
REFUSED = "oauthapp_token_refusals_total"


@dataclass(frozen=True)
class Server:
    base: str
    port: int
    client_id: str
    secret: str
    log: Path


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("metrics")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with own_database(BACKEND, folder) as database:
        settings: dict[str, object] = {"database": {"url": database}}
        if REDIS_URL:
            settings["rate_limit"] = {"storage_url": REDIS_URL}
        env = server_environ(site_config(folder, base, settings=settings))
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)  # gunicorn.conf.py makes one
        [service] = set_up_with_apps(
            env, ("--name", "Nightly sync", "--grant", "client_credentials", "--owner", USERNAME)
        )
        command = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "-w", "2",
                   "-b", f"127.0.0.1:{port}", "--graceful-timeout", "5", "app:app"]  # fmt: skip
        log = folder / "gunicorn.log"
        with serve_command(command, env, log, f"{base}/health/live"):
            yield Server(base, port, service.client_id, service.client_secret, log)


def scrape(base: str) -> Samples:
    response = requests.get(f"{base}/metrics", timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    return parse(response.text)


def issue_token(server: Server) -> None:
    response = requests.post(
        f"{server.base}/oauth2-token",
        data={"grant_type": "client_credentials"},
        auth=(server.client_id, server.secret),
        timeout=TIMEOUT,
    )
    assert response.status_code == 200, response.text


def token_request(server: Server, secret: str) -> bytes:
    """A client-credentials request as raw HTTP/1.1."""
    body = urlencode({"grant_type": "client_credentials"}).encode()
    credentials = base64.b64encode(f"{server.client_id}:{secret}".encode()).decode()
    head = (
        f"POST /oauth2-token HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
        f"Authorization: Basic {credentials}\r\nConnection: close\r\n"
        f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def test_every_scrape_counts_the_requests_of_both_workers(server: Server) -> None:
    before = scrape(server.base)
    held = socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT)
    try:
        request = token_request(server, "a wrong secret")
        held.sendall(request[:40])  # a worker waits for the rest of the headers
        for _ in range(TOKENS):  # so the other one issues these
            issue_token(server)
        held.sendall(request[40:])
        answer = held.recv(65536)
    finally:
        held.close()
    assert answer.startswith(b"HTTP/1.1 401"), answer[:200]

    for _ in range(4):  # answered by either worker
        after = scrape(server.base)
        assert moved(before, after, ISSUED, grant="client_credentials", kind="backoffice") == TOKENS
        assert (
            moved(before, after, REFUSED, grant="client_credentials", error="invalid_client") == 1
        )
        duration = "oauthapp_http_request_duration_seconds_count"
        assert moved(before, after, duration, endpoint="token.token") == TOKENS + 1

    # Each worker keeps its counts in a file of its own, in the folder gunicorn.conf.py made.
    found = re.search(r"Metrics of the workers in (\S+)", server.log.read_text())
    assert found, server.log.read_text()
    files = {path.name for path in Path(found[1]).glob("counter_*.db")}
    assert len(files) == 2, files  # both workers have answered by now


def test_the_state_gauges_and_the_cache_are_shown(server: Server) -> None:
    for _ in range(TOKENS):
        issue_token(server)
    samples = scrape(server.base)
    assert samples[("oauthapp_signing_keys_usable", ())] == 1
    assert ("oauthapp_outbox_messages", (("status", "queued"),)) in samples
    # Every token request looked its application up: from a worker's cache or the database.
    lookups = ("oauthapp_cache_hits_total", "oauthapp_cache_misses_total")
    assert sum(v for (name, labels), v in samples.items()
               if name in lookups and labels == (("area", "applications"),)) >= TOKENS  # fmt: skip
