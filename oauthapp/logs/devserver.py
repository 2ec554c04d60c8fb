"""The development server's request line (`flask run`, `make run`) like gunicorn's access line:
without the query string, naming the request id, and none for health probes.

werkzeug writes that line after the response, once the request's context is gone, in the
thread that served it: the id is left there for the line to take.
"""

from __future__ import annotations

import logging
import re
import threading

_STYLE = re.compile(r"\x1b\[[0-9;]*m")  # the terminal colours werkzeug gives by status
_QUERY = re.compile(r"\?\S*")
_PROBE = re.compile(r"^\S* /(health/live|health/ready|metrics) ")
_answered = threading.local()


def answered(request_id: str) -> None:
    """Leave REQUEST_ID for the development server's line about this thread's response."""
    _answered.request_id = request_id


class RequestLine(logging.Filter):
    """On the `werkzeug` logger: its request line loses the query string and its colours, and
    gains the id."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if (
            isinstance(args, tuple)
            and len(args) == 3
            and isinstance(args[0], str)
            and str(record.msg).rstrip().endswith('"%s" %s %s')
        ):
            line = _QUERY.sub("", _STYLE.sub("", args[0]))
            record.args = (line, *args[1:])
            request_id = getattr(_answered, "request_id", None)
            _answered.request_id = None
            if request_id:
                record.request_id = request_id
            return not _PROBE.match(line)
        return True


def install() -> None:
    """Add the filter to the `werkzeug` logger, once."""
    logger = logging.getLogger("werkzeug")
    if not any(isinstance(found, RequestLine) for found in logger.filters):
        logger.addFilter(RequestLine())
