"""GET /health/live and /health/ready: readiness follows the database, the keys and Redis.

Each dependency is taken away for real (a TCP proxy cut in front of PostgreSQL and Redis, the
key file moved aside) and given back; the probe says 503 naming it, then 200 again.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.engine import make_url

from tests.conftest import TEST_DATABASE_URL, AppFactory
from tests.tcpproxy import TCPProxy

REDIS_URL = os.environ.get("OAUTHAPP_TEST_REDIS_URL", "")


def probe(app: Flask, path: str = "/health/ready") -> tuple[int, dict[str, object]]:
    response = app.test_client().get(path)
    assert response.headers["Cache-Control"] == "no-store"
    return response.status_code, response.get_json()


def eventually(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the probe never changed its answer"
        time.sleep(0.1)


def test_live_and_ready_answer_without_a_session_or_secrets(app: Flask) -> None:
    assert probe(app, "/health/live") == (200, {"status": "live"})
    assert probe(app) == (200, {"status": "ready"})
    body = app.test_client().get("/health/ready").get_data(as_text=True)
    assert "version" not in body.lower() and "postgres" not in body.lower()
    assert "Set-Cookie" not in app.test_client().get("/health/ready").headers


def test_ready_is_503_without_the_signing_key_and_200_once_it_is_back(
    make_app: AppFactory, tmp_path: Path, key_pair: tuple[Path, Path]
) -> None:
    private = tmp_path / "own.key"
    shutil.copy(key_pair[0], private)
    public = tmp_path / "own.pub"
    shutil.copy(key_pair[1], public)
    app = make_app(
        oauth2_server={
            "authorization_server": {"private_key": str(private)},
            "resource_server": {"public_key": str(public)},
        }
    )
    assert probe(app)[0] == 200
    private.rename(tmp_path / "aside.key")
    assert probe(app) == (503, {"status": "unavailable", "failed": ["signing_keys"]})
    assert probe(app, "/health/live")[0] == 200  # the process still answers
    (tmp_path / "aside.key").rename(private)
    assert probe(app) == (200, {"status": "ready"})


@pytest.fixture
def database_proxy() -> Iterator[TCPProxy]:
    url = make_url(TEST_DATABASE_URL)
    line = TCPProxy(url.host or "127.0.0.1", url.port or 5432)
    line.start()
    yield line
    line.stop()


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="needs OAUTHAPP_TEST_DATABASE_URL (PostgreSQL)")
def test_ready_is_503_while_the_database_is_down(
    database_proxy: TCPProxy, make_app: AppFactory
) -> None:
    url = make_url(TEST_DATABASE_URL).set(host="127.0.0.1", port=database_proxy.port)
    app = make_app(database={"url": url.render_as_string(hide_password=False)})
    assert probe(app)[0] == 200
    database_proxy.stop()
    eventually(lambda: probe(app) == (503, {"status": "unavailable", "failed": ["database"]}))
    database_proxy.start()
    eventually(lambda: probe(app)[0] == 200)


@pytest.fixture
def redis_proxy() -> Iterator[TCPProxy]:
    url = make_url(REDIS_URL.replace("redis://", "redis+x://"))
    line = TCPProxy(url.host or "127.0.0.1", url.port or 6379)
    line.start()
    yield line
    line.stop()


@pytest.mark.skipif(not REDIS_URL, reason="needs OAUTHAPP_TEST_REDIS_URL")
def test_ready_is_503_while_redis_is_down(redis_proxy: TCPProxy, make_app: AppFactory) -> None:
    app = make_app(rate_limit={"storage_url": f"redis://127.0.0.1:{redis_proxy.port}/0"})
    assert probe(app)[0] == 200
    redis_proxy.stop()
    eventually(
        lambda: probe(app) == (503, {"status": "unavailable", "failed": ["rate_limit_storage"]})
    )
    redis_proxy.start()
    eventually(lambda: probe(app)[0] == 200)
