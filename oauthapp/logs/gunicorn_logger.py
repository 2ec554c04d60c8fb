"""gunicorn's error and access logs in `logging.format` (gunicorn.conf.py names this class).

The access line names the request id and the client id the application found, and the path
without its query string. Health probes are logged at DEBUG only, below the access log's level.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from gunicorn.config import Config
from gunicorn.glogging import Logger as BaseLogger

from oauthapp.logs.context import CLIENT_ID, HEADER, REQUEST_ID, RequestFields
from oauthapp.logs.formats import JsonFormatter, formatter
from oauthapp.settings import SettingsError, load_settings

PROBES = ("/health/live", "/health/ready", "/metrics")  # polled, so logged only at DEBUG


def configured_format() -> str:
    """`logging.format` of config.yml; text when the configuration is invalid (the workers
    refuse to start and say why)."""
    try:
        return load_settings().logging.format
    except SettingsError:
        return "text"


class Logger(BaseLogger):
    """gunicorn's logger, writing the configured format."""

    log_format = "text"

    def setup(self, cfg: Config) -> None:
        super().setup(cfg)
        self.log_format = configured_format()
        for handler in self.error_log.handlers:
            handler.setFormatter(formatter(self.log_format))
            handler.addFilter(RequestFields())
        if self.log_format == "json":  # the text line is access_log_format's
            for handler in self.access_log.handlers:
                handler.setFormatter(JsonFormatter())

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: timedelta) -> None:
        path = environ.get("PATH_INFO") or ""
        level = logging.DEBUG if path in PROBES else logging.INFO
        if not (self.access_log.hasHandlers() and self.access_log.isEnabledFor(level)):
            return
        try:
            fields = access_fields(resp, environ, request_time)
            if self.log_format == "json":
                message = f"{fields['method']} {path} {fields['status']}"
            else:  # the atoms stay out of the record: they hold every request header
                atoms = self.atoms_wrapper_class(self.atoms(resp, req, environ, request_time))
                message = self.cfg.access_log_format % atoms
            self.access_log.log(level, message, extra=fields)
        except Exception:
            self.error(traceback.format_exc())


def access_fields(resp: Any, environ: Mapping[str, Any], request_time: timedelta) -> dict[str, Any]:
    """What the access line says about a request: never a header, query string or body."""
    status = str(resp.status).split(None, 1)[0]
    return {
        "request_id": environ.get(REQUEST_ID) or _header(resp, HEADER),
        "method": environ.get("REQUEST_METHOD"),
        "path": environ.get("PATH_INFO"),
        "status": int(status) if status.isdigit() else status,
        "duration_ms": round(request_time.total_seconds() * 1000, 3),
        "bytes": getattr(resp, "sent", None),
        "client_id": environ.get(CLIENT_ID),
        "remote_addr": environ.get("REMOTE_ADDR"),
    }


def _header(resp: Any, name: str) -> str | None:
    for key, value in getattr(resp, "headers", None) or ():
        if key.lower() == name.lower():
            return str(value)
    return None
