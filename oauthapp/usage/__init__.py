"""Token usage per application and hour: counted in memory, written now and then, charted.

Every token request's outcome (oauthapp.token.outcomes) adds one to its application's count
for the hour, in this process's memory; a worker writes its counts at most once per
`usage.flush_interval` seconds and when it exits (see recorder). The application page draws
the last 30 days or 48 hours of them (see series).
"""

from __future__ import annotations

from flask import Flask, current_app

from oauthapp.token import outcomes
from oauthapp.token.outcomes import TokenOutcome
from oauthapp.usage.recorder import Recorder

EXTENSION = "oauthapp.usage"


def init_app(app: Flask, flush_interval: int) -> None:
    """Count this app's token outcomes; its worker writes them every FLUSH_INTERVAL seconds."""
    app.extensions[EXTENSION] = Recorder(app, flush_interval)
    outcomes.listen(_count)


def recorder_of(app: Flask) -> Recorder:
    """The app's recorder of token usage."""
    recorder: Recorder = app.extensions[EXTENSION]
    return recorder


def _count(outcome: TokenOutcome) -> None:
    # Requests that named no known application are nobody's usage.
    if outcome.application is None:
        return
    recorder = current_app.extensions.get(EXTENSION)
    if recorder is not None:
        recorder.record(outcome.application.id, outcome.issued)
