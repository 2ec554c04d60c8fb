"""`flask oauth create-app`."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from click.testing import Result
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import MetaData, select

from oauthapp.applications.service import get_by_client_id
from oauthapp.extensions import db
from oauthapp.models import OAuthApplication
from oauthapp.security.credentials import verify_secret
from tests.cli.conftest import ACME, ALICE, BOB, CAROL, OLGA, OSCAR, OTHER
from tests.cli.helpers import count, invoke

pytestmark = pytest.mark.usefixtures("two_orgs")

CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{32}$")


def create_app(cli: FlaskCliRunner, *args: str, org: str = ACME, name: str = "Shop sync") -> Result:
    return invoke(cli, "oauth", "create-app", "--org", org, "--name", name, *args)


def create_json(cli: FlaskCliRunner, *args: str, **kwargs: str) -> dict[str, Any]:
    result = create_app(cli, *args, "--json", **kwargs)
    assert result.exit_code == 0, result.output
    created: dict[str, Any] = json.loads(result.stdout)
    return created


def refused(app: Flask, result: Result, message: str) -> None:
    """The command failed with the message and created nothing."""
    assert result.exit_code == 1, result.output
    assert f"Error: {message}" in result.output
    assert count(app, OAuthApplication) == 0


# --- success -------------------------------------------------------------------------------


def test_json_output_is_exactly_one_line_with_id_client_id_and_secret(
    cli: FlaskCliRunner,
) -> None:
    result = create_app(cli, "--grant", "client_credentials", "--owner", ALICE, "--json")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    assert result.stdout == lines[0] + "\n"
    assert set(json.loads(lines[0])) == {"id", "client_id", "client_secret"}


def test_json_output_describes_the_stored_application(app: Flask, cli: FlaskCliRunner) -> None:
    created = create_json(cli, "--grant", "client_credentials", "--owner", ALICE)
    with app.app_context():
        application = get_by_client_id(created["client_id"])
        assert application.id == created["id"]
        assert (application.name, application.organization.name) == ("Shop sync", ACME)
        assert (application.grant_type, application.kind) == ("client_credentials", "backoffice")
        assert application.active is True
        assert application.user is not None
        assert application.user.username == ALICE
        assert application.customer_user_id is None


def test_client_id_is_32_url_safe_characters(cli: FlaskCliRunner) -> None:
    created = create_json(cli, "--grant", "client_credentials", "--owner", ALICE)
    assert CLIENT_ID.match(created["client_id"])


def test_client_secret_has_at_least_256_bits(cli: FlaskCliRunner) -> None:
    created = create_json(cli, "--grant", "client_credentials", "--owner", ALICE)
    # 43 URL-safe base64 characters carry 258 bits.
    assert re.fullmatch(r"[A-Za-z0-9_-]{43,}", created["client_secret"])


def test_each_application_gets_its_own_client_id_and_secret(cli: FlaskCliRunner) -> None:
    first = create_json(cli, "--grant", "client_credentials", "--owner", ALICE, name="One")
    second = create_json(cli, "--grant", "client_credentials", "--owner", ALICE, name="Two")
    assert first["client_id"] != second["client_id"]
    assert first["client_secret"] != second["client_secret"]


def test_the_stored_hash_verifies_the_printed_secret(app: Flask, cli: FlaskCliRunner) -> None:
    created = create_json(cli, "--grant", "client_credentials", "--owner", ALICE)
    with app.app_context():
        application = get_by_client_id(created["client_id"])
        assert verify_secret(created["client_secret"], application.secret_hash)


def all_stored_values(app: Flask) -> list[str]:
    """Every value of every column of every table in the database, as text."""
    values: list[str] = []
    with app.app_context():
        metadata = MetaData()
        metadata.reflect(bind=db.engine)
        assert "oauth_applications" in metadata.tables
        with db.engine.connect() as connection:
            for table in metadata.sorted_tables:
                for row in connection.execute(select(table)):
                    for value in row:
                        if isinstance(value, bytes | bytearray | memoryview):
                            values.append(bytes(value).decode("latin-1"))
                        elif value is not None:
                            values.append(str(value))
    return values


def test_the_secret_is_stored_nowhere_in_plain_text(app: Flask, cli: FlaskCliRunner) -> None:
    created = create_json(cli, "--grant", "client_credentials", "--owner", ALICE)
    values = all_stored_values(app)
    assert created["client_id"] in values  # the scan does see the application's row
    assert not [value for value in values if created["client_secret"] in value]


def test_human_output_shows_id_and_secret_and_says_it_cannot_be_shown_again(
    app: Flask, cli: FlaskCliRunner
) -> None:
    result = create_app(cli, "--grant", "client_credentials", "--owner", ALICE)
    assert result.exit_code == 0, result.output
    client_id = re.search(r"Client ID:\s+(\S+)", result.output)
    secret = re.search(r"Client Secret:\s+(\S+)", result.output)
    assert client_id and secret
    assert "cannot be shown again" in result.output
    with app.app_context():
        application = get_by_client_id(client_id.group(1))
        assert verify_secret(secret.group(1), application.secret_hash)
        assert f"'Shop sync' (id {application.id})" in result.output


def test_inactive_creates_the_application_switched_off(app: Flask, cli: FlaskCliRunner) -> None:
    created = create_json(cli, "--grant", "client_credentials", "--owner", ALICE, "--inactive")
    with app.app_context():
        assert get_by_client_id(created["client_id"]).active is False


def test_storefront_application_is_owned_by_a_customer_user(
    app: Flask, cli: FlaskCliRunner
) -> None:
    created = create_json(cli, "--grant", "client_credentials", "--storefront", "--owner", CAROL)
    with app.app_context():
        application = get_by_client_id(created["client_id"])
        assert application.kind == "storefront"
        assert application.customer_user is not None
        assert application.customer_user.email == CAROL
        assert application.user_id is None


def test_storefront_owner_email_is_found_in_any_case(app: Flask, cli: FlaskCliRunner) -> None:
    created = create_json(
        cli, "--grant", "client_credentials", "--storefront", "--owner", CAROL.upper()
    )
    with app.app_context():
        application = get_by_client_id(created["client_id"])
        assert application.customer_user is not None
        assert application.customer_user.email == CAROL


def test_password_application_has_no_owner(app: Flask, cli: FlaskCliRunner) -> None:
    created = create_json(cli, "--grant", "password")
    with app.app_context():
        application = get_by_client_id(created["client_id"])
        assert application.grant_type == "password"
        assert (application.user_id, application.customer_user_id) == (None, None)


def test_storefront_password_application_has_no_owner(app: Flask, cli: FlaskCliRunner) -> None:
    created = create_json(cli, "--grant", "password", "--storefront")
    with app.app_context():
        application = get_by_client_id(created["client_id"])
        assert (application.kind, application.grant_type) == ("storefront", "password")


def test_the_same_name_with_another_owner_is_allowed(app: Flask, cli: FlaskCliRunner) -> None:
    assert create_app(cli, "--grant", "client_credentials", "--owner", ALICE).exit_code == 0
    result = create_app(cli, "--grant", "client_credentials", "--owner", BOB)
    assert result.exit_code == 0, result.output
    assert count(app, OAuthApplication, OAuthApplication.name == "Shop sync") == 2


def test_the_same_name_in_another_organization_is_allowed(app: Flask, cli: FlaskCliRunner) -> None:
    assert create_app(cli, "--grant", "password").exit_code == 0
    result = create_app(cli, "--grant", "password", org=OTHER)
    assert result.exit_code == 0, result.output
    assert count(app, OAuthApplication) == 2


def test_a_name_of_255_characters_is_accepted(app: Flask, cli: FlaskCliRunner) -> None:
    result = create_app(cli, "--grant", "password", name="n" * 255)
    assert result.exit_code == 0, result.output
    assert count(app, OAuthApplication) == 1


def test_the_name_is_stored_without_surrounding_spaces(app: Flask, cli: FlaskCliRunner) -> None:
    created = create_json(cli, "--grant", "password", name="  Padded  ")
    with app.app_context():
        assert get_by_client_id(created["client_id"]).name == "Padded"


# --- refusals ------------------------------------------------------------------------------


def test_refuses_an_unknown_organization(app: Flask, cli: FlaskCliRunner) -> None:
    result = create_app(cli, "--grant", "password", org="Nowhere")
    refused(app, result, "Unknown organization: Nowhere")


def test_refuses_a_duplicate_name_for_the_same_organization_and_owner(
    app: Flask, cli: FlaskCliRunner
) -> None:
    assert create_app(cli, "--grant", "client_credentials", "--owner", ALICE).exit_code == 0
    result = create_app(cli, "--grant", "client_credentials", "--owner", ALICE)
    assert result.exit_code == 1
    assert "already exists for this organization and owner" in result.output
    assert count(app, OAuthApplication) == 1


def test_refuses_a_duplicate_password_application_name(app: Flask, cli: FlaskCliRunner) -> None:
    assert create_app(cli, "--grant", "password").exit_code == 0
    result = create_app(cli, "--grant", "password")
    assert result.exit_code == 1
    assert "already exists" in result.output
    assert count(app, OAuthApplication) == 1


def test_a_refusal_with_json_prints_no_json(app: Flask, cli: FlaskCliRunner) -> None:
    result = create_app(cli, "--grant", "password", "--json", org="Nowhere")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "Error: Unknown organization: Nowhere" in result.stderr


def test_refuses_client_credentials_without_an_owner(app: Flask, cli: FlaskCliRunner) -> None:
    result = create_app(cli, "--grant", "client_credentials")
    refused(app, result, "Client Credentials applications need an owner.")


def test_refuses_a_password_application_with_an_owner(app: Flask, cli: FlaskCliRunner) -> None:
    result = create_app(cli, "--grant", "password", "--owner", ALICE)
    refused(app, result, "Password applications have no owner.")


def test_refuses_a_username_as_owner_of_a_storefront_application(
    app: Flask, cli: FlaskCliRunner
) -> None:
    result = create_app(cli, "--grant", "client_credentials", "--storefront", "--owner", ALICE)
    refused(app, result, "alice is a back-office user")


def test_refuses_a_customer_email_as_owner_without_storefront(
    app: Flask, cli: FlaskCliRunner
) -> None:
    result = create_app(cli, "--grant", "client_credentials", "--owner", CAROL)
    refused(app, result, f"{CAROL} is a customer user: use --storefront")


def test_refuses_a_user_of_another_organization_as_owner(app: Flask, cli: FlaskCliRunner) -> None:
    result = create_app(cli, "--grant", "client_credentials", "--owner", OSCAR)
    refused(app, result, "The owner does not belong to the selected organization.")


def test_refuses_a_customer_of_another_organization_as_owner(
    app: Flask, cli: FlaskCliRunner
) -> None:
    result = create_app(cli, "--grant", "client_credentials", "--storefront", "--owner", OLGA)
    refused(app, result, "The owner does not belong to the selected organization.")


def test_refuses_an_unknown_owner(app: Flask, cli: FlaskCliRunner) -> None:
    result = create_app(cli, "--grant", "client_credentials", "--owner", "nobody")
    refused(app, result, "Unknown owner: nobody")


def test_refuses_an_unknown_storefront_owner(app: Flask, cli: FlaskCliRunner) -> None:
    result = create_app(
        cli, "--grant", "client_credentials", "--storefront", "--owner", "nobody@example.com"
    )
    refused(app, result, "Unknown owner: nobody@example.com")


@pytest.mark.parametrize("name", ["", "   "])
def test_refuses_a_blank_name(app: Flask, cli: FlaskCliRunner, name: str) -> None:
    result = create_app(cli, "--grant", "password", name=name)
    refused(app, result, "Application Name must not be blank.")


def test_refuses_a_name_of_256_characters(app: Flask, cli: FlaskCliRunner) -> None:
    result = create_app(cli, "--grant", "password", name="n" * 256)
    refused(app, result, "Application Name must be at most 255 characters long.")


def test_refuses_a_name_with_control_characters(app: Flask, cli: FlaskCliRunner) -> None:
    result = create_app(cli, "--grant", "password", name="Bad\x07name")
    refused(app, result, "Application Name must not contain control characters.")


def test_refuses_an_unknown_grant(app: Flask, cli: FlaskCliRunner) -> None:
    result = create_app(cli, "--grant", "implicit")
    assert result.exit_code == 2
    assert "Invalid value for '--grant'" in result.output
    assert count(app, OAuthApplication) == 0


# --- authorization code --------------------------------------------------------------------

CALLBACK = "https://app.example/callback"
LOOPBACK = "http://127.0.0.1:8400/callback"


def test_an_authorization_code_application_gets_its_redirect_urls_and_no_owner(
    app: Flask, cli: FlaskCliRunner
) -> None:
    created = create_json(
        cli, "--grant", "authorization_code", "--redirect-uri", CALLBACK, "--redirect-uri", LOOPBACK
    )
    with app.app_context():
        application = get_by_client_id(created["client_id"])
        assert application.grant_type == "authorization_code"
        assert application.redirect_uris == [CALLBACK, LOOPBACK]
        assert (application.confidential, application.skip_consent) == (True, False)
        assert (application.user_id, application.customer_user_id) == (None, None)
        assert application.secret_hash is not None
        assert verify_secret(created["client_secret"], application.secret_hash)


def test_public_prints_a_null_client_secret_and_stores_no_secret(
    app: Flask, cli: FlaskCliRunner
) -> None:
    result = create_app(
        cli, "--grant", "authorization_code", "--redirect-uri", CALLBACK, "--public", "--json"
    )
    assert result.exit_code == 0, result.output
    assert '"client_secret": null' in result.stdout
    created = json.loads(result.stdout)
    assert created["client_secret"] is None
    with app.app_context():
        application = get_by_client_id(created["client_id"])
        assert (application.confidential, application.secret_hash) == (False, None)


def test_human_output_of_a_public_client_has_no_secret_line(cli: FlaskCliRunner) -> None:
    result = create_app(
        cli, "--grant", "authorization_code", "--redirect-uri", CALLBACK, "--public"
    )
    assert result.exit_code == 0, result.output
    assert re.search(r"Client ID:\s+[A-Za-z0-9_-]{32}", result.output)
    assert "Client Secret" not in result.output
    assert "public client" in result.output and "PKCE" in result.output


def test_skip_consent_is_stored(app: Flask, cli: FlaskCliRunner) -> None:
    created = create_json(
        cli, "--grant", "authorization_code", "--redirect-uri", CALLBACK, "--skip-consent"
    )
    with app.app_context():
        assert get_by_client_id(created["client_id"]).skip_consent is True


def test_a_storefront_authorization_code_application(app: Flask, cli: FlaskCliRunner) -> None:
    created = create_json(
        cli, "--grant", "authorization_code", "--redirect-uri", CALLBACK, "--storefront"
    )
    with app.app_context():
        assert get_by_client_id(created["client_id"]).kind == "storefront"


def test_refuses_authorization_code_without_a_redirect_url(app: Flask, cli: FlaskCliRunner) -> None:
    result = create_app(cli, "--grant", "authorization_code")
    refused(app, result, "At least one redirect URL should be specified.")


def test_refuses_a_bad_redirect_url_on_one_line_naming_it(app: Flask, cli: FlaskCliRunner) -> None:
    result = create_app(
        cli, "--grant", "authorization_code", "--redirect-uri", "http://app.example/cb"
    )
    refused(app, result, "'http://app.example/cb': An http redirect URL is allowed only on")
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_redirect_url_with_a_newline_is_refused_on_one_line(
    app: Flask, cli: FlaskCliRunner
) -> None:
    result = create_app(
        cli, "--grant", "authorization_code", "--redirect-uri", "https://a.example/\nx"
    )
    refused(app, result, "'https://a.example/\\nx': A redirect URL must not contain spaces")
    assert len(result.stderr.strip().splitlines()) == 1


def test_refuses_a_redirect_url_for_another_grant(app: Flask, cli: FlaskCliRunner) -> None:
    result = create_app(cli, "--grant", "password", "--redirect-uri", CALLBACK)
    refused(app, result, "Only Authorization Code applications have redirect URLs.")


def test_refuses_public_for_another_grant(app: Flask, cli: FlaskCliRunner) -> None:
    result = create_app(cli, "--grant", "password", "--public")
    refused(app, result, "Only Authorization Code applications may be public clients.")


def test_refuses_skip_consent_for_another_grant(app: Flask, cli: FlaskCliRunner) -> None:
    result = create_app(cli, "--grant", "client_credentials", "--owner", ALICE, "--skip-consent")
    refused(app, result, "Only Authorization Code applications may skip user consent.")


def test_refuses_an_owner_for_authorization_code(app: Flask, cli: FlaskCliRunner) -> None:
    result = create_app(
        cli, "--grant", "authorization_code", "--redirect-uri", CALLBACK, "--owner", ALICE
    )
    refused(app, result, "Authorization Code applications have no owner.")
