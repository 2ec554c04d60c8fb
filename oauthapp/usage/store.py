"""The hourly usage rows: counts added with one upsert, read for the chart, deleted when old."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from oauthapp.extensions import db
from oauthapp.models import OAuthApplication, TokenUsage

# (application id, hours since the epoch) -> [issued, refused]
Counts = dict[tuple[int, int], list[int]]
KEEP = timedelta(days=90)
_BATCH = 500  # rows per statement, well below SQLite's limit of bound parameters


def add_counts(counts: Counts) -> int:
    """Add COUNTS to the hourly rows in one transaction; the number of rows written.

    Counts of applications deleted meanwhile are dropped. Rows go in key order, so two workers
    writing the same rows at once wait for each other instead of deadlocking.
    """
    with db.engine.begin() as connection:
        existing = _existing(connection, sorted({application for application, _ in counts}))
        rows = [
            {"application_id": application, "hour": datetime.fromtimestamp(hour * 3600, UTC),
             "issued": issued, "refused": refused}
            for (application, hour), (issued, refused) in sorted(counts.items())
            if application in existing
        ]  # fmt: skip
        statement = _upsert(connection.dialect.name)
        for start in range(0, len(rows), _BATCH):
            connection.execute(statement, rows[start : start + _BATCH])
    return len(rows)


def _existing(connection: Connection, ids: Sequence[int]) -> set[int]:
    found: set[int] = set()
    for start in range(0, len(ids), _BATCH):
        chunk = ids[start : start + _BATCH]
        found.update(connection.scalars(select(OAuthApplication.id).where(
            OAuthApplication.id.in_(chunk))))  # fmt: skip
    return found


def _upsert(dialect: str) -> Any:
    """INSERT … ON CONFLICT (application_id, hour) DO UPDATE adding to the stored counts."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(TokenUsage)
    return statement.on_conflict_do_update(
        index_elements=[TokenUsage.application_id, TokenUsage.hour],
        set_={
            "issued": TokenUsage.issued + statement.excluded.issued,
            "refused": TokenUsage.refused + statement.excluded.refused,
        },
    )


def hourly(application_id: int, since: datetime) -> list[tuple[datetime, int, int]]:
    """The application's (hour, issued, refused) rows from SINCE on, oldest first."""
    rows = db.session.execute(
        select(TokenUsage.hour, TokenUsage.issued, TokenUsage.refused)
        .where(TokenUsage.application_id == application_id, TokenUsage.hour >= since)
        .order_by(TokenUsage.hour)
    )
    return [(hour, issued, refused) for hour, issued, refused in rows]


def delete_before(cutoff: datetime) -> int:
    """Delete the rows of hours before CUTOFF (the caller commits); how many."""
    result = db.session.execute(delete(TokenUsage).where(TokenUsage.hour < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)
