"""Two instances behind one load balancer: one PostgreSQL database, one Redis, shared keys.

Each instance is a gunicorn server started from the repository's gunicorn.conf.py, on its own
port. A token issued by one is used and refreshed on the other, a rotated refresh token replayed
on the first is caught, and failed client authentications are counted across both.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass

import psycopg
import pytest
import redis
import requests
from sqlalchemy.engine import make_url

from tests.e2e.concurrency_support import gunicorn
from tests.e2e.test_third_party_clients import (
    PASSWORD,
    USERNAME,
    set_up_with_apps,
)
from tests.server import free_port, server_environ, site_config

DATABASE_URL = os.environ.get("OAUTHAPP_TEST_DATABASE_URL", "")
REDIS_URL = os.environ.get("OAUTHAPP_TEST_REDIS_URL", "")
pytestmark = pytest.mark.skipif(
    not (DATABASE_URL.startswith("postgresql") and REDIS_URL),
    reason="two instances share PostgreSQL and Redis: set OAUTHAPP_TEST_DATABASE_URL and "
    "OAUTHAPP_TEST_REDIS_URL (as CI's second pass does)",
)
FAILURES_ALLOWED = 5  # rate_limit.token_endpoint of both instances


@dataclass(frozen=True)
class Pair:
    """The two instances' base URLs and the applications made for the test."""

    first: str
    second: str
    password_app: tuple[str, str]
    service_app: tuple[str, str]


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    """A database of its own on the test server: other tests empty theirs while these run."""
    url = make_url(DATABASE_URL)
    name = f"oauthapp_scale_{uuid.uuid4().hex[:8]}"
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def pair(database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    shared = tmp_path_factory.mktemp("shared")  # what every instance mounts: keys, secret key
    rate_limit = {"storage_url": REDIS_URL, "token_endpoint": f"{FAILURES_ALLOWED}/minute"}
    config = site_config(
        shared,
        "https://oauth.example.test",  # the issuer: the load balancer's address
        settings={"database": {"url": database}, "rate_limit": rate_limit},
    )
    env = server_environ(config)
    _forget_counters()
    password_app, service_app = set_up_with_apps(
        env,
        ("--name", "Mobile app", "--grant", "password"),
        ("--name", "Nightly sync", "--grant", "client_credentials", "--owner", USERNAME),
    )
    ports = free_port(), free_port()
    with ExitStack() as stack:
        for number, port in enumerate(ports):
            stack.enter_context(gunicorn(env, port, shared / f"instance{number}.log", workers=1))
        yield Pair(
            f"http://127.0.0.1:{ports[0]}",
            f"http://127.0.0.1:{ports[1]}",
            (password_app.client_id, password_app.client_secret),
            (service_app.client_id, service_app.client_secret),
        )


def _forget_counters() -> None:
    """Drop the counters a run within the last minute left under the servers' default prefix."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        for key in client.scan_iter(match="LIMITS:LIMITER/oauthapp/*"):
            client.delete(key)
    finally:
        client.close()


def token(base: str, client: tuple[str, str], **form: str) -> requests.Response:
    return requests.post(f"{base}/oauth2-token", data=form, auth=client, timeout=30)


def me(base: str, access_token: str) -> requests.Response:
    headers = {"Authorization": f"Bearer {access_token}"}
    return requests.get(f"{base}/api/me", headers=headers, timeout=30)


def test_a_token_from_one_instance_is_used_and_refreshed_on_the_other(pair: Pair) -> None:
    issued = token(pair.first, pair.password_app, grant_type="password",
                   username=USERNAME, password=PASSWORD)  # fmt: skip
    assert issued.status_code == 200, issued.text
    first = issued.json()
    assert me(pair.second, first["access_token"]).json()["username"] == USERNAME

    refreshed = token(pair.second, pair.password_app, grant_type="refresh_token",
                      refresh_token=first["refresh_token"])  # fmt: skip
    assert refreshed.status_code == 200, refreshed.text
    second = refreshed.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert me(pair.first, second["access_token"]).status_code == 200
    # Rotation revoked the first access token, on both instances.
    assert me(pair.first, first["access_token"]).status_code == 401
    assert me(pair.second, first["access_token"]).status_code == 401

    # The first refresh token, replayed on the first instance, is known there as used: its
    # whole family is revoked, including the access token the second instance issued.
    replay = token(pair.first, pair.password_app, grant_type="refresh_token",
                   refresh_token=first["refresh_token"])  # fmt: skip
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"
    assert me(pair.second, second["access_token"]).status_code == 401


def test_failed_client_authentications_are_counted_across_both_instances(pair: Pair) -> None:
    client_id, secret = pair.service_app
    wrong = (client_id, secret + "x")
    # Alternating between the instances, as a load balancer would: each sees only half.
    for attempt in range(FAILURES_ALLOWED):
        base = pair.first if attempt % 2 == 0 else pair.second
        refused = token(base, wrong, grant_type="client_credentials")
        assert refused.status_code == 401, (attempt, refused.text)
    # Neither instance saw FAILURES_ALLOWED failures by itself, yet both now refuse this client
    # from this address, even with the right secret, until the window passes.
    for base in (pair.first, pair.second):
        held_back = token(base, pair.service_app, grant_type="client_credentials")
        assert held_back.status_code == 429, held_back.text
        assert held_back.json()["error"] == "too_many_requests"
        assert int(held_back.headers["Retry-After"]) >= 1


def test_both_instances_sign_with_the_same_shared_key(pair: Pair) -> None:
    documents = [requests.get(f"{base}/.well-known/jwks.json", timeout=30).json()
                 for base in (pair.first, pair.second)]  # fmt: skip
    assert documents[0] == documents[1]
    assert len(documents[0]["keys"]) == 1
