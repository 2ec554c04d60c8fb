"""The caches in one process: repeated lookups ask the database nothing; this process's own
changes apply at once; what no cache holds (last use, login counters) invalidates nothing.

Freshness across workers and instances (SPEC §9) is tested end to end in
tests/e2e/test_freshness.py; these tests count the statements one process sends.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask import Flask
from sqlalchemy import event, select

from oauthapp import get_settings, pool
from oauthapp.accounts import service as accounts
from oauthapp.applications import service as applications
from oauthapp.cache import cache
from oauthapp.extensions import db
from oauthapp.keys import keys
from oauthapp.models import OAuthApplication, User, UserRole
from oauthapp.security import lockout
from oauthapp.token import access_tokens
from tests.factories import make_application, make_org
from tests.token.helpers import assert_error, bearer, client_credentials


@contextmanager
def statements(app: Flask) -> Iterator[list[str]]:
    """The SQL statements the app sends inside the block (its connection pool's)."""
    sent: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        sent.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)


def cache_ready(app: Flask) -> None:
    """Wait until the change feed can vouch for the cache (PostgreSQL: its listener is up)."""
    deadline = time.monotonic() + 10
    with app.app_context():
        while cache().current() is None:
            assert time.monotonic() < deadline, "the cache's change feed never came up"
            time.sleep(0.02)


def service_app(app: Flask) -> tuple[str, str, int]:
    with app.app_context():
        application, secret = make_application(make_org())
        return application.client_id, secret, application.id


def test_a_repeated_client_credentials_grant_asks_the_database_nothing(app: Flask) -> None:
    client_id, secret, _ = service_app(app)
    cache_ready(app)
    http = app.test_client()
    assert client_credentials(http, client_id, secret).status_code == 200  # fills the cache
    with statements(app) as sent:
        for _ in range(3):
            assert client_credentials(http, client_id, secret).status_code == 200
    assert sent == []


def test_a_repeated_api_call_asks_the_database_nothing(app: Flask) -> None:
    client_id, secret, _ = service_app(app)
    cache_ready(app)
    http = app.test_client()
    token = client_credentials(http, client_id, secret).get_json()["access_token"]
    assert http.get("/api/me", headers=bearer(token)).status_code == 200
    with statements(app) as sent:
        for _ in range(3):
            assert http.get("/api/me", headers=bearer(token)).status_code == 200
            introspected = http.post(
                "/oauth2/introspect",
                data={"token": token, "client_id": client_id, "client_secret": secret},
            )
            assert introspected.get_json()["active"] is True
    assert sent == []


def test_this_process_applies_its_own_changes_at_once(app: Flask) -> None:
    client_id, secret, app_id = service_app(app)
    cache_ready(app)
    http = app.test_client()
    token = client_credentials(http, client_id, secret).get_json()["access_token"]
    assert http.get("/api/me", headers=bearer(token)).status_code == 200

    with app.app_context():
        applications.set_active(db.session.get_one(OAuthApplication, app_id), False)
    assert_error(client_credentials(http, client_id, secret), 401, "invalid_client")
    assert http.get("/api/me", headers=bearer(token)).status_code == 401

    with app.app_context():
        applications.set_active(db.session.get_one(OAuthApplication, app_id), True)
        new_secret = applications.regenerate_secret(db.session.get_one(OAuthApplication, app_id))
    assert http.get("/api/me", headers=bearer(token)).status_code == 200
    assert_error(client_credentials(http, client_id, secret), 401, "invalid_client")
    assert client_credentials(http, client_id, new_secret).status_code == 200

    with app.app_context():
        owner = db.session.get_one(OAuthApplication, app_id).user
        assert owner is not None
        owner_id = owner.id
        lockout.lock(owner)
        db.session.commit()
    assert http.get("/api/me", headers=bearer(token)).status_code == 401
    with app.app_context():
        accounts.unlock_account(db.session.get_one(User, owner_id))
        accounts.set_enabled(db.session.get_one(User, owner_id), False)
    assert http.get("/api/me", headers=bearer(token)).status_code == 401
    with app.app_context():
        accounts.set_enabled(db.session.get_one(User, owner_id), True)
    assert http.get("/api/me", headers=bearer(token)).status_code == 200

    with app.app_context():
        organization = db.session.get_one(OAuthApplication, app_id).organization.name
        accounts.set_organization_enabled(organization, False)
    assert http.get("/api/me", headers=bearer(token)).status_code == 401
    assert_error(client_credentials(http, client_id, new_secret), 401, "invalid_client")
    with app.app_context():
        accounts.set_organization_enabled(organization, True)
    assert http.get("/api/me", headers=bearer(token)).status_code == 200

    revoked = http.post(
        "/oauth2/revoke",
        data={"token": token, "client_id": client_id, "client_secret": new_secret},
    )
    assert revoked.status_code == 200
    assert http.get("/api/me", headers=bearer(token)).status_code == 401


