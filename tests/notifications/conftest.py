"""Fixtures for mail: an app that delivers to a real SMTP server (aiosmtpd) after each commit."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from oauthapp.extensions import db
from oauthapp.models import OutboxMessage
from tests.conftest import AppFactory
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
