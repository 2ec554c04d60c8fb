"""Logs: `logging.format` (text or json) for every logger, and a request id on every request.

Every response carries `X-Request-ID`; every record logged while serving it names it, with the
client id once known (the token endpoint's client, the bearer token's client on the APIs).
Under gunicorn, oauthapp.logs.gunicorn_logger writes its error and access logs the same way.
"""

from __future__ import annotations

import logging
import sys

from flask import Flask, Response
from flask.logging import default_handler

from oauthapp.logs import devserver
from oauthapp.logs.context import HEADER, TRUSTED, RequestFields, note_client, request_id
from oauthapp.logs.formats import formatter
from oauthapp.settings import LoggingSettings
from oauthapp.token import outcomes

__all__ = ["configure", "init_app", "note_client", "request_id"]

HANDLER = "oauthapp"  # the name of the root handler this module installs


def init_app(app: Flask, settings: LoggingSettings) -> None:
    """Log in the configured format, and give every request an id that its response names."""
    configure(settings.format)
    app.extensions[TRUSTED] = settings.trusted_proxies
    app.before_request(_assign_id)
    app.after_request(_name_request)
    outcomes.listen(_note_token_client)


def configure(log_format: str) -> None:
    """One handler on the root logger, to stderr in LOG_FORMAT; the app's loggers at INFO."""
    root = logging.getLogger()
    handler = next((h for h in root.handlers if h.get_name() == HANDLER), None)
    if handler is None:
        handler = logging.StreamHandler(_Stderr())
        handler.set_name(HANDLER)
        handler.addFilter(RequestFields())
        root.addHandler(handler)
    handler.setFormatter(formatter(log_format))
    devserver.install()
    app_logger = logging.getLogger("oauthapp")
    app_logger.removeHandler(default_handler)  # records reach the root handler instead
    if app_logger.level == logging.NOTSET:
        app_logger.setLevel(logging.INFO)


def _assign_id() -> None:
    request_id()


def _name_request(response: Response) -> Response:
    response.headers[HEADER] = known = request_id()
    devserver.answered(known)
    return response


def _note_token_client(outcome: outcomes.TokenOutcome) -> None:
    if outcome.application is not None:
        note_client(outcome.application.client_id)


class _Stderr:
    """sys.stderr as it is at each write: test runners and tools replace it."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()
