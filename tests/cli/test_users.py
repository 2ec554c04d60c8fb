"""`flask users create|disable|enable|unlock`."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from oauthapp.accounts.service import get_user
from oauthapp.extensions import db
from oauthapp.models import User, utcnow
from oauthapp.security.passwords import verify_password
from tests.cli.helpers import count, invoke
from tests.factories import make_org, make_user

PASSWORD = "s3cret-enough"


@pytest.fixture
def orgs(app: Flask) -> None:
    with app.app_context():
        make_org("Acme")
        make_org("Beta")


def create(cli: FlaskCliRunner, *extra: str, username: str = "bob") -> object:
    return invoke(
        cli, "users", "create", username, "--email", "bob@example.com", "--password", PASSWORD,
        *extra,
    )  # fmt: skip


def roles_of(app: Flask, username: str) -> dict[str, str]:
    with app.app_context():
        return {role.organization.name: role.role for role in get_user(username).roles}


@pytest.mark.usefixtures("orgs")
def test_create_gives_the_role_in_every_named_organization(app: Flask, cli: FlaskCliRunner) -> None:
    result = create(cli, "--org", "Acme", "--org", "Beta", "--role", "ADMINISTRATOR")
    assert result.exit_code == 0, result.output
    assert roles_of(app, "bob") == {"Acme": "ADMINISTRATOR", "Beta": "ADMINISTRATOR"}


@pytest.mark.usefixtures("orgs")
def test_create_prints_the_username_and_id(app: Flask, cli: FlaskCliRunner) -> None:
    result = create(cli, "--org", "Acme")
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert result.output == f"Created user 'bob' (id {get_user('bob').id}).\n"


@pytest.mark.usefixtures("orgs")
def test_create_defaults_to_the_user_role(app: Flask, cli: FlaskCliRunner) -> None:
    result = create(cli, "--org", "Acme")
    assert result.exit_code == 0, result.output
    assert roles_of(app, "bob") == {"Acme": "USER"}


@pytest.mark.usefixtures("orgs")
def test_create_stores_an_enabled_unlocked_user_with_a_hashed_password(
    app: Flask, cli: FlaskCliRunner
) -> None:
    assert create(cli, "--org", "Acme").exit_code == 0
    with app.app_context():
        user = get_user("bob")
        assert (user.email, user.enabled, user.locked) == ("bob@example.com", True, False)
        assert PASSWORD not in user.password_hash
        assert verify_password(user.password_hash, PASSWORD)


@pytest.mark.usefixtures("orgs")
def test_create_prompts_for_the_password_when_omitted(app: Flask, cli: FlaskCliRunner) -> None:
    result = invoke(
        cli, "users", "create", "bob", "--email", "bob@example.com", "--org", "Acme",
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    with app.app_context():
        assert verify_password(get_user("bob").password_hash, PASSWORD)


@pytest.mark.usefixtures("orgs")
def test_create_names_an_unknown_organization(app: Flask, cli: FlaskCliRunner) -> None:
    result = create(cli, "--org", "Acme", "--org", "Nowhere")
    assert result.exit_code == 1
    assert "Error: Unknown organization: Nowhere" in result.output
    assert count(app, User) == 0


@pytest.mark.usefixtures("orgs")
def test_create_refuses_a_duplicate_username(app: Flask, cli: FlaskCliRunner) -> None:
    assert create(cli, "--org", "Acme").exit_code == 0
    result = create(cli, "--org", "Beta")
    assert result.exit_code == 1
    assert "Error: A user named 'bob' already exists." in result.output
    assert count(app, User) == 1
    assert roles_of(app, "bob") == {"Acme": "USER"}


@pytest.mark.usefixtures("orgs")
def test_create_refuses_an_invalid_email(app: Flask, cli: FlaskCliRunner) -> None:
    result = invoke(
        cli, "users", "create", "bob", "--email", "not-an-email", "--password", PASSWORD,
        "--org", "Acme",
    )  # fmt: skip
    assert result.exit_code == 1
    assert "Error: Invalid email address" in result.output
    assert count(app, User) == 0


@pytest.mark.usefixtures("orgs")
def test_create_refuses_a_password_shorter_than_8_characters(
    app: Flask, cli: FlaskCliRunner
) -> None:
    result = invoke(
        cli, "users", "create", "bob", "--email", "bob@example.com", "--password", "1234567",
        "--org", "Acme",
    )  # fmt: skip
    assert result.exit_code == 1
    assert "Error: Password must have at least 8 characters." in result.output
    assert count(app, User) == 0


@pytest.mark.usefixtures("orgs")
def test_create_accepts_a_password_of_exactly_8_characters(app: Flask, cli: FlaskCliRunner) -> None:
    result = invoke(
        cli, "users", "create", "bob", "--email", "bob@example.com", "--password", "12345678",
        "--org", "Acme",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert count(app, User) == 1


@pytest.mark.usefixtures("orgs")
def test_create_refuses_an_unknown_role(app: Flask, cli: FlaskCliRunner) -> None:
    result = create(cli, "--org", "Acme", "--role", "OWNER")
    assert result.exit_code == 2
    assert "Invalid value for '--role'" in result.output
    assert count(app, User) == 0


def test_create_requires_an_organization(app: Flask, cli: FlaskCliRunner) -> None:
    result = create(cli)
    assert result.exit_code == 2
    assert "Missing option '--org'" in result.output
    assert count(app, User) == 0


@pytest.fixture
def alice(app: Flask) -> str:
    with app.app_context():
        return make_user("alice").username


def state(app: Flask, username: str) -> tuple[bool, bool, int]:
    with app.app_context():
        user = get_user(username)
        return user.enabled, user.locked, user.failed_logins


def test_disable_switches_the_user_off(app: Flask, cli: FlaskCliRunner, alice: str) -> None:
    result = invoke(cli, "users", "disable", alice)
    assert result.exit_code == 0, result.output
    assert result.output == "Disabled user 'alice'.\n"
    assert state(app, alice)[0] is False


def test_enable_switches_a_disabled_user_back_on(
    app: Flask, cli: FlaskCliRunner, alice: str
) -> None:
    assert invoke(cli, "users", "disable", alice).exit_code == 0
    result = invoke(cli, "users", "enable", alice)
    assert result.exit_code == 0, result.output
    assert result.output == "Enabled user 'alice'.\n"
    assert state(app, alice)[0] is True


def test_unlock_lifts_the_lock_and_resets_the_failure_counter(
    app: Flask, cli: FlaskCliRunner, alice: str
) -> None:
    with app.app_context():
        user = get_user(alice)
        user.locked, user.locked_at, user.failed_logins = True, utcnow(), 10
        db.session.commit()
    result = invoke(cli, "users", "unlock", alice)
    assert result.exit_code == 0, result.output
    assert result.output == "Unlocked user 'alice'.\n"
    assert state(app, alice) == (True, False, 0)
    with app.app_context():
        assert get_user(alice).locked_at is None


def test_unlock_does_not_enable_a_disabled_user(
    app: Flask, cli: FlaskCliRunner, alice: str
) -> None:
    assert invoke(cli, "users", "disable", alice).exit_code == 0
    assert invoke(cli, "users", "unlock", alice).exit_code == 0
    assert state(app, alice)[0] is False


@pytest.mark.parametrize("switch", ["disable", "enable", "unlock"])
def test_switches_name_an_unknown_user(cli: FlaskCliRunner, switch: str) -> None:
    result = invoke(cli, "users", switch, "nobody")
    assert result.exit_code == 1
    assert "Error: Unknown user: nobody" in result.output


@pytest.mark.usefixtures("orgs")
@pytest.mark.parametrize(("given", "stored"), [("de", "de"), ("de-de", "de_DE"), ("EN", "en")])
def test_create_takes_the_language_of_the_users_email(
    app: Flask, cli: FlaskCliRunner, given: str, stored: str
) -> None:
    result = create(cli, "--org", "Acme", "--locale", given)
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert get_user("bob").locale == stored


@pytest.mark.usefixtures("orgs")
def test_create_refuses_a_locale_that_is_not_one(app: Flask, cli: FlaskCliRunner) -> None:
    result = create(cli, "--org", "Acme", "--locale", "../../etc")
    assert result.exit_code == 1
    assert "Not a locale: '../../etc'" in result.output
    assert count(app, User) == 0
