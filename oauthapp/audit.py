"""The audit trail: security events of applications, as the Activity section shows them.

Changes to an application are recorded in the transaction that makes them, with who did it and
from which address. Client authentication failures are counted per client id, address and hour
in one row each, and past MAX_FAILURE_ROWS rows an hour in one catch-all row, so a flood of
failures adds to counts instead of filling the disk.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from oauthapp.extensions import db
from oauthapp.models import OAuthApplication, SecurityEvent, utcnow

log = logging.getLogger(__name__)

MAX_FAILURE_ROWS = 1000  # per hour
ACTIVITY_ROWS = 20
LABELS = {
    "application_created": "Created",
    "application_updated": "Updated",
    "application_activated": "Activated",
    "application_deactivated": "Deactivated",
    "application_deleted": "Deleted",
    "secret_regenerated": "Secret regenerated",
    "scope_granted": "Scope granted",
    "scope_revoked": "Scope revoked",
    "client_authentication_failed": "Client authentication failed",
    "client_throttled": "Too many failed authentications (429)",
    "email_template_failed": "Email template failed; built-in text sent",
    "password_grant_throttled": "Too many failed user log-ins (429)",
    "consent_granted": "Consent granted",
    "consent_denied": "Consent denied",
    "consent_revoked": "Access revoked by the user",
    "authorization_code_reused": "Authorization code used twice: its tokens revoked",
}
FAILURES = ("client_authentication_failed", "client_throttled", "password_grant_throttled")


@dataclass(frozen=True)
class Actor:
    """Who made a change: a back-office user and its address, or an operator's command."""

    user_id: int | None = None
    name: str = "command line"
    ip: str = ""


COMMAND_LINE = Actor()


def record(
    event: str, application: OAuthApplication, actor: Actor = COMMAND_LINE, detail: str = ""
) -> None:
    """Add an event about the application to the current transaction (the caller commits)."""
    if application.id is None:
        db.session.flush()  # a new application: its id
    db.session.add(
        SecurityEvent(
            event=event,
            application_id=application.id,
            client_id=application.client_id,
            application_name=application.name,
            organization_id=application.organization_id,
            actor_id=actor.user_id,
            actor=actor.name[:255],
            ip=actor.ip[:64],
            detail=detail[:255],
        )
    )


def record_failure(event: str, client_id: str, ip: str) -> None:
    """Count a failure at the token endpoints in its own transaction; never raises."""
    client_id = client_id.replace("\x00", "\ufffd")  # PostgreSQL text holds no NUL
    try:
        _count_failure(event, client_id[:128], ip[:64])
    except SQLAlchemyError:
        db.session.rollback()
        log.warning("Could not record a %s event", event)


def _count_failure(event: str, client_id: str, ip: str) -> None:
    now = utcnow()
    bucket = now.replace(minute=0, second=0, microsecond=0)
    for _ in range(2):  # a concurrent insert of the same row: count on it instead
        if _add_to(event, client_id, ip, bucket, now):
            return
        if _failure_rows(bucket) >= MAX_FAILURE_ROWS:
            client_id, ip = "*", "*"
            if _add_to(event, client_id, ip, bucket, now):
                return
        application = db.session.scalar(
            select(OAuthApplication).where(OAuthApplication.client_id == client_id)
        )
        db.session.add(
            SecurityEvent(
                event=event, client_id=client_id, ip=ip, bucket=bucket, occurred_at=now,
                last_at=now, count=1, actor="", detail="",
                application_id=application.id if application else None,
                application_name=application.name if application else "",
                organization_id=application.organization_id if application else None,
            )
        )  # fmt: skip
        try:
            db.session.commit()
            return
        except IntegrityError:
            db.session.rollback()


def _add_to(event: str, client_id: str, ip: str, bucket: datetime, now: datetime) -> bool:
    result = db.session.execute(
        update(SecurityEvent)
        .where(
            SecurityEvent.event == event,
            SecurityEvent.client_id == client_id,
            SecurityEvent.ip == ip,
            SecurityEvent.bucket == bucket,
        )
        .values(count=SecurityEvent.count + 1, last_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return bool(result.rowcount)  # type: ignore[attr-defined]


def _failure_rows(bucket: datetime) -> int:
    query = select(func.count()).where(
        SecurityEvent.bucket == bucket, SecurityEvent.event.in_(FAILURES)
    )
    return db.session.scalar(query) or 0


def _of(application: OAuthApplication) -> Select[Any]:
    return (
        select(SecurityEvent)
        .where(
            or_(
                SecurityEvent.application_id == application.id,
                SecurityEvent.client_id == application.client_id,
            )
        )
        .order_by(SecurityEvent.last_at.desc(), SecurityEvent.id.desc())
    )


def activity(application: OAuthApplication, limit: int = ACTIVITY_ROWS) -> list[SecurityEvent]:
    """The application's latest events, newest first."""
    return list(db.session.scalars(_of(application).limit(limit)))


# "event" is the stable code to filter on; "event_label" the words the Activity section shows.
CSV_COLUMNS = (
    "time", "first_time", "event", "count", "actor", "ip", "detail", "client_id", "event_label",
)  # fmt: skip


def activity_csv(application: OAuthApplication) -> Iterator[str]:
    """All of the application's events as CSV lines, newest first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for event in db.session.scalars(_of(application)):
        writer.writerow(
            [
                event.last_at.isoformat(), event.occurred_at.isoformat(), event.event,
                event.count, _cell(event.actor), event.ip, _cell(event.detail), event.client_id,
                LABELS.get(event.event, event.event),
            ]
        )  # fmt: skip
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def _cell(text: str) -> str:
    """Neutralise spreadsheet formulas (CSV injection) in free text."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
