"""When queued mail goes out: after the response that committed it, or at once outside requests.

Sending after the response keeps a slow or absent SMTP server away from the page the user is
waiting for. Back-office changes also give due retries a chance (the outbox's opportunistic
sending); `flask --app app mail send-queued` does the rest.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from flask import Flask, Response, current_app, g, has_request_context, request

from oauthapp import get_settings
from oauthapp.models import utcnow
from oauthapp.notifications import outbox

log = logging.getLogger(__name__)

OPPORTUNISTIC_BATCH = 10
BACKOFFICE_BLUEPRINTS = frozenset({"applications", "accounts", "notifications"})
_PENDING = "outbox_pending"


def send_soon(ids: Sequence[int]) -> None:
    """Send these committed messages after the current response, or now outside a request."""
    if not ids or not get_settings().mail.send_after_commit:
        return
    if has_request_context():
        g.setdefault(_PENDING, []).extend(ids)
    else:
        outbox.send_messages(ids, get_settings().mail)


def init_app(app: Flask) -> None:
    app.after_request(_after_request)


def _after_request(response: Response) -> Response:
    pending: list[int] = g.pop(_PENDING, [])
    backoffice_change = get_settings().mail.send_after_commit and (
        request.method == "POST"
        and request.blueprint in BACKOFFICE_BLUEPRINTS
        and response.status_code < 400
    )
    if pending or backoffice_change:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        response.call_on_close(lambda: _send_in_background(app, pending))
    return response


def _send_in_background(app: Flask, ids: list[int]) -> None:
    with app.app_context():
        try:
            settings = get_settings().mail
            outbox.send_messages(ids, settings)
            due = outbox.due_ids(utcnow(), limit=OPPORTUNISTIC_BATCH)
            outbox.send_messages([i for i in due if i not in ids], settings)
        except Exception:  # never let mail trouble reach the server's worker
            log.exception("sending queued mail failed; it stays queued")
