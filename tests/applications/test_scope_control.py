"""The Management API block of an application's view page: administrators grant or revoke
applications:manage there."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from oauthapp.applications.scopes import MANAGE
from oauthapp.extensions import db
from oauthapp.models import OAuthApplication, SecurityEvent
from tests.applications.conftest import World, logged_in, post_form


def scopes_of(app: Flask, application_id: int) -> list[str]:
    with app.app_context():
        application = db.session.get(OAuthApplication, application_id)
        assert application is not None
        return list(application.granted_scopes)


def followed(client: FlaskClient, response: TestResponse) -> TestResponse:
    """The page a redirect leads to."""
    assert response.status_code == 302
    return client.get(response.headers["Location"])


def test_an_administrator_sees_the_grant_button(app: Flask, world: World) -> None:
    page = logged_in(app, "alice").get(f"/admin/oauth2/{world.bob_cc}").get_data(as_text=True)
    assert "Management API" in page
    assert f"Grant {MANAGE}" in page


def test_granting_and_revoking_change_the_scopes_and_are_recorded(app: Flask, world: World) -> None:
    client = logged_in(app, "alice")
    page = f"/admin/oauth2/{world.bob_cc}"
    response = followed(
        client,
        post_form(client, f"{page}/scopes", {"scope": MANAGE, "action": "grant"}, token_from=page),
    )
    assert f"The scope {MANAGE} has been granted." in response.get_data(as_text=True)
    assert f"Revoke {MANAGE}" in response.get_data(as_text=True)
    assert scopes_of(app, world.bob_cc) == [MANAGE]
    post_form(client, f"{page}/scopes", {"scope": MANAGE, "action": "revoke"}, token_from=page)
    assert scopes_of(app, world.bob_cc) == []
    with app.app_context():
        recorded = db.session.execute(
            select(SecurityEvent.event, SecurityEvent.actor, SecurityEvent.detail)
            .where(SecurityEvent.application_id == world.bob_cc, SecurityEvent.event.like("scope%"))
            .order_by(SecurityEvent.id)
        ).all()
    assert [tuple(row) for row in recorded] == [
        ("scope_granted", "alice", MANAGE),
        ("scope_revoked", "alice", MANAGE),
    ]


def test_a_user_sees_no_control_and_may_not_post_one(app: Flask, world: World) -> None:
    client = logged_in(app, "bob")
    page = f"/admin/oauth2/{world.bob_cc}"
    assert "Management API" not in client.get(page).get_data(as_text=True)
    response = post_form(client, f"{page}/scopes", {"scope": MANAGE, "action": "grant"},
                         token_from=page, follow=False)  # fmt: skip
    assert response.status_code == 403
    assert scopes_of(app, world.bob_cc) == []


def test_password_applications_have_no_control(app: Flask, world: World) -> None:
    client = logged_in(app, "alice")
    page = f"/admin/oauth2/{world.acme_password}"
    assert "Management API" not in client.get(page).get_data(as_text=True)
    response = followed(
        client,
        post_form(client, f"{page}/scopes", {"scope": MANAGE, "action": "grant"}, token_from=page),
    )
    assert "Client Credentials applications only" in response.get_data(as_text=True)
    assert scopes_of(app, world.acme_password) == []


def test_an_unknown_scope_or_action_changes_nothing(app: Flask, world: World) -> None:
    client = logged_in(app, "alice")
    page = f"/admin/oauth2/{world.bob_cc}"
    post_form(client, f"{page}/scopes", {"scope": "everything", "action": "grant"},
              token_from=page)  # fmt: skip
    post_form(client, f"{page}/scopes", {"scope": MANAGE, "action": "toggle"}, token_from=page)
    post_form(client, f"{page}/scopes", {"scope": MANAGE, "action": "grant"}, token=False)
    assert scopes_of(app, world.bob_cc) == []
