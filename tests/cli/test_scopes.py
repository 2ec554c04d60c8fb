"""`flask oauth grant-scope|revoke-scope CLIENT_ID SCOPE`."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskCliRunner

from oauthapp.applications.scopes import MANAGE
from oauthapp.applications.service import get_by_client_id
from oauthapp.models import Grant, Kind
from tests.cli.helpers import invoke
from tests.factories import make_application


def granted(app: Flask, client_id: str) -> list[str]:
    with app.app_context():
        return list(get_by_client_id(client_id).granted_scopes)


def new_client_id(app: Flask, grant: Grant = Grant.CLIENT_CREDENTIALS,
                  kind: Kind = Kind.BACKOFFICE) -> str:  # fmt: skip
    with app.app_context():
        return make_application(grant=grant, kind=kind)[0].client_id


def test_grant_scope_lets_the_application_ask_for_it(app: Flask, cli: FlaskCliRunner) -> None:
    client_id = new_client_id(app)
    result = invoke(cli, "oauth", "grant-scope", client_id, MANAGE)
    assert result.exit_code == 0, result.output
    assert result.output == f"Granted {MANAGE} to application {client_id}.\n"
    assert granted(app, client_id) == [MANAGE]


def test_granting_twice_changes_nothing(app: Flask, cli: FlaskCliRunner) -> None:
    client_id = new_client_id(app)
    invoke(cli, "oauth", "grant-scope", client_id, MANAGE)
    result = invoke(cli, "oauth", "grant-scope", client_id, MANAGE)
    assert result.exit_code == 0
    assert "nothing was changed" in result.output
    assert granted(app, client_id) == [MANAGE]


def test_revoke_scope_takes_it_back(app: Flask, cli: FlaskCliRunner) -> None:
    client_id = new_client_id(app)
    invoke(cli, "oauth", "grant-scope", client_id, MANAGE)
    result = invoke(cli, "oauth", "revoke-scope", client_id, MANAGE)
    assert result.exit_code == 0, result.output
    assert result.output == f"Revoked {MANAGE} from application {client_id}.\n"
    assert granted(app, client_id) == []


def test_an_unknown_scope_is_one_line_and_exit_1(app: Flask, cli: FlaskCliRunner) -> None:
    client_id = new_client_id(app)
    result = invoke(cli, "oauth", "grant-scope", client_id, "everything")
    assert result.exit_code == 1
    assert result.output == (f"Error: Unknown scope: everything (grantable: {MANAGE}).\n")
    assert granted(app, client_id) == []


def test_an_unknown_client_is_one_line_and_exit_1(cli: FlaskCliRunner) -> None:
    for command in ("grant-scope", "revoke-scope"):
        result = invoke(cli, "oauth", command, "no-such-client", MANAGE)
        assert result.exit_code == 1
        assert result.output == "Error: Unknown client id: no-such-client\n"


def test_only_back_office_client_credentials_applications_get_scopes(
    app: Flask, cli: FlaskCliRunner
) -> None:
    for client_id in (
        new_client_id(app, Grant.PASSWORD),
        new_client_id(app, kind=Kind.STOREFRONT),
    ):
        result = invoke(cli, "oauth", "grant-scope", client_id, MANAGE)
        assert result.exit_code == 1
        assert result.output == (
            "Error: Scopes are granted to back-office Client Credentials applications only.\n"
        )
        assert granted(app, client_id) == []
