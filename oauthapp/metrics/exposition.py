"""The text a scrape gets: every worker's counters, and what the database and keys say now.

Counters and histograms come from this process (one worker) or, in multiprocess mode, from the
files of every worker that ever ran since start-up. Outbox sizes and key usability are read at
scrape time, one query and a look at the key files: the same answer from whichever worker.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from prometheus_client import CollectorRegistry
from prometheus_client.exposition import choose_encoder
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import case, func, select
from sqlalchemy.exc import SQLAlchemyError

from oauthapp.extensions import db
from oauthapp.keys import keys
from oauthapp.metrics import instruments
from oauthapp.models import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)
UNSENT = (OutboxStatus.QUEUED.value, OutboxStatus.SENDING.value, OutboxStatus.FAILED.value)


def render(accept: str | None) -> tuple[bytes, str]:
    """The exposition in the format ACCEPT asks for (Prometheus text or OpenMetrics)."""
    registry = CollectorRegistry()
    if instruments.MULTIPROCESS_DIR:
        MultiProcessCollector(registry, path=instruments.MULTIPROCESS_DIR)  # type: ignore[no-untyped-call]
    else:
        registry.register(instruments.REGISTRY)
    registry.register(StateCollector())
    encode, content_type = choose_encoder(accept or "")
    return encode(registry), content_type


class StateCollector:
    """Gauges read at scrape time from the shared state: outbox sizes, signing keys."""

    def collect(self) -> Iterator[Metric]:
        usable = GaugeMetricFamily(
            "oauthapp_signing_keys_usable",
            "1 while the signing key files can be read and used, else 0.",
        )
        usable.add_metric([], 1.0 if keys().status().available else 0.0)
        yield usable
        yield from _outbox()


def _outbox() -> Iterator[Metric]:
    retrying = OutboxMessage.attempts > 0
    query = (
        select(OutboxMessage.status, func.count(), func.count(case((retrying, 1))))
        .where(OutboxMessage.status.in_(UNSENT))
        .group_by(OutboxMessage.status)
    )
    try:
        rows = db.session.execute(query).all()
    except SQLAlchemyError as exc:  # the database is down: the other metrics still go out
        db.session.rollback()
        log.warning("metrics: outbox sizes unavailable: %s", type(exc).__name__)
        return
    counts = {status: (0, 0) for status in UNSENT}
    counts.update({str(row[0]): (int(row[1]), int(row[2])) for row in rows})
    messages = GaugeMetricFamily(
        "oauthapp_outbox_messages",
        "Mail messages not yet sent, by status (queued includes those waiting to be retried).",
        labels=["status"],
    )
    for status, (count, _) in counts.items():
        messages.add_metric([status], float(count))
    yield messages
    waiting = GaugeMetricFamily(
        "oauthapp_outbox_retrying_messages",
        "Queued mail messages whose delivery failed at least once and will be tried again.",
    )
    waiting.add_metric([], float(counts[OutboxStatus.QUEUED.value][1]))
    yield waiting
