"""Requests that lock a refresh token family's live tokens never wait for each other in a cycle.

Within refresh_token_reuse_interval, simultaneous refreshes with one token each lock the whole
family (oauthapp.token.refresh_tokens.hold_family); a reuse revokes it the same way. Each takes
the rows in the order of their ids. Taken in the order a plan reads them, two requests could
each hold a row the other waits for once an update had moved a row on disk: PostgreSQL then
ends one of them with "deadlock detected", a 503 for a client that did nothing wrong.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Connection, text

from oauthapp.extensions import db
from oauthapp.token import refresh_tokens
from tests.conftest import TEST_DATABASE_URL
from tests.token.grant_support import token_body
from tests.token.test_refresh_families import Login, row_of, with_settings

pytestmark = pytest.mark.skipif(not TEST_DATABASE_URL, reason="row locks are PostgreSQL's")
WAIT = 10.0  # seconds for the second request to be seen waiting


@pytest.fixture
def family(make_app: Any) -> tuple[Flask, str, list[int]]:
    """A family with three live tokens, the one with the lowest id moved last on disk."""
    racing: Login = with_settings(make_app, refresh_token_reuse_interval=60)
    first = racing.tokens()
    pairs = [token_body(racing.refresh(first["refresh_token"])) for _ in range(3)]
    app = racing.app
    rows = sorted((row_of(app, pair["access_token"]) for pair in pairs), key=lambda r: r.id)
    with app.app_context():
        db.session.execute(
            text("UPDATE oauth_refresh_tokens SET scope = scope WHERE id = :id"), {"id": rows[0].id}
        )
        db.session.commit()
    return app, rows[0].family_id, [row.id for row in rows]


def read_in_disk_order(connection: Connection) -> None:
    """Plan like a table of many families would not: by reading the table in its disk order."""
    for setting in ("enable_indexscan", "enable_bitmapscan", "enable_indexonlyscan"):
        connection.exec_driver_sql(f"SET LOCAL {setting} = off")


def waiting(app: Flask, pid: int) -> bool:
    with app.app_context(), db.engine.connect() as connection:
        event = connection.scalar(
            text("SELECT wait_event_type FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}
        )
    return event == "Lock"


# The statements hold_family() and revoke_family() run on the session's connection, run here on
# two connections of their own: two requests.
LOCKING = {"hold": refresh_tokens._HOLD, "revoke": refresh_tokens._REVOKE}


@pytest.mark.parametrize("second", LOCKING.values(), ids=LOCKING.keys())
def test_two_requests_locking_one_family_both_finish(
    family: tuple[Flask, str, list[int]], second: Any
) -> None:
    app, family_id, ids = family
    failures: list[BaseException] = []
    with app.app_context():
        first_request, other_request = db.engine.connect(), db.engine.connect()
    try:
        # The first request holds the oldest live token (as a rotation of it does)...
        first_request.execute(
            text("UPDATE oauth_refresh_tokens SET revoked = false WHERE id = :id"), {"id": ids[0]}
        )
        read_in_disk_order(first_request)
        pid = other_request.scalar(text("SELECT pg_backend_pid()"))

        def lock_the_family() -> None:  # ... when another request locks the family
            try:
                read_in_disk_order(other_request)
                other_request.execute(refresh_tokens._HOLD, {"family": family_id})
                other_request.commit()
            except BaseException as error:  # "deadlock detected"
                failures.append(error)
                other_request.rollback()

        thread = threading.Thread(target=lock_the_family)
        thread.start()
        deadline = time.monotonic() + WAIT
        while not waiting(app, pid):  # and waits for that token
            assert time.monotonic() < deadline, "the other request never waited"
            time.sleep(0.05)
        # Then the first request locks the whole family too: a come-back, or a reuse.
        try:
            result = first_request.execute(second, {"family": family_id})
            first_request.commit()
        except BaseException as error:
            failures.append(error)
            first_request.rollback()
        thread.join(WAIT)
    finally:
        first_request.close()
        other_request.close()

    assert not thread.is_alive()
    assert failures == []
    assert result.rowcount == 3
