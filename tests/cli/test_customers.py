"""`flask customers create|disable|enable|unlock`."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from oauthapp.accounts.service import get_customer_user
from oauthapp.extensions import db
from oauthapp.models import CustomerUser
from oauthapp.security.passwords import verify_password
from tests.cli.helpers import count, invoke
from tests.factories import make_customer, make_org

PASSWORD = "s3cret-enough"


@pytest.fixture
def acme(app: Flask) -> str:
    with app.app_context():
        return make_org("Acme").name


def create(cli: FlaskCliRunner, email: str, org: str = "Acme", *extra: str) -> object:
    return invoke(cli, "customers", "create", email, "--password", PASSWORD, "--org", org, *extra)


@pytest.mark.usefixtures("acme")
def test_create_stores_the_customer_in_its_organization(app: Flask, cli: FlaskCliRunner) -> None:
    result = create(cli, "carol@example.com", "Acme", "--name", "Carol")
    assert result.exit_code == 0, result.output
    with app.app_context():
        customer = get_customer_user("carol@example.com")
        assert result.output == (f"Created customer user 'carol@example.com' (id {customer.id}).\n")
        assert (customer.name, customer.organization.name) == ("Carol", "Acme")
        assert (customer.enabled, customer.locked) == (True, False)
        assert verify_password(customer.password_hash, PASSWORD)


@pytest.mark.usefixtures("acme")
def test_create_stores_the_email_in_lower_case(app: Flask, cli: FlaskCliRunner) -> None:
    assert create(cli, "Carol@Example.COM").exit_code == 0
    with app.app_context():
        assert db.session.query(CustomerUser.email).scalar() == "carol@example.com"


@pytest.mark.usefixtures("acme")
def test_create_refuses_a_duplicate_email(app: Flask, cli: FlaskCliRunner) -> None:
    assert create(cli, "carol@example.com").exit_code == 0
    result = create(cli, "carol@example.com")
    assert result.exit_code == 1
    assert "Error: A customer user with email 'carol@example.com' already exists." in (
        result.output
    )
    assert count(app, CustomerUser) == 1


@pytest.mark.usefixtures("acme")
def test_create_refuses_a_duplicate_email_in_another_case(app: Flask, cli: FlaskCliRunner) -> None:
    assert create(cli, "carol@example.com").exit_code == 0
    result = create(cli, "CAROL@Example.com")
    assert result.exit_code == 1
    assert "already exists" in result.output
    assert count(app, CustomerUser) == 1


@pytest.mark.usefixtures("acme")
def test_create_refuses_a_duplicate_email_in_another_organization(
    app: Flask, cli: FlaskCliRunner
) -> None:
    with app.app_context():
        make_org("Beta")
    assert create(cli, "carol@example.com", "Acme").exit_code == 0
    result = create(cli, "carol@example.com", "Beta")
    assert result.exit_code == 1
    assert "already exists" in result.output
    assert count(app, CustomerUser) == 1


def test_create_names_an_unknown_organization(app: Flask, cli: FlaskCliRunner) -> None:
    result = create(cli, "carol@example.com", "Nowhere")
    assert result.exit_code == 1
    assert "Error: Unknown organization: Nowhere" in result.output
    assert count(app, CustomerUser) == 0


@pytest.mark.usefixtures("acme")
def test_create_refuses_an_invalid_email(app: Flask, cli: FlaskCliRunner) -> None:
    result = create(cli, "carol-at-example")
    assert result.exit_code == 1
    assert "Error: Invalid email address" in result.output
    assert count(app, CustomerUser) == 0


@pytest.mark.usefixtures("acme")
def test_create_refuses_a_short_password(app: Flask, cli: FlaskCliRunner) -> None:
    result = invoke(
        cli, "customers", "create", "carol@example.com", "--password", "short", "--org", "Acme"
    )
    assert result.exit_code == 1
    assert "Error: Password must have at least 8 characters." in result.output
    assert count(app, CustomerUser) == 0


@pytest.fixture
def carol(app: Flask, acme: str) -> str:
    with app.app_context():
        return make_customer("carol@example.com").email


def state(app: Flask, email: str) -> tuple[bool, bool, int]:
    with app.app_context():
        customer = get_customer_user(email)
        return customer.enabled, customer.locked, customer.failed_logins


def test_disable_switches_the_customer_off(app: Flask, cli: FlaskCliRunner, carol: str) -> None:
    result = invoke(cli, "customers", "disable", carol)
    assert result.exit_code == 0, result.output
    assert result.output == "Disabled customer user 'carol@example.com'.\n"
    assert state(app, carol)[0] is False


def test_enable_switches_a_disabled_customer_back_on(
    app: Flask, cli: FlaskCliRunner, carol: str
) -> None:
    assert invoke(cli, "customers", "disable", carol).exit_code == 0
    result = invoke(cli, "customers", "enable", carol)
    assert result.exit_code == 0, result.output
    assert result.output == "Enabled customer user 'carol@example.com'.\n"
    assert state(app, carol)[0] is True


def test_unlock_lifts_the_lock_and_resets_the_failure_counter(
    app: Flask, cli: FlaskCliRunner, carol: str
) -> None:
    with app.app_context():
        customer = get_customer_user(carol)
        customer.locked, customer.failed_logins = True, 7
        db.session.commit()
    result = invoke(cli, "customers", "unlock", carol)
    assert result.exit_code == 0, result.output
    assert result.output == "Unlocked customer user 'carol@example.com'.\n"
    assert state(app, carol) == (True, False, 0)


def test_switches_find_the_customer_by_email_in_any_case(
    app: Flask, cli: FlaskCliRunner, carol: str
) -> None:
    result = invoke(cli, "customers", "disable", "CAROL@example.COM")
    assert result.exit_code == 0, result.output
    assert state(app, carol)[0] is False


@pytest.mark.parametrize("switch", ["disable", "enable", "unlock"])
def test_switches_name_an_unknown_customer(cli: FlaskCliRunner, switch: str) -> None:
    result = invoke(cli, "customers", switch, "nobody@example.com")
    assert result.exit_code == 1
    assert "Error: Unknown customer user: nobody@example.com" in result.output
