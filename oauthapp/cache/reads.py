"""Reads for the caches that cost one round trip on PostgreSQL.

A session's first statement opens a transaction (BEGIN, a round trip of its own) that the end
of the request rolls back (another). A lookup that only fills a cache needs neither: when the
request has not started a transaction, it runs on a pooled connection in autocommit mode.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection

from oauthapp.extensions import db


@contextmanager
def lookup_connection() -> Iterator[Connection]:
    """A connection for one read-only statement: outside any transaction when none is open."""
    session = db.session()
    engine = session.get_bind()
    if (
        isinstance(engine, Connection)
        or engine.dialect.name != "postgresql"
        or session.in_transaction()
    ):
        yield session.connection()
        return
    with engine.connect() as connection:
        yield connection.execution_options(isolation_level="AUTOCOMMIT")
