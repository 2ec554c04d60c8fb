"""GET /metrics counts what the server did: tokens, refusals, requests, 429s, cache, outbox.

The metrics of one test process add up over its tests, so each test compares two scrapes.
"""

from __future__ import annotations

import logging

import pytest
from flask import Flask

from oauthapp.applications import service as applications
from oauthapp.extensions import db
from oauthapp.metrics import instruments
from oauthapp.models import Grant, Kind, OAuthApplication
from tests.conftest import AppFactory
from tests.factories import make_application, make_org, make_user
from tests.mailserver import SMTPServer, smtp_server
from tests.metrics.support import moved, parse, scrape, value
from tests.notifications.conftest import smtp_settings
from tests.token.grant_support import new_application
from tests.token.helpers import client_credentials, post_token

ISSUED = "oauthapp_tokens_issued_total"
REFUSED = "oauthapp_token_refusals_total"
REQUESTS = "oauthapp_http_requests_total"
__all__ = ["smtp_server"]
LABELS = {"grant", "kind", "error", "endpoint", "status", "area", "le"}


def test_issued_tokens_are_counted_by_grant_and_kind(app: Flask) -> None:
    client = app.test_client()
    backoffice = new_application(app)
    storefront = new_application(app, kind=Kind.STOREFRONT)
    before = scrape(client)

    for _ in range(2):
        assert (
            client_credentials(client, backoffice.client_id, backoffice.secret).status_code == 200
        )
    assert client_credentials(client, storefront.client_id, storefront.secret).status_code == 200

    after = scrape(client)
    assert moved(before, after, ISSUED, grant="client_credentials", kind="backoffice") == 2
    assert moved(before, after, ISSUED, grant="client_credentials", kind="storefront") == 1
    assert moved(before, after, REFUSED, grant="client_credentials", error="invalid_client") == 0


def test_refusals_are_counted_by_grant_and_error_code(app: Flask) -> None:
    client = app.test_client()
    registered = new_application(app)
    before = scrape(client)

    client_credentials(client, registered.client_id, "wrong secret")
    post_token(client, {"grant_type": "urn:made-up", "client_id": "x", "client_secret": "y"})
    post_token(client, {})

    after = scrape(client)
    assert moved(before, after, REFUSED, grant="client_credentials", error="invalid_client") == 1
    assert moved(before, after, REFUSED, grant="other", error="unsupported_grant_type") == 1
    assert moved(before, after, REFUSED, grant="none", error="invalid_request") == 1
    assert sum(v for (name, _), v in after.items() if name == ISSUED) == sum(
        v for (name, _), v in before.items() if name == ISSUED
    )


def test_requests_are_counted_by_endpoint_and_status_and_timed(app: Flask) -> None:
    client = app.test_client()
    before = scrape(client)

    for _ in range(3):
        client.get("/health/live")
    client.get("/no-such-page")

    after = scrape(client)
    assert moved(before, after, REQUESTS, endpoint="health.live", status="200") == 3
    assert moved(before, after, REQUESTS, endpoint="none", status="404") == 1
    duration = "oauthapp_http_request_duration_seconds"
    assert moved(before, after, f"{duration}_count", endpoint="health.live") == 3
    assert moved(before, after, f"{duration}_bucket", endpoint="health.live", le="+Inf") == 3
    assert 0 < moved(before, after, f"{duration}_sum", endpoint="health.live") < 3


def test_rate_limit_refusals_are_counted(make_app: AppFactory) -> None:
    app = make_app(rate_limit={"token_endpoint": "2/minute"})
    client = app.test_client()
    registered = new_application(app)
    before = scrape(client)

    statuses = [
        client_credentials(client, registered.client_id, "wrong").status_code for _ in range(3)
    ]

    after = scrape(client)
    assert statuses == [401, 401, 429]
    assert moved(before, after, "oauthapp_rate_limit_refusals_total", endpoint="token.token") == 1
    assert moved(before, after, REFUSED, grant="client_credentials", error="too_many_requests") == 1


