"""The database goes away and comes back: 503s meanwhile, then service resumes by itself.

PostgreSQL only (OAUTHAPP_TEST_DATABASE_URL): the connection runs through a TCP proxy that the
test cuts and restores. With SQLite there is no server to lose.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.engine import make_url

from oauthapp import create_app
from oauthapp.extensions import db
from tests.accounts.helpers import csrf_token
from tests.conftest import TEST_DATABASE_URL, AppFactory, base_settings, deep_merge
from tests.factories import PASSWORD, make_application, make_org, make_user
from tests.tcpproxy import TCPProxy
from tests.token.helpers import bearer, client_credentials

needs_postgres = pytest.mark.skipif(
    not TEST_DATABASE_URL, reason="needs OAUTHAPP_TEST_DATABASE_URL (PostgreSQL)"
)
UNREACHABLE = "postgresql+psycopg://postgres@127.0.0.1:1/nowhere"


def test_a_back_office_page_without_its_database_is_a_readable_503(
    tmp_path: Path, key_pair: tuple[Path, Path]
) -> None:
    settings = deep_merge(base_settings(tmp_path, key_pair), {"database": {"url": UNREACHABLE}})
    settings["WTF_CSRF_ENABLED"] = False
    app = create_app(settings)
    response = app.test_client().post("/login", data={"username": "a", "password": "b"})
    text = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "temporarily unavailable" in text and "<html" in text.lower()
    assert "Traceback" not in text and "psycopg" not in text
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def proxy() -> Iterator[TCPProxy]:
    url = make_url(TEST_DATABASE_URL)
    line = TCPProxy(url.host or "127.0.0.1", url.port or 5432)
    line.start()
    yield line
    line.stop()


@pytest.fixture
def proxied_app(proxy: TCPProxy, make_app: AppFactory) -> Flask:
    # The proxy first: it must outlive the app, whose teardown empties the database through it.
    url = make_url(TEST_DATABASE_URL).set(host="127.0.0.1", port=proxy.port)
    return make_app(database={"url": url.render_as_string(hide_password=False)})


def log_in_status(app: Flask) -> int:
    client = app.test_client()
    token = csrf_token(client)
    data = {"csrf_token": token, "username": "alice", "password": PASSWORD}
    return client.post("/login", data=data).status_code


@needs_postgres
def test_an_outage_is_a_503_everywhere_and_service_resumes_when_the_database_returns(
    proxied_app: Flask, proxy: TCPProxy
) -> None:
    with proxied_app.app_context():
        org = make_org()
        make_user("alice", orgs=[org])
        application, secret = make_application(org)
        client_id = application.client_id
    http = proxied_app.test_client()
    token = client_credentials(http, client_id, secret).get_json()["access_token"]

    proxy.stop()
    refused = client_credentials(http, client_id, secret)
    assert refused.status_code == 503
    assert refused.get_json()["error"] == "temporarily_unavailable"
    me = http.get("/api/me", headers=bearer(token))
    assert me.status_code == 503 and me.get_json()["error"] == "temporarily_unavailable"
    page = http.post("/login", data={"username": "alice", "password": PASSWORD})
    assert page.status_code in (400, 503)  # the CSRF check may answer first; never a 500
    assert "Traceback" not in page.get_data(as_text=True)

    proxy.start()
    assert client_credentials(http, client_id, secret).status_code == 200
    assert http.get("/api/me", headers=bearer(token)).status_code == 200
    assert log_in_status(proxied_app) == 302
    with proxied_app.app_context():
        db.session.remove()


@needs_postgres
def test_the_back_office_shows_a_readable_page_while_the_database_is_down(
    proxied_app: Flask, proxy: TCPProxy
) -> None:
    with proxied_app.app_context():
        make_user("alice", orgs=[make_org()])
    client = proxied_app.test_client()
    token = csrf_token(client)
    proxy.stop()
    response = client.post("/login", data={"csrf_token": token, "username": "alice",
                                           "password": PASSWORD})  # fmt: skip
    text = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "temporarily unavailable" in text and "<html" in text.lower()
    assert response.headers["Retry-After"].isdigit()
    proxy.start()
