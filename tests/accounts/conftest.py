"""A small world for the users and customer users pages: two organizations and a global one."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient

from oauthapp.models import Role
from tests.accounts.helpers import log_in
from tests.factories import make_customer, make_org, make_user


@dataclass(frozen=True)
class People:
    """Ids of the accounts in the world; usernames are alice, bob, oscar and root."""

    alice: int  # administrator of Acme
    bob: int  # user of Acme
    oscar: int  # administrator of Other Corp
    root: int  # administrator of the global organization
    carol: int  # customer user of Acme (carol@example.com)
    olga: int  # customer user of Other Corp (olga@example.com)


@pytest.fixture
def people(app: Flask) -> People:
    with app.app_context():
        return build_people()


def build_people() -> People:
    """Create the world inside an app context."""
    acme, other, main = make_org("Acme"), make_org("Other Corp"), make_org("Main", is_global=True)
    return People(
        alice=make_user("alice", orgs=[acme]).id,
        bob=make_user("bob", orgs=[acme], role=Role.USER).id,
        oscar=make_user("oscar", orgs=[other]).id,
        root=make_user("root", orgs=[main]).id,
        carol=make_customer("carol@example.com", org=acme).id,
        olga=make_customer("olga@example.com", org=other).id,
    )


def logged_in(app: Flask, username: str) -> FlaskClient:
    """A test client with that user logged in."""
    client = app.test_client()
    assert log_in(client, username).status_code == 302
    return client
