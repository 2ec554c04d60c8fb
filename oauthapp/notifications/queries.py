"""What the outbox page lists: messages by state, newest first, a page at a time."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from sqlalchemy import func, select

from oauthapp.extensions import db
from oauthapp.models import OutboxMessage, OutboxStatus
from oauthapp.paging import Paginated
from oauthapp.querystring import positive_int

PER_PAGE = 50
STATUS_FILTERS = {
    "unsent": (OutboxStatus.QUEUED, OutboxStatus.SENDING, OutboxStatus.FAILED),
    "queued": (OutboxStatus.QUEUED, OutboxStatus.SENDING),
    "failed": (OutboxStatus.FAILED,),
    "sent": (OutboxStatus.SENT,),
}


@dataclass(frozen=True)
class OutboxQuery:
    status: str = "unsent"
    page: int = 1

    def args(self, **changes: object) -> dict[str, object]:
        values: dict[str, object] = {"status": self.status, "page": self.page}
        values.update(changes)
        return values


@dataclass(frozen=True)
class OutboxPage(Paginated):
    per_page: ClassVar[int] = PER_PAGE
    query: OutboxQuery
    rows: list[OutboxMessage]
    total: int


def parse_outbox_query(args: Mapping[str, str]) -> OutboxQuery:
    """Unknown values fall back to the defaults rather than failing."""
    status = args.get("status", "unsent")
    return OutboxQuery(
        status=status if status in STATUS_FILTERS else "unsent",
        page=positive_int(args.get("page")) or 1,
    )


def load_outbox(query: OutboxQuery) -> OutboxPage:
    statuses = [status.value for status in STATUS_FILTERS[query.status]]
    where = OutboxMessage.status.in_(statuses)
    total = db.session.scalar(select(func.count()).select_from(OutboxMessage).where(where)) or 0
    rows = db.session.scalars(
        select(OutboxMessage)
        .where(where)
        .order_by(OutboxMessage.id.desc())
        .limit(PER_PAGE)
        .offset((query.page - 1) * PER_PAGE)
    )
    return OutboxPage(query, list(rows), total)
