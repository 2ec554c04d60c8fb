"""Prometheus metrics: recorded in each worker, served at GET /metrics (docs/operations.md).

With several workers (gunicorn), PROMETHEUS_MULTIPROC_DIR names an empty folder where each
worker keeps its values in a memory-mapped file, and a scrape adds them up; gunicorn.conf.py
makes one per server start. Without it (`flask run`: one process) the values are in memory.
"""

from __future__ import annotations

import os

from flask import Flask, current_app, has_app_context

from oauthapp.settings import MetricsSettings, SettingsError

EXTENSION = "oauthapp.metrics"  # present while metrics are on (a Recorder)


def init_app(app: Flask, settings: MetricsSettings) -> None:
    """Record metrics for APP unless they are off."""
    if not settings.enabled:
        return
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:  # the values' files go there from the first metric on
        try:
            os.makedirs(folder, exist_ok=True)
        except OSError as exc:
            raise SettingsError(
                "PROMETHEUS_MULTIPROC_DIR", f"cannot create {folder}: {exc}", "environment"
            ) from exc
    from oauthapp.metrics import recording

    recording.init_app(app)


def enabled() -> bool:
    """Whether the current application records metrics."""
    return has_app_context() and EXTENSION in current_app.extensions


def delivery_failed(status: str) -> None:
    """Count a failed mail delivery that leaves the message STATUS (queued or failed)."""
    if enabled():
        from oauthapp.metrics import recording

        recording.record_delivery_failure(status)
