"""The mail outbox: messages recorded with the change that caused them, sent after commit.

A message is claimed by one sender at a time (an atomic UPDATE), so a request, the
`mail send-queued` command and another server process never send it twice. A failed delivery
stays queued with its error and is retried with exponential back-off until MAX_ATTEMPTS.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, delete, func, or_, select, update

from oauthapp import metrics
from oauthapp.exceptions import NotFound
from oauthapp.extensions import db
from oauthapp.models import OutboxMessage, OutboxStatus, utcnow
from oauthapp.notifications.templates import RenderedMessage
from oauthapp.notifications.transport import DeliveryFailed, deliver
from oauthapp.settings import MailSettings

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
FIRST_RETRY = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=1)
STALE_CLAIM = timedelta(minutes=10)  # a sender that died mid-delivery gives the message back
BATCH = 50
KEEP_SENT = timedelta(days=30)


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def queue(
    event: str,
    template: str,
    locale: str,
    recipient: str,
    message: RenderedMessage,
    application_id: int | None = None,
    render_error: str = "",
    application_name: str | None = None,
) -> OutboxMessage:
    """Record a message in the current transaction; the caller's commit makes it real.

    The application's id and name say which application the message is about (the name
    stays when the application is deleted).
    """
    row = OutboxMessage(
        event=event,
        template=template,
        locale=locale,
        recipient=recipient,
        subject=message.subject,
        body_text=message.body_text,
        body_html=message.body_html,
        status=OutboxStatus.QUEUED.value,
        attempts=0,
        last_error="",
        render_error=render_error,
        next_attempt_at=utcnow(),
        application_id=application_id,
        application_name=application_name,
    )
    db.session.add(row)
    return row


def backoff(attempts: int) -> timedelta:
    """How long to wait after the n-th failed attempt: 1, 2, 4 … minutes, at most an hour."""
    wait: timedelta = FIRST_RETRY * 2 ** min(max(attempts - 1, 0), 10)
    return min(wait, LONGEST_WAIT)


def _claimable(now: datetime) -> ColumnElement[bool]:
    return or_(
        OutboxMessage.status == OutboxStatus.QUEUED.value,
        and_(
            OutboxMessage.status == OutboxStatus.SENDING.value,
            OutboxMessage.claimed_at < now - STALE_CLAIM,
        ),
    )


def due_ids(now: datetime, include_waiting: bool = False, limit: int = BATCH) -> list[int]:
    """Messages ready to be sent; with include_waiting, also those in back-off and failed ones."""
    query = select(OutboxMessage.id).order_by(OutboxMessage.id).limit(limit)
    if include_waiting:
        query = query.where(or_(_claimable(now), OutboxMessage.status == OutboxStatus.FAILED.value))
    else:
        query = query.where(_claimable(now), OutboxMessage.next_attempt_at <= now)
    return list(db.session.scalars(query))


def _claim(message_id: int, now: datetime, include_failed: bool) -> OutboxMessage | None:
    claimable = _claimable(now)
    if include_failed:
        claimable = or_(claimable, OutboxMessage.status == OutboxStatus.FAILED.value)
    claimed = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, claimable)
        .values(
            status=OutboxStatus.SENDING.value,
            claimed_at=now,
            attempts=OutboxMessage.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return db.session.get(OutboxMessage, message_id, populate_existing=True)


def send_one(
    message_id: int, settings: MailSettings, include_failed: bool = False
) -> OutboxStatus | None:
    """Claim and send one message; None if another sender has it or it is already done."""
    message = _claim(message_id, utcnow(), include_failed)
    if message is None:
        return None
    try:
        deliver(message, settings)
    except DeliveryFailed as failure:
        return _record_failure(message, failure)
    message.status = OutboxStatus.SENT.value
    message.sent_at = utcnow()
    message.last_error = ""
    db.session.commit()
    log.info("mail %s to %s sent", message.id, message.recipient)
    return OutboxStatus.SENT


def _record_failure(message: OutboxMessage, failure: DeliveryFailed) -> OutboxStatus:
    message.last_error = failure.reason[:2000]
    if failure.permanent or message.attempts >= MAX_ATTEMPTS:
        message.status = OutboxStatus.FAILED.value
    else:
        message.status = OutboxStatus.QUEUED.value
        message.next_attempt_at = utcnow() + backoff(message.attempts)
    message.claimed_at = None
    db.session.commit()
    metrics.delivery_failed(message.status)
    log.warning(
        "mail %s to %s not sent (attempt %s, now %s): %s",
        message.id, message.recipient, message.attempts, message.status, message.last_error,
    )  # fmt: skip
    return OutboxStatus(message.status)


def send_messages(
    ids: Sequence[int], settings: MailSettings, include_failed: bool = False
) -> DeliveryReport:
    """Send these messages, each claimed on its own; a report of what became of them."""
    report = DeliveryReport()
    for message_id in ids:
        status = send_one(message_id, settings, include_failed)
        if status == OutboxStatus.SENT:
            report.sent += 1
        elif status == OutboxStatus.QUEUED:
            report.retrying += 1
        elif status == OutboxStatus.FAILED:
            report.failed += 1
    return report


def send_queued(settings: MailSettings, include_waiting: bool = False) -> DeliveryReport:
    """Send every due message (with include_waiting: every unsent one), batch by batch."""
    report = DeliveryReport()
    seen: set[int] = set()
    while True:
        ids = [i for i in due_ids(utcnow(), include_waiting) if i not in seen]
        if not ids:
            return report
        seen.update(ids)
        batch = send_messages(ids, settings, include_failed=include_waiting)
        report.sent += batch.sent
        report.retrying += batch.retrying
        report.failed += batch.failed


def retry_now(message_id: int) -> OutboxMessage:
    """Put a queued or failed message at the front of the queue, with a fresh attempt count."""
    message = db.session.get(OutboxMessage, message_id)
    if message is None or message.status == OutboxStatus.SENT.value:
        raise NotFound("No such unsent message.")
    if message.status == OutboxStatus.FAILED.value:
        message.attempts = 0
    message.status = OutboxStatus.QUEUED.value
    message.next_attempt_at = utcnow()
    db.session.commit()
    return message


def status_counts() -> dict[str, int]:
    """How many messages are in each state."""
    query = select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    counts = {status.value: 0 for status in OutboxStatus}
    counts.update({str(row[0]): int(row[1]) for row in db.session.execute(query)})
    return counts


def delete_sent_before(cutoff: datetime) -> int:
    """Forget messages sent before the cutoff; returns how many."""
    result = db.session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.status == OutboxStatus.SENT.value, OutboxMessage.sent_at < cutoff
        )
    )
    db.session.commit()
    return int(result.rowcount)  # type: ignore[attr-defined]


def find_message(message_id: int) -> OutboxMessage | None:
    """One message of the outbox, whatever its status."""
    return db.session.get(OutboxMessage, message_id)
