"""The two log formats, `text` and `json`: one line per record, timestamps in UTC ISO 8601.

Only the fields named here are written: a record's other attributes (a library's `extra`, the
arguments of its message) never are, so nothing reaches a log line but its message and these.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

# What a record may say about its request, in this order (see oauthapp.logs.context and
# oauthapp.logs.gunicorn_logger): never a header, a query string or a body.
FIELDS = (
    "request_id", "method", "path", "status", "duration_ms", "bytes", "client_id", "remote_addr",
)  # fmt: skip
TEXT_LAYOUT = "%(asctime)s [%(process)d] %(levelname)s %(name)s: %(message)s"


def utc_timestamp(created: float) -> str:
    """2026-01-31T12:00:00.123Z: the moment of a record, in UTC, to the millisecond."""
    moment = datetime.fromtimestamp(created, UTC)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}Z"


def fields_of(record: logging.LogRecord) -> dict[str, Any]:
    """The request fields the record carries, in the order of FIELDS."""
    values = vars(record)
    return {name: values[name] for name in FIELDS if values.get(name) is not None}


class TextFormatter(logging.Formatter):
    """`<time> [<pid>] LEVEL logger: message request_id=… client_id=…`, then any traceback."""

    def __init__(self) -> None:
        super().__init__(TEXT_LAYOUT)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return utc_timestamp(record.created)

    def formatMessage(self, record: logging.LogRecord) -> str:
        line = super().formatMessage(record)
        fields = " ".join(f"{name}={value}" for name, value in fields_of(record).items())
        return f"{line} {fields}" if fields else line


class JsonFormatter(logging.Formatter):
    """One JSON object per line: timestamp, level, logger, message, the request fields, and
    `exception` with the traceback when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "timestamp": utc_timestamp(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **fields_of(record),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        # ASCII only: no character in a value (a line separator among them) can split the line.
        return json.dumps(entry, ensure_ascii=True, default=str)


def formatter(log_format: str) -> logging.Formatter:
    """The formatter of `logging.format` (text or json)."""
    return JsonFormatter() if log_format == "json" else TextFormatter()
