"""Reading and writing the hourly usage rows in tests."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from flask import Flask
from sqlalchemy import select

from oauthapp.extensions import db
from oauthapp.models import TokenUsage, utcnow
from oauthapp.usage import recorder_of
from tests.token.grant_support import App
from tests.token.helpers import client_credentials


def this_hour() -> datetime:
    return utcnow().replace(minute=0, second=0, microsecond=0)


def hour_key(moment: datetime) -> int:
    """The recorder's key for the hour of MOMENT: hours since the epoch."""
    return int(moment.timestamp()) // 3600


def stored_rows(app: Flask) -> dict[tuple[int, datetime], tuple[int, int]]:
    """Every usage row: (application id, hour) -> (issued, refused)."""
    with app.app_context():
        rows = db.session.execute(select(TokenUsage)).scalars().all()
        found = {(row.application_id, row.hour): (row.issued, row.refused) for row in rows}
        db.session.remove()
    return found


def add_row(app: Flask, application_id: int, hour: datetime, issued: int, refused: int) -> None:
    with app.app_context():
        db.session.add(TokenUsage(application_id=application_id, hour=hour.astimezone(UTC),
                                  issued=issued, refused=refused))  # fmt: skip
        db.session.commit()


def request_tokens(app: Flask, registered: App, issued: int, refused: int) -> None:
    """Make ISSUED successful and REFUSED wrong-secret token requests for the application."""
    client = app.test_client()
    for _ in range(issued):
        assert (
            client_credentials(client, registered.client_id, registered.secret).status_code == 200
        )
    for _ in range(refused):
        assert client_credentials(client, registered.client_id, "wrong").status_code == 401


def wait_for_rows(app: Flask, timeout: float = 15.0) -> dict[tuple[int, datetime], tuple[int, int]]:
    """The usage rows once there are any (the recorder's thread writes them), within TIMEOUT."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = stored_rows(app)
        if rows:
            return rows
        time.sleep(0.1)
    raise AssertionError(
        f"no usage written within {timeout}s; pending: {recorder_of(app).pending()}"
    )
