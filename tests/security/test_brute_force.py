"""Brute force: failed client authentications and failed log-ins are limited per address.

On Redis when OAUTHAPP_TEST_REDIS_URL is set (the counters live in the limiter's storage).
"""

from __future__ import annotations

import pytest
from flask import Flask

from oauthapp.security.rates import rate_limiter
from tests.accounts.helpers import csrf_token
from tests.conftest import AppFactory
from tests.factories import make_application, make_org, make_user
from tests.token.helpers import client_credentials

ATTACKER = "203.0.113.7"
CLIENT = "198.51.100.1"


def test_a_thousand_wrong_secrets_get_429_from_the_limit_on_and_the_client_still_gets_in(
    make_app: AppFactory,
) -> None:
    app = make_app(rate_limit={"token_endpoint": "60/minute"})
    with app.app_context():
        application, secret = make_application()
        client_id = application.client_id
    attacker = app.test_client()
    attacker.environ_base["REMOTE_ADDR"] = ATTACKER
    statuses = [client_credentials(attacker, client_id, "wrong").status_code for _ in range(1000)]
    assert statuses[:60] == [401] * 60
    assert statuses[60:] == [429] * 940
    response = client_credentials(attacker, client_id, "wrong")
    assert response.get_json()["error"] == "too_many_requests"
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert client_credentials(attacker, client_id, secret).status_code == 429
    legitimate = app.test_client()
    legitimate.environ_base["REMOTE_ADDR"] = CLIENT
    assert client_credentials(legitimate, client_id, secret).status_code == 200


def login(app: Flask, password: str, address: str, username: str = "alice") -> tuple[int, str, str]:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    token = csrf_token(client)
    response = client.post(
        "/login", data={"csrf_token": token, "username": username, "password": password}
    )
    return (
        response.status_code,
        response.headers.get("Retry-After", ""),
        response.get_data(as_text=True),
    )


def test_failed_log_ins_from_one_address_are_limited_with_a_readable_page(
    make_app: AppFactory,
) -> None:
    app = make_app(rate_limit={"login": "5/minute"}, security={"failed_login_limit": 0})
    with app.app_context():
        make_user("alice", orgs=[make_org()])
        make_user("bob", orgs=[make_org()])
    for number in range(5):
        status, _, _ = login(app, "wrong", ATTACKER, username=("alice", "bob")[number % 2])
        assert status == 200
    status, retry_after, page = login(app, "correct horse battery", ATTACKER)
    assert status == 429
    assert 1 <= int(retry_after) <= 60
    assert "Too many failed log-ins from your address." in page
    assert "<form" in page  # the login page itself, not an error dump
    assert login(app, "correct horse battery", CLIENT)[0] == 302  # other addresses are unaffected


def test_a_successful_request_costs_the_limiter_one_storage_call(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app()
    with app.app_context():
        application, secret = make_application()
        client_id = application.client_id
        storage = rate_limiter().storage
    calls: list[str] = []
    for name in ("get", "incr", "get_expiry", "get_moving_window", "acquire_entry", "clear"):
        if hasattr(storage, name):
            original = getattr(storage, name)
            monkeypatch.setattr(
                storage, name, lambda *a, _n=name, _o=original, **k: calls.append(_n) or _o(*a, **k)
            )
    assert client_credentials(app.test_client(), client_id, secret).status_code == 200
    assert calls == ["get"]
