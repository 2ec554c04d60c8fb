"""A newcomer's first run, against a real server process: migrate, keys, demo, serve, log in."""

from __future__ import annotations

import http.cookiejar
import json
import re
import stat
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.server import flask, serve, server_environ


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """A config whose database, keys and secret key live in this test's folder."""
    config = tmp_path / "config.yml"
    config.write_text(yaml.safe_dump({"security": {"failed_login_limit": 5}}))
    return server_environ(config)


@pytest.fixture
def server(env: dict[str, str], tmp_path: Path) -> Iterator[str]:
    assert flask(env, "db", "upgrade").returncode == 0
    with serve(env, tmp_path / "server.log") as url:
        yield url


def test_demo_credentials_log_in_to_the_running_server(env: dict[str, str], server: str) -> None:
    assert flask(env, "oauth", "generate-keys").returncode == 0
    demo = flask(env, "demo")
    assert demo.returncode == 0, demo.stderr
    password = re.search(r"password: (\S+)", demo.stdout)
    assert password, demo.stdout

    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    login_page = opener.open(f"{server}/login").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login_page)
    assert token
    form = {"csrf_token": token.group(1), "username": "admin", "password": password.group(1)}
    home = opener.open(f"{server}/login", data=urllib.parse.urlencode(form).encode())
    assert home.url == f"{server}/admin/"
    html = home.read().decode()
    assert "Welcome, admin" in html
    assert "Main Organization" in html and "Acme Retail" in html


def test_demo_is_idempotent_and_reprints_the_password(env: dict[str, str]) -> None:
    assert flask(env, "db", "upgrade").returncode == 0
    first, second = flask(env, "demo"), flask(env, "demo")
    assert second.returncode == 0
    assert "client_secret" in first.stdout and "client_secret" not in second.stdout
    password = re.search(r"password: (\S+)", first.stdout)
    assert password and f"password: {password.group(1)}" in second.stdout


def test_create_app_json_prints_a_secret_the_database_never_holds(
    env: dict[str, str], tmp_path: Path
) -> None:
    assert flask(env, "db", "upgrade").returncode == 0
    assert flask(env, "orgs", "create", "Acme").returncode == 0
    created = flask(
        env,
        "oauth",
        "create-app",
        "--org",
        "Acme",
        "--name",
        "Cron",
        "--grant",
        "password",
        "--json",
    )
    assert created.returncode == 0, created.stderr
    data = json.loads(created.stdout.strip())
    assert set(data) == {"id", "client_id", "client_secret"}
    database = (tmp_path / "var" / "oauthapp.sqlite").read_bytes()
    assert data["client_id"].encode() in database
    assert data["client_secret"].encode() not in database


def test_generate_keys_twice_changes_nothing(env: dict[str, str], tmp_path: Path) -> None:
    assert flask(env, "oauth", "generate-keys").returncode == 0
    private = tmp_path / "var" / "oauth_private.key"
    before = (private.read_bytes(), private.stat().st_mtime_ns)
    again = flask(env, "oauth", "generate-keys")
    assert again.returncode == 0
    assert "nothing was changed" in again.stdout
    assert (private.read_bytes(), private.stat().st_mtime_ns) == before
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert flask(env, "oauth", "check-keys").returncode == 0
