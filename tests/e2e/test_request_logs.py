"""JSON logs of real servers, read line by line: the request id end to end.

One gunicorn server (gunicorn.conf.py, as `make serve` runs it) with `logging.format: json`, its
access log on stdout, and `logging.trusted_proxies` naming 127.0.0.2 alone: requests sent from
127.0.0.2 come "from the proxy", requests from 127.0.0.1 straight from a client. Its rate-limit
storage is a Redis nobody listens on, so the token endpoint logs a warning inside each request.
The development server (`flask run`) writes its own request line the same way.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import re
import socket
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.e2e.concurrency_support import gunicorn, own_database
from tests.e2e.test_third_party_clients import (
    USERNAME,
    set_up_with_apps,
)
from tests.server import (
    free_port,
    serve,
    server_environ,
    site_config,
)

BACKEND = "postgresql" if os.environ.get("OAUTHAPP_TEST_DATABASE_URL") else "sqlite"
PROXY = "127.0.0.2"
CLIENT = "127.0.0.1"
NEW_ID = re.compile(r"^[0-9a-f]{32}$")
TIMEOUT = 10


@dataclass(frozen=True)
class Site:
    port: int
    log: Path
    client_id: str
    client_secret: str

    def entries(self) -> list[dict[str, Any]]:
        """Every line the server wrote, each parsed as one JSON object."""
        lines = self.log.read_text().splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    def lines_of(self, request_id: str) -> list[dict[str, Any]]:
        """The lines naming REQUEST_ID, once its access line is written."""
        deadline = time.monotonic() + TIMEOUT
        while True:
            found = [entry for entry in self.entries() if entry.get("request_id") == request_id]
            if any(entry["logger"] == "gunicorn.access" for entry in found):
                return found
            assert time.monotonic() < deadline, f"no access line for {request_id}"
            time.sleep(0.1)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("request_logs")
    with own_database(BACKEND, folder) as database:
        settings = {
            "database": {"url": database},
            "logging": {"format": "json", "trusted_proxies": [f"{PROXY}/32"]},
            "rate_limit": {"storage_url": f"redis://127.0.0.1:{closed_port()}/0"},
        }
        env = server_environ(site_config(folder, "http://127.0.0.1", settings=settings))
        [app] = set_up_with_apps(env, ("--name", "Nightly sync", "--grant", "client_credentials",
                                       "--owner", USERNAME))  # fmt: skip
        env["OAUTHAPP_ACCESS_LOG"] = "-"
        port = free_port()
        with gunicorn(env, port, folder / "server.log", workers=1):
            yield Site(port, folder / "server.log", app.client_id, app.client_secret)


def send(
    site: Site, method: str, path: str, source: str, headers: dict[str, str], body: str = ""
) -> tuple[int, str | None, str]:
    """METHOD PATH from the local address SOURCE: the status, X-Request-ID and body."""
    connection = http.client.HTTPConnection(
        "127.0.0.1", site.port, timeout=TIMEOUT, source_address=(source, 0)
    )
    try:
        connection.request(method, path, body=body or None, headers=headers)
        response = connection.getresponse()
        return response.status, response.getheader("X-Request-ID"), response.read().decode()
    finally:
        connection.close()


def token_request(site: Site, source: str, headers: dict[str, str]) -> tuple[int, str | None, str]:
    basic = base64.b64encode(f"{site.client_id}:{site.client_secret}".encode()).decode()
    form = {"Content-Type": "application/x-www-form-urlencoded", "Authorization": f"Basic {basic}"}
    return send(site, "POST", "/oauth2-token", source, {**form, **headers},
                "grant_type=client_credentials")  # fmt: skip


def test_a_trusted_proxys_id_comes_back_and_names_every_line_of_its_request(site: Site) -> None:
    sent = f"proxy-{uuid.uuid4().hex}"
    status, answered, body = token_request(site, PROXY, {"X-Request-ID": sent})
    assert (status, answered) == (200, sent)
    lines = site.lines_of(sent)
    assert [entry["logger"] for entry in lines] == ["oauthapp", "gunicorn.access"]
    assert "Rate-limit storage unavailable" in lines[0]["message"]
    assert (lines[0]["method"], lines[0]["path"]) == ("POST", "/oauth2-token")
    access = lines[1]
    assert access["level"] == "INFO"
    assert (access["method"], access["path"], access["status"]) == ("POST", "/oauth2-token", 200)
    assert access["client_id"] == site.client_id
    assert access["remote_addr"] == PROXY
    assert access["duration_ms"] > 0
    log = site.log.read_text()
    for secret in (site.client_secret, json.loads(body)["access_token"]):
        assert secret not in log
    # No line written during any request lacks its id.
    warnings = [e for e in site.entries() if "Rate-limit storage" in e["message"]]
    assert warnings and all("request_id" in e for e in warnings)


def test_without_a_trusted_proxy_a_client_sent_id_is_replaced(site: Site) -> None:
    forged = f"forged-{uuid.uuid4().hex}"
    status, answered, _ = token_request(site, CLIENT, {"X-Request-ID": forged})
    assert status == 200
    assert answered is not None and NEW_ID.match(answered)
    lines = site.lines_of(answered)
    assert [entry["logger"] for entry in lines] == ["oauthapp", "gunicorn.access"]
    assert lines[1]["remote_addr"] == CLIENT
    assert forged not in site.log.read_text()


def test_a_malformed_id_from_the_proxy_is_replaced(site: Site) -> None:
    status, answered, _ = send(site, "GET", "/login", PROXY, {"X-Request-ID": "two words"})
    assert status == 200 and answered is not None and NEW_ID.match(answered)
    [access] = site.lines_of(answered)
    assert (access["path"], access["status"]) == ("/login", 200)


def test_the_api_line_names_the_tokens_client_and_never_a_query_string(site: Site) -> None:
    _, _, body = token_request(site, CLIENT, {})
    token = json.loads(body)["access_token"]
    status, answered, _ = send(site, "GET", "/api/me", CLIENT, {"Authorization": f"Bearer {token}"})
    assert status == 200 and answered
    [access] = site.lines_of(answered)
    assert (access["path"], access["client_id"]) == ("/api/me", site.client_id)
    query = urllib.parse.urlencode({"access_token": token})
    status, refused, _ = send(site, "GET", f"/api/me?{query}", CLIENT, {})
    assert status == 401 and refused
    [access] = site.lines_of(refused)
    assert (access["path"], access["status"]) == ("/api/me", 401)
    assert "client_id" not in access
    assert token not in site.log.read_text()


def test_health_probes_answer_with_an_id_but_are_not_logged(site: Site) -> None:
    probes = [f"probe-{uuid.uuid4().hex}" for _ in range(2)]
    # Not ready: the rate-limit storage is down. Logged or not, the answer is the same.
    answers = {"/health/live": 200, "/health/ready": 503}
    for (path, status), sent in zip(answers.items(), probes, strict=True):
        assert send(site, "GET", path, PROXY, {"X-Request-ID": sent})[:2] == (status, sent)
    after = f"after-{uuid.uuid4().hex}"
    send(site, "GET", "/login", PROXY, {"X-Request-ID": after})
    site.lines_of(after)  # written after the probes' lines would have been
    log = site.log.read_text()
    assert not any(sent in log for sent in probes)


@pytest.fixture(scope="module")
def dev_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """`flask run` (as `make run` serves) with logging.format json: its base URL and output."""
    folder = tmp_path_factory.mktemp("dev_server_logs")
    config = site_config(folder, "http://127.0.0.1", settings={"logging": {"format": "json"}})
    log = folder / "server.log"
    with serve(server_environ(config), log, probe="/health/live") as base:
        yield base, log


def test_the_development_servers_line_names_the_id_and_no_query_string(
    dev_server: tuple[str, Path],
) -> None:
    base, log = dev_server
    sent = f"proxy-{uuid.uuid4().hex}"
    probe = requests.get(f"{base}/health/live", headers={"X-Request-ID": f"{sent}-probe"},
                         timeout=TIMEOUT)  # fmt: skip
    assert probe.headers["X-Request-ID"] == f"{sent}-probe"
    answer = requests.get(f"{base}/nowhere", params={"access_token": "query-secret"},
                          headers={"X-Request-ID": sent}, timeout=TIMEOUT)  # fmt: skip
    assert (answer.status_code, answer.headers["X-Request-ID"]) == (404, sent)
    deadline = time.monotonic() + TIMEOUT
    while sent not in log.read_text():
        assert time.monotonic() < deadline, "no line for the request"
        time.sleep(0.1)
    entries = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    [line] = [entry for entry in entries if entry.get("request_id") == sent]
    assert line["logger"] == "werkzeug"
    assert '"GET /nowhere HTTP/1.1" 404' in line["message"]
    assert "query-secret" not in log.read_text()
    assert f"{sent}-probe" not in log.read_text()  # probes are not logged at INFO
