"""Fixtures for the operator command tests."""

from __future__ import annotations

import pytest
from flask import Flask

from oauthapp.models import Role
from tests.factories import make_customer, make_org, make_user

ACME = "Acme"
OTHER = "Other Corp"
ALICE = "alice"  # administrator of Acme
BOB = "bob"  # user of Acme
CAROL = "carol@example.com"  # customer of Acme
OSCAR = "oscar"  # administrator of Other Corp
OLGA = "olga@example.com"  # customer of Other Corp


@pytest.fixture
def two_orgs(app: Flask) -> None:
    """Acme and Other Corp, each with back-office users and a customer user."""
    with app.app_context():
        acme = make_org(ACME)
        other = make_org(OTHER)
        make_user(ALICE, orgs=[acme])
        make_user(BOB, orgs=[acme], role=Role.USER)
        make_customer(CAROL, org=acme)
        make_user(OSCAR, orgs=[other])
        make_customer(OLGA, org=other)