def test_cache_hits_misses_and_invalidations_are_counted(app: Flask) -> None:
    client = app.test_client()
    registered = new_application(app)
    before = scrape(client)

    for _ in range(3):
        client_credentials(client, registered.client_id, registered.secret)
    middle = scrape(client)
    with app.app_context():
        other = db.session.get(OAuthApplication, new_application(app).id)
        assert other is not None
        applications.set_active(other, False)
    client_credentials(client, registered.client_id, registered.secret)

    after = scrape(client)
    assert moved(before, middle, "oauthapp_cache_misses_total", area="applications") == 1
    assert moved(before, middle, "oauthapp_cache_hits_total", area="applications") == 2
    assert moved(middle, after, "oauthapp_cache_invalidations_total") >= 1
    assert moved(middle, after, "oauthapp_cache_misses_total", area="applications") == 1


def test_outbox_sizes_and_failed_deliveries_are_shown(
    make_app: AppFactory, smtp_server: SMTPServer
) -> None:
    smtp_server.stop()  # connections are refused: the message stays queued for a retry
    app = make_app(**smtp_settings(smtp_server))
    client = app.test_client()
    before = scrape(client)
    assert value(before, "oauthapp_outbox_messages", status="queued") == 0

    with app.app_context():
        org = make_org()
        make_application(org, "Queued app", Grant.CLIENT_CREDENTIALS, owner=make_user(orgs=[org]))

    after = scrape(client)
    assert value(after, "oauthapp_outbox_messages", status="queued") == 1
    assert value(after, "oauthapp_outbox_messages", status="failed") == 0
    assert value(after, "oauthapp_outbox_retrying_messages") == 1
    assert moved(before, after, "oauthapp_outbox_delivery_failures_total", status="queued") == 1


def test_signing_keys_are_shown_usable_or_not(app: Flask, keyless_app: Flask) -> None:
    assert value(scrape(app.test_client()), "oauthapp_signing_keys_usable") == 1
    assert value(scrape(keyless_app.test_client()), "oauthapp_signing_keys_usable") == 0


def test_labels_hold_no_client_id_or_secret(app: Flask) -> None:
    client = app.test_client()
    registered = new_application(app)
    client_credentials(client, registered.client_id, registered.secret)
    client_credentials(client, registered.client_id, "a wrong secret")

    text = client.get("/metrics").get_data(as_text=True)

    assert registered.client_id not in text and registered.secret not in text
    assert "a wrong secret" not in text
    names = {name for _, labels in parse(text) for name, _ in labels}
    assert names <= LABELS, names - LABELS


def test_a_scrape_logs_nothing_at_info(app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        assert app.test_client().get("/metrics").status_code == 200
    assert [r for r in caplog.records if r.levelno >= logging.INFO] == []


def test_openmetrics_is_served_to_a_scraper_that_asks_for_it(app: Flask) -> None:
    accept = "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5"
    response = app.test_client().get("/metrics", headers={"Accept": accept})
    assert response.content_type.startswith("application/openmetrics-text")
    assert response.get_data(as_text=True).endswith("# EOF\n")
    assert response.headers["Cache-Control"] == "no-store"


def test_with_metrics_off_nothing_is_recorded_and_metrics_is_404(
    app: Flask, make_app: AppFactory
) -> None:
    off = make_app(metrics={"enabled": False})
    registered = new_application(off)
    before = scrape(app.test_client())

    assert (
        client_credentials(off.test_client(), registered.client_id, registered.secret).status_code
        == 200
    )
    response = off.test_client().get("/metrics")

    assert response.status_code == 404
    after = scrape(app.test_client())
    assert moved(before, after, ISSUED, grant="client_credentials", kind="backoffice") == 0
    assert moved(before, after, REQUESTS, endpoint="token.token", status="200") == 0


def test_a_failing_recorder_costs_the_client_nothing(
    app: Flask, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*labels: object) -> None:
        raise OSError("no space left for the metrics files")

    monkeypatch.setattr(instruments, "requests", broken)

    assert app.test_client().get("/health/live").status_code == 200
    assert "Recording the metrics of a request failed" in caplog.text
