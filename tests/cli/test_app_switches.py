"""`flask oauth activate|deactivate CLIENT_ID`."""

from __future__ import annotations

import secrets

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from oauthapp.applications import service
from oauthapp.applications.service import get_by_client_id
from oauthapp.security import credentials
from tests.cli.helpers import invoke
from tests.factories import make_application


@pytest.fixture
def client_ids(app: Flask) -> tuple[str, str]:
    """An active and an inactive application."""
    with app.app_context():
        active, _ = make_application()
        inactive, _ = make_application(active=False)
        return active.client_id, inactive.client_id


def is_active(app: Flask, client_id: str) -> bool:
    with app.app_context():
        return get_by_client_id(client_id).active


def test_deactivate_switches_the_application_off(
    app: Flask, cli: FlaskCliRunner, client_ids: tuple[str, str]
) -> None:
    result = invoke(cli, "oauth", "deactivate", client_ids[0])
    assert result.exit_code == 0, result.output
    assert result.output == f"Deactivated application {client_ids[0]}.\n"
    assert is_active(app, client_ids[0]) is False


def test_activate_switches_the_application_on(
    app: Flask, cli: FlaskCliRunner, client_ids: tuple[str, str]
) -> None:
    result = invoke(cli, "oauth", "activate", client_ids[1])
    assert result.exit_code == 0, result.output
    assert result.output == f"Activated application {client_ids[1]}.\n"
    assert is_active(app, client_ids[1]) is True


def test_switching_one_application_leaves_the_other_alone(
    app: Flask, cli: FlaskCliRunner, client_ids: tuple[str, str]
) -> None:
    assert invoke(cli, "oauth", "deactivate", client_ids[0]).exit_code == 0
    assert invoke(cli, "oauth", "activate", client_ids[1]).exit_code == 0
    assert (is_active(app, client_ids[0]), is_active(app, client_ids[1])) == (False, True)


def test_activate_is_harmless_on_an_active_application(
    app: Flask, cli: FlaskCliRunner, client_ids: tuple[str, str]
) -> None:
    result = invoke(cli, "oauth", "activate", client_ids[0])
    assert result.exit_code == 0, result.output
    assert is_active(app, client_ids[0]) is True


@pytest.mark.parametrize("command", ["activate", "deactivate"])
def test_an_unknown_client_id_is_an_error(cli: FlaskCliRunner, command: str) -> None:
    result = invoke(cli, "oauth", command, "no-such-client-id")
    assert result.exit_code == 1
    assert "Error: Unknown client id: no-such-client-id" in result.output


def test_a_client_id_is_matched_exactly(
    app: Flask, cli: FlaskCliRunner, client_ids: tuple[str, str]
) -> None:
    result = invoke(cli, "oauth", "deactivate", client_ids[0][:-1])
    assert result.exit_code == 1
    assert is_active(app, client_ids[0]) is True


def test_generated_client_ids_never_start_with_a_dash(monkeypatch: pytest.MonkeyPatch) -> None:
    draws = iter(["-" + "a" * 31, "_" + "b" * 31, "c" * 32])
    monkeypatch.setattr(credentials.secrets, "token_urlsafe", lambda _n: next(draws))
    assert credentials.generate_client_id() == "c" * 32


def test_a_client_id_starting_with_a_dash_can_be_switched_after_a_double_dash(
    app: Flask, cli: FlaskCliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    dashed = "-" + secrets.token_urlsafe(24)[1:]
    monkeypatch.setattr(service, "generate_client_id", lambda: dashed)
    with app.app_context():
        make_application()
    result = invoke(cli, "oauth", "deactivate", "--", dashed)
    assert result.exit_code == 0, result.output
    assert is_active(app, dashed) is False
