"""Response headers, HTTPS-only cookies and trusted proxies."""

from __future__ import annotations

from flask import Flask
from werkzeug.test import TestResponse

from tests.accounts.helpers import csrf_token
from tests.conftest import AppFactory
from tests.factories import PASSWORD, make_org, make_user


def session_cookie(response: TestResponse) -> str:
    [cookie] = [c for c in response.headers.getlist("Set-Cookie") if "oauthapp_session=" in c]
    return cookie


def log_in_over(app: Flask, base_url: str, headers: dict[str, str] | None = None) -> TestResponse:
    with app.app_context():
        make_user("alice", orgs=[make_org()])
    client = app.test_client()
    token = csrf_token(client, "/login")
    return client.post(
        "/login",
        data={"csrf_token": token, "username": "alice", "password": PASSWORD},
        base_url=base_url,
        headers=headers or {},
    )


def test_every_page_forbids_inline_scripts_framing_and_sniffing(app: Flask) -> None:
    for path in ("/login", "/oauth2-token", "/.well-known/jwks.json", "/no-such-page"):
        headers = app.test_client().get(path).headers
        policy = headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
        assert "frame-ancestors 'none'" in policy
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"


def test_hsts_only_over_https(app: Flask) -> None:
    client = app.test_client()
    assert "Strict-Transport-Security" not in client.get("/login").headers
    secure = client.get("/login", base_url="https://localhost").headers
    assert secure["Strict-Transport-Security"].startswith("max-age=31536000")


def test_the_session_cookie_is_secure_over_https_only(app: Flask) -> None:
    response = log_in_over(app, "https://localhost")
    cookie = session_cookie(response)
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_forwarded_headers_are_ignored_without_a_configured_proxy(app: Flask) -> None:
    response = log_in_over(app, "http://localhost", {"X-Forwarded-Proto": "https"})
    assert "Secure" not in session_cookie(response)


def test_behind_a_configured_proxy_https_is_recognised(make_app: AppFactory) -> None:
    app = make_app(security={"proxy_count": 1})
    response = log_in_over(app, "http://localhost", {"X-Forwarded-Proto": "https"})
    assert "Secure" in session_cookie(response)
    assert "Strict-Transport-Security" in response.headers


def test_a_body_over_the_limit_is_refused_readably(app: Flask) -> None:
    response = app.test_client().post("/login", data={"username": "x" * (2 * 1024 * 1024)})
    assert response.status_code == 413
    assert "<html" in response.get_data(as_text=True).lower()
