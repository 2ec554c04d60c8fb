"""The audit trail: who changed an application and from where; client authentication failures."""

from __future__ import annotations

import csv
import html
import io

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from oauthapp import audit
from oauthapp.extensions import db
from oauthapp.models import SecurityEvent
from tests.accounts.helpers import log_in
from tests.applications.conftest import CREATE, World, logged_in, post_form
from tests.token.helpers import client_credentials

ADDRESS = "192.0.2.44"


def events(app: Flask, client_id: str) -> list[tuple[str, str, str, int, str]]:
    with app.app_context():
        rows = db.session.scalars(
            select(SecurityEvent)
            .where(SecurityEvent.client_id == client_id)
            .order_by(SecurityEvent.id)
        )
        return [(e.event, e.actor, e.ip, e.count, e.detail) for e in rows]


def alice(app: Flask) -> FlaskClient:
    """alice, logged in from ADDRESS (the session is bound to the address it started from)."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = ADDRESS
    assert log_in(client, "alice").status_code == 302
    return client


def test_each_change_in_the_back_office_is_recorded_with_who_and_where(
    app: Flask, world: World
) -> None:
    client = alice(app)
    app_id, client_id = world.alice_cc, world.client_ids["Alice CC"]
    page = f"/admin/oauth2/{app_id}"
    post_form(client, f"{page}/edit", {"name": "Alice renamed", "active": "y"})
    post_form(client, f"{page}/deactivate", {})
    post_form(client, f"{page}/activate", {}, token_from=page)
    post_form(client, f"{page}/regenerate-secret", {})
    post_form(client, f"{page}/delete", {})
    assert events(app, client_id)[1:] == [
        ("application_updated", "alice", ADDRESS, 1, "name: Alice CC -> Alice renamed"),
        ("application_deactivated", "alice", ADDRESS, 1, ""),
        ("application_activated", "alice", ADDRESS, 1, ""),
        ("secret_regenerated", "alice", ADDRESS, 1, ""),
        ("application_deleted", "alice", ADDRESS, 1, ""),
    ]  # the first is the creation by the test's world, from the command line
    assert events(app, client_id)[0][:2] == ("application_created", "command line")


def test_creating_in_the_back_office_is_recorded(app: Flask, world: World) -> None:
    client = alice(app)
    response = post_form(client, CREATE, {
        "name": "Audited", "grant": "password", "organization": str(world.acme), "active": "y",
    })  # fmt: skip
    assert response.status_code == 200
    with app.app_context():
        event = db.session.scalar(
            select(SecurityEvent).where(SecurityEvent.application_name == "Audited")
        )
        assert event is not None
        assert (event.event, event.actor, event.ip) == ("application_created", "alice", ADDRESS)


def test_an_unchanged_save_records_nothing(app: Flask, world: World) -> None:
    client = alice(app)
    page = f"/admin/oauth2/{world.alice_cc}"
    post_form(client, f"{page}/edit", {"name": "Alice CC", "active": "y"})
    assert [e[0] for e in events(app, world.client_ids["Alice CC"])] == ["application_created"]


def test_failed_client_authentications_are_counted_in_one_row(app: Flask, world: World) -> None:
    client_id = world.client_ids["Bob CC"]
    http = app.test_client()
    http.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    for _ in range(3):
        assert client_credentials(http, client_id, "wrong").status_code == 401
    assert events(app, client_id)[1:] == [
        ("client_authentication_failed", "", "203.0.113.9", 3, "")
    ]


def test_a_flood_of_failures_from_many_addresses_stays_bounded(
    app: Flask, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(audit, "MAX_FAILURE_ROWS", 3)
    http = app.test_client()
    for number in range(10):
        http.environ_base["REMOTE_ADDR"] = f"198.51.100.{number}"
        client_credentials(http, f"made-up-{number}", "wrong")
    with app.app_context():
        rows = db.session.execute(
            select(SecurityEvent.client_id, SecurityEvent.ip, SecurityEvent.count).where(
                SecurityEvent.event == "client_authentication_failed"
            )
        ).all()
        total = db.session.scalar(select(func.count()).select_from(SecurityEvent))
    assert len(rows) == 4
    assert ("*", "*", 7) in [tuple(row) for row in rows]
    assert total == 4 + 6  # the failures, and the world's six creations


def test_the_view_page_shows_the_activity(app: Flask, world: World) -> None:
    client = alice(app)
    page = f"/admin/oauth2/{world.alice_cc}"
    post_form(client, f"{page}/deactivate", {})
    client_credentials(app.test_client(), world.client_ids["Alice CC"], "wrong")
    text = html.unescape(client.get(page).get_data(as_text=True))
    assert "Activity" in text
    assert "Deactivated" in text and "alice" in text and ADDRESS in text
    assert "Client authentication failed" in text


def test_the_activity_exports_as_csv_without_secrets(app: Flask, world: World) -> None:
    client = alice(app)
    page = f"/admin/oauth2/{world.alice_cc}"
    post_form(client, f"{page}/edit", {"name": "=HYPERLINK(1)", "active": "y"})
    response = client.get(f"{page}/activity.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == list(audit.CSV_COLUMNS)
    assert [row[2] for row in rows[1:]] == ["application_updated", "application_created"]
    assert [row[8] for row in rows[1:]] == [audit.LABELS["application_updated"],
                                            audit.LABELS["application_created"]]  # fmt: skip
    assert rows[1][6] == "name: Alice CC -> =HYPERLINK(1)"  # not at the start: no formula
    assert world.secrets["Alice CC"] not in response.get_data(as_text=True)


def test_only_those_who_manage_the_application_may_export_its_activity(
    app: Flask, world: World
) -> None:
    path = f"/admin/oauth2/{world.alice_cc}/activity.csv"
    assert logged_in(app, "oscar").get(path).status_code == 404
    assert logged_in(app, "bob").get(path).status_code == 404
    assert logged_in(app, "root").get(path).status_code == 200


def test_operator_commands_are_recorded_as_the_command_line(app: Flask, world: World) -> None:
    client_id = world.client_ids["Bob CC"]
    result = app.test_cli_runner().invoke(args=["oauth", "deactivate", client_id])
    assert result.exit_code == 0
    assert events(app, client_id)[-1] == ("application_deactivated", "command line", "", 1, "")


def test_a_failure_for_a_client_id_with_a_nul_byte_is_still_recorded(app: Flask) -> None:
    with app.app_context():
        audit.record_failure("client_authentication_failed", "bad\x00id", "192.0.2.1")
        ids = list(db.session.scalars(select(SecurityEvent.client_id)))
    assert ids == ["bad\ufffdid"]
