"""Log lines in both formats: each record of a request names its id, whichever logger wrote it."""

from __future__ import annotations

import logging
import re
import socket
from datetime import UTC, datetime

import pytest
from flask import Flask, current_app

from oauthapp.extensions import db
from oauthapp.logs.formats import JsonFormatter, TextFormatter
from oauthapp.settings import SettingsError
from tests.conftest import AppFactory
from tests.factories import make_application
from tests.logs.conftest import Written
from tests.token.helpers import client_credentials

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def speaking_app(make_app: AppFactory, log_format: str) -> Flask:
    """An app with one more page, whose request logs through the app's logger and a library's."""
    app = make_app(logging={"format": log_format})

    def speak() -> str:
        current_app.logger.warning("the app says %s", "hello")
        logging.getLogger("authlib.example").warning("a library says\nhello on two lines")
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            current_app.logger.exception("it failed")
        return "spoken"

    app.add_url_rule("/speak", view_func=speak)
    return app


def test_json_lines_name_the_request_from_every_logger(
    make_app: AppFactory, written: Written
) -> None:
    app = speaking_app(make_app, "json")
    response = app.test_client().get("/speak?code=private-value")
    request_id = response.headers["X-Request-ID"]
    entries = written.entries()
    assert [entry["logger"] for entry in entries] == ["oauthapp", "authlib.example", "oauthapp"]
    for entry in entries:
        assert entry["request_id"] == request_id
        assert (entry["method"], entry["path"]) == ("GET", "/speak")
        assert "client_id" not in entry  # none known here
        assert TIMESTAMP.match(entry["timestamp"])
        moment = datetime.fromisoformat(entry["timestamp"])
        assert moment.tzinfo == UTC and abs(datetime.now(UTC) - moment).total_seconds() < 60
    assert entries[0]["message"] == "the app says hello"
    assert entries[0]["level"] == "WARNING"
    assert entries[1]["message"] == "a library says\nhello on two lines"
    assert entries[2]["level"] == "ERROR" and "RuntimeError: boom" in entries[2]["exception"]
    assert "private-value" not in "\n".join(written.lines())  # no query string


def test_text_lines_name_the_request_too(make_app: AppFactory, written: Written) -> None:
    app = speaking_app(make_app, "text")
    request_id = app.test_client().get("/speak").headers["X-Request-ID"]
    lines = written.lines()
    first = lines[0]
    assert TIMESTAMP.match(first.split(" ", 1)[0])
    assert " WARNING oauthapp: the app says hello " in first
    assert first.endswith(f"request_id={request_id} method=GET path=/speak")
    assert any(line.startswith("RuntimeError: boom") for line in lines)
    assert sum(f"request_id={request_id}" in line for line in lines) == 3


def test_a_record_outside_any_request_has_no_request_fields(
    make_app: AppFactory, written: Written
) -> None:
    make_app(logging={"format": "json"})
    logging.getLogger("oauthapp.example").warning("at start-up")
    [entry] = written.entries()
    assert set(entry) == {"timestamp", "level", "logger", "message"}


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_the_token_endpoints_warning_names_its_request(
    make_app: AppFactory, written: Written
) -> None:
    """A real warning: the rate-limit storage is down while a client asks for a token."""
    down = f"redis://127.0.0.1:{closed_port()}/0"
    app = make_app(logging={"format": "json"}, rate_limit={"storage_url": down})
    with app.app_context():
        application, secret = make_application()
        client_id = application.client_id
        db.session.commit()
    response = client_credentials(app.test_client(), client_id, secret)
    assert response.status_code == 200
    warnings = [e for e in written.entries() if "Rate-limit storage unavailable" in e["message"]]
    assert warnings
    assert {e["request_id"] for e in warnings} == {response.headers["X-Request-ID"]}
    assert secret not in "\n".join(written.lines())


def test_a_json_line_is_one_line_of_ascii_and_holds_only_known_fields() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "a\nb\u2028c %s", ("é",), None)
    record.password = "hunter2"  # what a library's `extra` might carry is never written
    record.request_id = "abc"
    line = JsonFormatter().format(record)
    assert line.isascii() and len(line.splitlines()) == 1
    assert "hunter2" not in line and '"request_id": "abc"' in line
    assert TextFormatter().format(record).count("hunter2") == 0


@pytest.mark.parametrize("value", ["xml", "JSON", "", 1])
def test_an_unknown_format_stops_start_up_naming_the_key(
    make_app: AppFactory, value: object
) -> None:
    with pytest.raises(SettingsError) as refused:
        make_app(logging={"format": value})
    assert refused.value.key == "logging.format"
    assert "must be one of text | json" in str(refused.value)
