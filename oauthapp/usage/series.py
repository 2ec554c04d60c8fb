"""What the usage chart shows: issued and refused per day (30 days) or per hour (48 hours)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from oauthapp.models import utcnow
from oauthapp.usage import store


@dataclass(frozen=True)
class Span:
    key: str  # the value of the page's `usage` query parameter
    title: str
    step: timedelta
    buckets: int
    unit: str  # the axis title's and the table's first column


DAYS = Span("30d", "Last 30 days", timedelta(days=1), 30, "Day (UTC)")
HOURS = Span("48h", "Last 48 hours", timedelta(hours=1), 48, "Hour (UTC)")
SPANS = {span.key: span for span in (DAYS, HOURS)}


@dataclass(frozen=True)
class Bucket:
    start: datetime
    label: str  # in full, for the table
    tick: str  # on the time axis; empty where the axis shows nothing
    issued: int
    refused: int


@dataclass(frozen=True)
class UsageSeries:
    span: Span
    buckets: tuple[Bucket, ...]
    top: int  # the value axis runs from 0 to top
    ticks: tuple[int, ...]  # values of the horizontal grid lines

    @property
    def issued(self) -> int:
        return sum(bucket.issued for bucket in self.buckets)

    @property
    def refused(self) -> int:
        return sum(bucket.refused for bucket in self.buckets)


def span_named(value: str | None) -> Span:
    """The span a `usage` query parameter asks for; the 30 days for anything else."""
    return SPANS.get(value or "", DAYS)


def usage_series(application_id: int, span: Span, now: datetime | None = None) -> UsageSeries:
    """The application's counts per bucket of SPAN, up to and including NOW's (UTC)."""
    current = _bucket_start(now or utcnow(), span)
    first = current - span.step * (span.buckets - 1)
    totals: dict[datetime, list[int]] = {first + span.step * i: [0, 0] for i in range(span.buckets)}
    for hour, issued, refused in store.hourly(application_id, first):
        counts = totals.get(_bucket_start(hour, span))
        if counts is not None:
            counts[0] += issued
            counts[1] += refused
    buckets = tuple(
        Bucket(start, _label(start, span), _tick(start, span), issued, refused)
        for start, (issued, refused) in totals.items()
    )
    top, step = _scale(max((max(b.issued, b.refused) for b in buckets), default=0))
    return UsageSeries(span, buckets, top, tuple(range(0, top + 1, step)))


def _bucket_start(moment: datetime, span: Span) -> datetime:
    hour = moment.replace(minute=0, second=0, microsecond=0)
    return hour.replace(hour=0) if span is DAYS else hour


def _label(start: datetime, span: Span) -> str:
    return start.strftime("%Y-%m-%d") if span is DAYS else start.strftime("%Y-%m-%d %H:00")


def _tick(start: datetime, span: Span) -> str:
    if span is DAYS:
        return start.strftime("%b %-d") if start.day % 5 == 0 else ""
    if start.hour == 0:
        return start.strftime("%b %-d")
    return start.strftime("%H:00") if start.hour % 6 == 0 else ""


def _scale(peak: int) -> tuple[int, int]:
    """A round top for the value axis, at or above PEAK, and a step giving at most 5 lines."""
    for exponent in range(0, 12):
        for mantissa in (1, 2, 5):
            step = mantissa * 10**exponent
            if math.ceil(peak / step) <= 5:
                return max(step * math.ceil(peak / step), step), step
    return peak, peak
