"""Connection liveness on PostgreSQL: a ping only for a connection that may have gone stale.

SQLAlchemy's pool_pre_ping costs a round trip on every checkout, that is on every request. A
connection used within the last IDLE_PING seconds is handed out as it is: had the server gone
away meanwhile, the statement fails as a disconnect, the pool drops every connection made
before it, and the request answers 503 like any other outage.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import Pool

IDLE_PING = 10.0  # seconds a connection may rest in the pool and still be trusted unpinged
_RETURNED = "oauthapp.returned_at"


def watch(pool: Pool) -> None:
    """Ping this pool's connections at checkout after they have rested IDLE_PING seconds."""
    event.listen(pool, "checkin", _checked_in)
    event.listen(pool, "checkout", _checked_out)


def _checked_in(dbapi_connection: Any, record: Any) -> None:
    record.info[_RETURNED] = time.monotonic()


def _checked_out(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    returned = record.info.get(_RETURNED)
    if returned is None or time.monotonic() - returned < IDLE_PING:
        return  # new, or used moments ago
    try:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("SELECT 1")
        finally:
            cursor.close()
        dbapi_connection.rollback()  # hand it out as the pool keeps it: outside a transaction
    except Exception as exc:  # the pool retries with a new connection
        raise DisconnectionError(str(exc)) from exc
