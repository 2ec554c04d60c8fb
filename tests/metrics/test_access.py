"""Who may read GET /metrics: the networks of `metrics.allow_from` (loopback by default).

Behind trusted proxies (`security.proxy_count`) the client's address is the one that counts,
as X-Forwarded-For names it; a client cannot name itself past the proxies trusted.
"""

from __future__ import annotations

import pytest
from flask import Flask

from tests.conftest import AppFactory


def status(app: Flask, address: str, forwarded_for: str | None = None) -> int:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    response = app.test_client().get(
        "/metrics", environ_base={"REMOTE_ADDR": address}, headers=headers
    )
    return response.status_code


@pytest.mark.parametrize(
    ("address", "expected"),
    [("127.0.0.1", 200), ("127.8.9.10", 200), ("::1", 200), ("::ffff:127.0.0.1", 200),
     ("203.0.113.9", 403), ("10.0.0.1", 403), ("2001:db8::1", 403), ("", 403)],
)  # fmt: skip
def test_by_default_only_loopback_may_read(app: Flask, address: str, expected: int) -> None:
    assert status(app, address) == expected


def test_a_refusal_says_why_and_shows_no_metric(app: Flask) -> None:
    response = app.test_client().get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert response.status_code == 403
    assert response.content_type.startswith("text/plain")
    assert "metrics.allow_from" in response.get_data(as_text=True)
    assert "oauthapp_" not in response.get_data(as_text=True)


def test_the_configured_networks_replace_loopback(make_app: AppFactory) -> None:
    app = make_app(metrics={"allow_from": ["10.0.0.0/8", "2001:db8::/32"]})
    assert status(app, "10.20.30.40") == 200
    assert status(app, "2001:db8::7") == 200
    assert status(app, "127.0.0.1") == 403


def test_an_empty_list_lets_nobody_read(make_app: AppFactory) -> None:
    assert status(make_app(metrics={"allow_from": []}), "127.0.0.1") == 403


def test_behind_a_trusted_proxy_the_client_address_counts(make_app: AppFactory) -> None:
    app = make_app(security={"proxy_count": 1}, metrics={"allow_from": ["10.0.0.0/8"]})
    assert status(app, "192.0.2.1", forwarded_for="10.1.1.1") == 200
    # The proxy itself is on loopback, but the client it speaks for is not allowed.
    assert status(app, "127.0.0.1", forwarded_for="203.0.113.9") == 403
    # Only the last hop is the trusted proxy's: an address the client put first is ignored.
    assert status(app, "192.0.2.1", forwarded_for="10.1.1.1, 203.0.113.9") == 403