def test_leaving_the_organization_applies_at_once(app: Flask) -> None:
    client_id, secret, app_id = service_app(app)
    cache_ready(app)
    http = app.test_client()
    token = client_credentials(http, client_id, secret).get_json()["access_token"]
    assert http.get("/api/me", headers=bearer(token)).status_code == 200  # cached standing
    with app.app_context():
        application = db.session.get_one(OAuthApplication, app_id)
        assert application.user is not None
        owner_id, org_id = application.user.id, application.organization_id
        elsewhere = make_org().id
        db.session.add(UserRole(user_id=owner_id, organization_id=elsewhere))
        db.session.delete(db.session.get_one(UserRole, (owner_id, org_id)))
        db.session.commit()
    assert http.get("/api/me", headers=bearer(token)).status_code == 401
    assert_error(client_credentials(http, client_id, secret), 401, "invalid_client")
    with app.app_context():
        db.session.add(UserRole(user_id=owner_id, organization_id=org_id))
        db.session.commit()
    assert http.get("/api/me", headers=bearer(token)).status_code == 200
    assert client_credentials(http, client_id, secret).status_code == 200


def test_what_no_cache_holds_invalidates_nothing(app: Flask) -> None:
    client_id, secret, app_id = service_app(app)
    cache_ready(app)
    http = app.test_client()
    with app.app_context():
        store = cache()
        assert client_credentials(http, client_id, secret).status_code == 200  # notes the use
        before = store.invalidations
        owner = db.session.get_one(OAuthApplication, app_id).user
        assert owner is not None
        lockout.register_failure(owner, limit=0)  # a failed login: counted, not locked
        db.session.commit()
        assert store.invalidations == before
        assert db.session.get_one(OAuthApplication, app_id).last_used_at is not None


def test_a_remembered_token_is_still_held_to_its_audience_and_expiry(
    app: Flask,
) -> None:
    client_id, secret, _ = service_app(app)
    cache_ready(app)
    http = app.test_client()
    token = client_credentials(http, client_id, secret).get_json()["access_token"]
    introspected = http.post(
        "/oauth2/introspect", data={"token": token, "client_id": client_id, "client_secret": secret}
    )
    assert introspected.get_json()["active"] is True  # verified once, for either audience
    assert http.get("/api/me", headers=bearer(token)).status_code == 200
    # A back-office token is no storefront token, remembered or not.
    assert http.get("/api/frontend/me", headers=bearer(token)).status_code == 401

    # A token that expired 4 s ago is still inside the 5 s leeway for about one second.
    with app.app_context():
        application = db.session.scalars(
            select(OAuthApplication).filter_by(client_id=client_id)
        ).one()
        assert application.user is not None
        short = access_tokens.issue(
            keys().ring(), issuer=get_settings().oauth2_server.issuer, kind=application.kind,
            subject=application.user.id, client_id=client_id,
            organization_id=application.organization_id, lifetime=-(access_tokens.LEEWAY - 1),
        ).token  # fmt: skip
    assert http.get("/api/me", headers=bearer(short)).status_code == 200
    time.sleep(1.1)
    refused = http.get("/api/me", headers=bearer(short))
    assert refused.status_code == 401
    assert "expired" in refused.get_json()["error_description"]


@pytest.mark.skipif(
    not os.environ.get("OAUTHAPP_TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="the pool's liveness ping is PostgreSQL's",
)
def test_a_pinged_connection_serves_lookups_outside_a_transaction(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pool, "IDLE_PING", 0.0)  # every reused connection is pinged
    http = app.test_client()
    for _ in range(3):  # new applications: each lookup misses the cache and reads the database
        client_id, secret, _ = service_app(app)
        token = client_credentials(http, client_id, secret)
        assert token.status_code == 200, token.get_data(as_text=True)
        me = http.get("/api/me", headers=bearer(token.get_json()["access_token"]))
        assert me.status_code == 200, me.get_data(as_text=True)
