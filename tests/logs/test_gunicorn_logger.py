"""gunicorn's access and error lines in both formats, from gunicorn.conf.py's settings.

The logger is gunicorn's own configuration of it; the response is what gunicorn hands its
logger (status, headers, bytes sent). tests/e2e/test_request_logs.py runs a real server."""

from __future__ import annotations

import json
import logging
import runpy
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from gunicorn.config import Config

from oauthapp.logs.context import CLIENT_ID, REQUEST_ID
from oauthapp.settings import ROOT

TOKEN = "eyJ.secret-token.sig"
ENVIRON = {
    "REQUEST_METHOD": "GET",
    "PATH_INFO": "/api/me",
    "QUERY_STRING": f"access_token={TOKEN}",
    "RAW_URI": f"/api/me?access_token={TOKEN}",
    "SERVER_PROTOCOL": "HTTP/1.1",
    "REMOTE_ADDR": "192.0.2.7",
    "HTTP_AUTHORIZATION": f"Bearer {TOKEN}",
    REQUEST_ID: "req-1",
    CLIENT_ID: "client-1",
}
RESPONSE = SimpleNamespace(status="200 OK", headers=[("X-Request-ID", "req-1")], sent=42)
REQUEST = SimpleNamespace(headers=[("AUTHORIZATION", f"Bearer {TOKEN}")])


@pytest.fixture
def logger_for(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Build gunicorn's logger as gunicorn.conf.py configures it, for a logging.format."""
    built: list[Any] = []

    def build(log_format: str) -> Any:
        config = tmp_path / "config.yml"
        config.write_text(f"logging:\n  format: {log_format}\n")
        monkeypatch.setenv("OAUTHAPP_CONFIG", str(config))
        settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
        cfg = Config()
        for name in ("logger_class", "access_log_format", "loglevel"):
            cfg.set(name, settings[name])
        cfg.set("accesslog", str(tmp_path / "access.log"))
        cfg.set("errorlog", str(tmp_path / "error.log"))
        logger = cfg.logger_class(cfg)
        built.append(logger)
        return logger

    yield build
    for logger in built:
        for log in (logger.error_log, logger.access_log):
            for handler in list(log.handlers):
                log.removeHandler(handler)
                handler.close()


def written(tmp_path: Path, name: str) -> list[str]:
    return (tmp_path / name).read_text().splitlines()


def test_the_text_access_line_names_the_ids_and_no_query_string(
    logger_for: Any, tmp_path: Path
) -> None:
    logger = logger_for("text")
    logger.access(RESPONSE, REQUEST, ENVIRON, timedelta(milliseconds=12))
    assert written(tmp_path, "access.log") == [
        '192.0.2.7 "GET /api/me HTTP/1.1" 200 42 12ms request_id=req-1 client_id=client-1'
    ]


def test_the_json_access_line_holds_the_request_fields(logger_for: Any, tmp_path: Path) -> None:
    logger = logger_for("json")
    logger.access(RESPONSE, REQUEST, ENVIRON, timedelta(milliseconds=12, microseconds=500))
    [line] = written(tmp_path, "access.log")
    entry = json.loads(line)
    assert entry.pop("timestamp").endswith("Z")
    assert entry == {
        "level": "INFO", "logger": "gunicorn.access", "message": "GET /api/me 200",
        "request_id": "req-1", "method": "GET", "path": "/api/me", "status": 200,
        "duration_ms": 12.5, "bytes": 42, "client_id": "client-1", "remote_addr": "192.0.2.7",
    }  # fmt: skip
    assert TOKEN not in line


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_health_probes_and_scrapes_are_not_logged_at_info(
    logger_for: Any, tmp_path: Path, log_format: str
) -> None:
    logger = logger_for(log_format)
    for path in ("/health/live", "/health/ready", "/metrics"):
        logger.access(RESPONSE, REQUEST, {**ENVIRON, "PATH_INFO": path}, timedelta(0))
    assert written(tmp_path, "access.log") == []


def test_the_error_log_follows_the_format(logger_for: Any, tmp_path: Path) -> None:
    logger_for("json").info("Booting worker with pid: %s", 7)
    [entry] = [json.loads(line) for line in written(tmp_path, "error.log")]
    assert (entry["logger"], entry["message"]) == ("gunicorn.error", "Booting worker with pid: 7")


def test_an_invalid_configuration_leaves_text_for_the_workers_to_refuse(
    logger_for: Any, tmp_path: Path
) -> None:
    logger = logger_for("yaml")
    assert logger.log_format == "text"
    logging.getLogger("gunicorn.error").info("still logging")
    assert written(tmp_path, "error.log")[-1].endswith("INFO gunicorn.error: still logging")
