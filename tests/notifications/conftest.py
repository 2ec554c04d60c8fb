"""Fixtures for mail: an app that delivers to a real SMTP server (aiosmtpd) after each commit."""

from __future__ import annotations

import html
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from oauthapp.extensions import db
from oauthapp.models import OutboxMessage, Role, User
from tests.applications.conftest import logged_in, post_form
from tests.conftest import AppFactory
from tests.factories import make_org, make_user
from tests.mailserver import SMTPServer, smtp_server

__all__ = ["smtp_server"]


def smtp_settings(server: SMTPServer, **extra: Any) -> dict[str, Any]:
    return {
        "mail": {
            "server": "127.0.0.1",
            "port": server.port,
            "timeout": 5,
            "send_after_commit": True,
            **extra,
        }
    }


@pytest.fixture
def mail_app(make_app: AppFactory, smtp_server: SMTPServer) -> Flask:
    return make_app(**smtp_settings(smtp_server))


@pytest.fixture
def mctx(mail_app: Flask) -> Iterator[Flask]:
    with mail_app.app_context():
        yield mail_app


def outbox_rows() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


@pytest.fixture
def people(mail_app: Flask) -> int:
    """root administers the global organization; alice administers Acme; olivia's id."""
    with mail_app.app_context():
        main = make_org("Main", is_global=True)
        acme = make_org("Acme")
        make_user("root", orgs=[main])
        make_user("alice", orgs=[acme])
        make_user("gus", orgs=[main], role=Role.USER)
        return make_user("olivia", orgs=[acme], role=Role.USER).id


@pytest.fixture
def root(mail_app: Flask, people: int) -> FlaskClient:
    return logged_in(mail_app, "root")


def text_of(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, f"GET {path} answered {response.status_code}"
    return html.unescape(response.get_data(as_text=True))


def edited(subject: str, body_text: str, body_html: str = "", **extra: str) -> dict[str, str]:
    return {"subject": subject, "body_text": body_text, "body_html": body_html, **extra}


def create_for_olivia(mail_app: Flask, name: str = "Olivia's app") -> None:
    """alice creates a client-credentials application for olivia in the back-office."""
    client = logged_in(mail_app, "alice")
    with mail_app.app_context():
        olivia = db.session.scalar(select(User.id).where(User.username == "olivia"))
    response = post_form(client, "/admin/oauth2/create", {
        "name": name, "grant": "client_credentials", "owner": str(olivia), "active": "y",
    })  # fmt: skip
    assert response.status_code == 200, response.status_code
    assert "Client Secret" in response.get_data(as_text=True)
