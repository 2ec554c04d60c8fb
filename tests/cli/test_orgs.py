"""`flask orgs create|disable|enable`."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from oauthapp.accounts.service import get_organization
from oauthapp.extensions import db
from oauthapp.models import Organization
from tests.cli.helpers import count, invoke
from tests.factories import make_org


def test_create_makes_an_enabled_non_global_organization(app: Flask, cli: FlaskCliRunner) -> None:
    result = invoke(cli, "orgs", "create", "Acme")
    assert result.exit_code == 0, result.output
    with app.app_context():
        org = get_organization("Acme")
        assert result.output == f"Created organization 'Acme' (id {org.id}).\n"
        assert (org.enabled, org.is_global) == (True, False)


def test_create_with_global_marks_the_organization_global(app: Flask, cli: FlaskCliRunner) -> None:
    result = invoke(cli, "orgs", "create", "Main", "--global")
    assert result.exit_code == 0, result.output
    assert "Created organization 'Main'" in result.output
    with app.app_context():
        assert get_organization("Main").is_global is True


def test_create_refuses_a_duplicate_name(app: Flask, cli: FlaskCliRunner) -> None:
    assert invoke(cli, "orgs", "create", "Acme").exit_code == 0
    result = invoke(cli, "orgs", "create", "Acme")
    assert result.exit_code == 1
    assert "Error: An organization named 'Acme' already exists." in result.output
    assert count(app, Organization) == 1


def test_create_refuses_a_second_global_organization(app: Flask, cli: FlaskCliRunner) -> None:
    assert invoke(cli, "orgs", "create", "Main", "--global").exit_code == 0
    result = invoke(cli, "orgs", "create", "Second", "--global")
    assert result.exit_code == 1
    assert "A global organization already exists" in result.output
    assert count(app, Organization) == 1


def test_a_second_non_global_organization_is_fine_next_to_the_global_one(
    app: Flask, cli: FlaskCliRunner
) -> None:
    assert invoke(cli, "orgs", "create", "Main", "--global").exit_code == 0
    result = invoke(cli, "orgs", "create", "Second")
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalars(
            select(Organization.name).where(Organization.is_global)
        ).all() == ["Main"]


def test_create_refuses_a_blank_name(app: Flask, cli: FlaskCliRunner) -> None:
    result = invoke(cli, "orgs", "create", "   ")
    assert result.exit_code == 1
    assert "Organization name must not be blank." in result.output
    assert count(app, Organization) == 0


def test_disable_switches_the_organization_off(app: Flask, cli: FlaskCliRunner) -> None:
    with app.app_context():
        make_org("Acme")
    result = invoke(cli, "orgs", "disable", "Acme")
    assert result.exit_code == 0, result.output
    assert result.output == "Disabled organization 'Acme'.\n"
    with app.app_context():
        assert get_organization("Acme").enabled is False


def test_enable_switches_a_disabled_organization_back_on(app: Flask, cli: FlaskCliRunner) -> None:
    with app.app_context():
        make_org("Acme")
    assert invoke(cli, "orgs", "disable", "Acme").exit_code == 0
    result = invoke(cli, "orgs", "enable", "Acme")
    assert result.exit_code == 0, result.output
    assert result.output == "Enabled organization 'Acme'.\n"
    with app.app_context():
        assert get_organization("Acme").enabled is True


def test_disable_names_an_unknown_organization(cli: FlaskCliRunner) -> None:
    result = invoke(cli, "orgs", "disable", "Nowhere")
    assert result.exit_code == 1
    assert "Error: Unknown organization: Nowhere" in result.output


def test_enable_names_an_unknown_organization(cli: FlaskCliRunner) -> None:
    result = invoke(cli, "orgs", "enable", "Nowhere")
    assert result.exit_code == 1
    assert "Error: Unknown organization: Nowhere" in result.output


def test_disabling_one_organization_leaves_the_others_enabled(
    app: Flask, cli: FlaskCliRunner
) -> None:
    with app.app_context():
        make_org("Acme")
        make_org("Other")
    assert invoke(cli, "orgs", "disable", "Acme").exit_code == 0
    with app.app_context():
        assert get_organization("Other").enabled is True
