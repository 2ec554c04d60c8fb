"""Password spraying: the password grant counts failed user log-ins in the /login limit.

One counter per address (`rate_limit.login`) for both doors, in the limiter's storage (Redis
when OAUTHAPP_TEST_REDIS_URL is set).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.test import TestResponse

from oauthapp.extensions import db
from oauthapp.models import Grant, SecurityEvent, User
from oauthapp.security.rates import rate_limiter
from tests.conftest import AppFactory
from tests.factories import PASSWORD, make_application, make_org, make_user
from tests.security.test_brute_force import ATTACKER, CLIENT, login
from tests.token.helpers import assert_error, password_grant

LIMIT = 5  # rate_limit.login of these tests
USERS = [f"user{number}" for number in range(8)]
WRONG = "Password1"
HASHER = "oauthapp.password_hasher"  # where oauthapp.security.passwords keeps its hasher


@dataclass(frozen=True)
class Site:
    app: Flask
    client_id: str
    secret: str

    def grant(self, username: str, password: str, address: str = ATTACKER) -> TestResponse:
        client = self.app.test_client()
        client.environ_base["REMOTE_ADDR"] = address
        return password_grant(client, self.client_id, self.secret, username, password)


@pytest.fixture
def site(make_app: AppFactory) -> Site:
    """A password application of an organization with USERS, and no per-account lockout."""
    app = make_app(rate_limit={"login": f"{LIMIT}/minute"}, security={"failed_login_limit": 0})
    with app.app_context():
        org = make_org()
        for username in USERS:
            make_user(username, orgs=[org])
        application, secret = make_application(org, grant=Grant.PASSWORD)
        return Site(app, application.client_id, secret)


def assert_throttled(response: TestResponse) -> None:
    body = assert_error(response, 429, "too_many_requests")
    assert (
        body["error_description"] == "Too many failed log-ins from this address. Try again later."
    )
    assert 1 <= int(response.headers["Retry-After"]) <= 60


def test_spraying_one_password_over_many_users_ends_in_429(site: Site) -> None:
    responses = [site.grant(USERS[number % len(USERS)], WRONG) for number in range(40)]
    assert [response.status_code for response in responses] == [400] * LIMIT + [429] * 35
    assert_error(responses[LIMIT - 1], 400, "invalid_grant")
    assert_throttled(responses[-1])


def _disable(site: Site, username: str) -> None:
    with site.app.app_context():
        db.session.scalars(select(User).where(User.username == username)).one().enabled = False
        db.session.commit()


REFUSALS: dict[str, Callable[[Site], TestResponse]] = {
    "unknown user": lambda site: site.grant("nobody", WRONG),
    "disabled account": lambda site: site.grant(USERS[0], PASSWORD),
}


@pytest.mark.parametrize("refusal", REFUSALS)
def test_unknown_users_and_refused_accounts_count_as_failures(site: Site, refusal: str) -> None:
    _disable(site, USERS[0])
    statuses = [REFUSALS[refusal](site).status_code for _ in range(LIMIT)]
    assert statuses == [400] * LIMIT
    assert_throttled(site.grant(USERS[1], PASSWORD))


def test_the_right_password_from_a_blocked_address_gets_429_and_other_addresses_get_in(
    site: Site,
) -> None:
    for username in USERS[:LIMIT]:
        assert_error(site.grant(username, WRONG), 400, "invalid_grant")
    assert_throttled(site.grant(USERS[-1], PASSWORD))
    assert site.grant(USERS[-1], PASSWORD, address=CLIENT).status_code == 200


class CountingHasher:
    """The app's password hasher, counting the passwords it verifies."""

    def __init__(self, hasher: Any) -> None:
        self.hasher = hasher
        self.verified = 0

    def verify(self, *args: Any) -> Any:
        self.verified += 1
        return self.hasher.verify(*args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.hasher, name)


def test_a_blocked_address_gets_429_before_any_password_is_hashed(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    for username in USERS[:LIMIT]:
        site.grant(username, WRONG)
    hasher = CountingHasher(site.app.extensions[HASHER])
    monkeypatch.setitem(site.app.extensions, HASHER, hasher)
    assert site.grant(USERS[1], PASSWORD, address=CLIENT).status_code == 200
    assert hasher.verified == 1  # the count sees every password checked
    assert_throttled(site.grant(USERS[1], PASSWORD))
    assert_throttled(site.grant("nobody", WRONG))
    assert hasher.verified == 1


def test_failed_log_ins_at_login_hold_back_the_password_grant(site: Site) -> None:
    for username in USERS[:LIMIT]:
        assert login(site.app, WRONG, ATTACKER, username=username)[0] == 200
    assert_throttled(site.grant(USERS[-1], PASSWORD))


def test_failed_password_grants_hold_back_login(site: Site) -> None:
    for username in USERS[:LIMIT]:
        assert_error(site.grant(username, WRONG), 400, "invalid_grant")
    status, retry_after, page = login(site.app, PASSWORD, ATTACKER, username=USERS[-1])
    assert status == 429
    assert 1 <= int(retry_after) <= 60
    assert "Too many failed log-ins from your address." in page


def test_failures_through_both_doors_add_up_in_one_count(site: Site) -> None:
    for number in range(LIMIT - 1):
        if number % 2:
            assert login(site.app, WRONG, ATTACKER, username=USERS[number])[0] == 200
        else:
            assert_error(site.grant(USERS[number], WRONG), 400, "invalid_grant")
    assert site.grant(USERS[-1], PASSWORD).status_code == 200  # one failure short of the limit
    assert_error(site.grant(USERS[-1], WRONG), 400, "invalid_grant")
    assert_throttled(site.grant(USERS[-1], PASSWORD))


def test_a_successful_password_grant_costs_the_limiter_one_read_more_than_its_client(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    with site.app.app_context():
        storage = rate_limiter().storage
    calls: list[str] = []
    for name in ("get", "incr", "get_expiry", "get_moving_window", "acquire_entry", "clear"):
        if hasattr(storage, name):
            original = getattr(storage, name)
            monkeypatch.setattr(
                storage, name, lambda *a, _n=name, _o=original, **k: calls.append(_n) or _o(*a, **k)
            )
    assert site.grant(USERS[0], PASSWORD).status_code == 200
    assert calls == ["get", "get"]  # the client's failures, then the address's failed log-ins


def test_throttled_password_grants_are_recorded_in_the_audit_trail(site: Site) -> None:
    for username in USERS[:LIMIT]:
        site.grant(username, WRONG)
    for _ in range(3):
        assert_throttled(site.grant(USERS[0], PASSWORD))
    with site.app.app_context():
        rows = db.session.execute(
            select(SecurityEvent.event, SecurityEvent.ip, SecurityEvent.count).where(
                SecurityEvent.client_id == site.client_id,
                SecurityEvent.event != "application_created",
            )
        ).all()
    assert [tuple(row) for row in rows] == [("password_grant_throttled", ATTACKER, 3)]
