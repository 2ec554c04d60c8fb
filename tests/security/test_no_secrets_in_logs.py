"""No log record, at any level and from any logger, carries a secret: client secrets, passwords,
access and refresh tokens, or Authorization header values."""

from __future__ import annotations

import html
import io
import json
import logging
import re
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from oauthapp.extensions import db
from oauthapp.models import Kind, OAuthApplication, Organization
from tests.accounts.helpers import csrf_token, log_in
from tests.authorize.helpers import CodeApp, exchange, obtain_code, pkce_pair
from tests.conftest import AppFactory
from tests.factories import PASSWORD, make_code_application, make_org, make_user
from tests.token.helpers import basic, bearer, post_token

# Loggers the flow goes through; with every logger already known, each is set to DEBUG.
LOGGERS = ("", "werkzeug", "flask", "sqlalchemy", "sqlalchemy.engine", "sqlalchemy.pool",
           "authlib", "oauthapp", "limits", "alembic")  # fmt: skip
WRONG_PASSWORD = "wrong horse battery staple"
WRONG_SECRET = "not-the-secret-0123456789abcdef"
_CODE = r'<code id="{}"[^>]*>([^<]+)</code>'


class Collector(logging.Handler):
    """Keeps every record with everything a formatter or a structured handler could write,
    and what the handlers already in place (stderr, files) write while it listens."""

    def __init__(self) -> None:
        super().__init__(logging.NOTSET)
        self.records: list[tuple[str, str]] = []  # (logger name, everything about the record)
        self.streams: dict[str, io.StringIO] = {}  # existing handler -> what it wrote
        self.formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")

    def emit(self, record: logging.LogRecord) -> None:
        texts = [self.format(record), repr(record.msg), repr(record.args), repr(vars(record))]
        self.records.append((record.name, "\n".join(texts)))

    def texts(self) -> list[tuple[str, str]]:
        written = [(f"handler {name}", stream.getvalue()) for name, stream in self.streams.items()]
        return [*self.records, *written]


@pytest.fixture(params=["text", "json"])
def mailing_app(make_app: AppFactory, request: pytest.FixtureRequest) -> Flask:
    """An app whose mail server is down: each back-office change tries to mail and fails, so
    the mail loggers speak too. Its logs in each `logging.format`."""
    mail = {"server": "127.0.0.1", "port": closed_port(), "send_after_commit": True, "timeout": 1}
    app = make_app(mail=mail, logging={"format": request.param})
    assert app.logger.name == "oauthapp"  # the app's logger and its handlers exist from here
    return app


@pytest.fixture
def collector(mailing_app: Flask) -> Iterator[Collector]:
    """Every logger at DEBUG, every record collected whether it propagates or not, and every
    stream handler (stderr included) writing to a buffer instead.

    Set up after the app, whose database migrations configure logging their own way."""
    collector = Collector()
    names = set(LOGGERS) | set(logging.root.manager.loggerDict)
    loggers = [logging.getLogger(name) for name in names]
    saved = [(logger, logger.level, logger.disabled) for logger in loggers]
    handlers = {
        handler
        for logger in loggers
        for handler in logger.handlers
        if isinstance(handler, logging.StreamHandler)
    }
    streams = {handler: handler.stream for handler in handlers}
    for handler in handlers:
        handler.setStream(collector.streams.setdefault(repr(handler), io.StringIO()))
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
        logger.disabled = False
        if logger is logging.root or not logger.propagate:
            logger.addHandler(collector)
    yield collector
    for handler, stream in streams.items():
        handler.setStream(stream)
    for logger, level, disabled in saved:
        logger.setLevel(level)
        logger.disabled = disabled
        logger.removeHandler(collector)


def shown(page: str, element_id: str) -> str:
    match = re.search(_CODE.format(element_id), page)
    assert match, f"no {element_id} on the page"
    return html.unescape(match.group(1)).strip()


def form_tokens(client: FlaskClient, path: str) -> dict[str, str]:
    """The CSRF token and the one-time form token of the form at PATH."""
    page = client.get(path).get_data(as_text=True)
    found = {
        name: re.search(rf'name="{name}"[^>]*value="([^"]+)"', page)
        for name in ("csrf_token", "form_token")
    }
    assert all(found.values()), f"no tokens on {path}"
    return {name: html.unescape(match.group(1)) for name, match in found.items() if match}


class Flow:
    """A back-office session and OAuth clients, remembering every secret they handle."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.browser = app.test_client()
        self.api = app.test_client()
        self.secrets: dict[str, str] = {"user password": PASSWORD, "wrong password": WRONG_PASSWORD}
        self.public_id = ""  # a client id: not secret, and logged with the SQL that finds it

    def keep(self, kind: str, value: str) -> str:
        assert value, f"no {kind}"
        self.secrets[f"{kind} #{len(self.secrets)}"] = value
        return value

    def create(self, form: dict[str, str]) -> tuple[str, str]:
        """Create an application in the back-office; its client id and one-time secret."""
        tokens = form_tokens(self.browser, "/admin/oauth2/create")
        response = self.browser.post("/admin/oauth2/create", data={**form, **tokens})
        assert response.status_code == 303, response.get_data(as_text=True)
        page = self.browser.get(response.headers["Location"]).get_data(as_text=True)
        assert "client-secret" in page, page
        if "access-token" in page:
            self.keep("temporary access token", shown(page, "access-token"))
        return shown(page, "client-id"), self.keep("client secret", shown(page, "client-secret"))

    def regenerate(self, client_id: str) -> str:
        with self.app.app_context():
            app_id = db.session.scalar(
                db.select(OAuthApplication.id).filter_by(client_id=client_id)
            )
        path = f"/admin/oauth2/{app_id}/regenerate-secret"
        response = self.browser.post(path, data=form_tokens(self.browser, path))
        assert response.status_code == 303, response.get_data(as_text=True)
        page = self.browser.get(response.headers["Location"]).get_data(as_text=True)
        return self.keep("client secret", shown(page, "client-secret"))

    def basic(self, client_id: str, secret: str) -> dict[str, str]:
        header = basic(client_id, secret)
        self.keep("Authorization header", header["Authorization"])
        return header

    def bearer(self, token: str) -> dict[str, str]:
        header = bearer(token)
        self.keep("Authorization header", header["Authorization"])
        return header

    def tokens(self, data: dict[str, str], headers: dict[str, str] | None = None) -> dict[str, Any]:
        response = post_token(self.api, data, headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        body: dict[str, Any] = response.get_json()
        self.keep("access token", body["access_token"])
        if "refresh_token" in body:
            self.keep("refresh token", body["refresh_token"])
        return body


def run_flow(app: Flask, owner: int) -> Flow:
    """Everything a secret passes through: log-in, the back-office's one-time secret pages, the
    three grants, revocation, introspection, the API, refused secrets and passwords, log-out."""
    flow = Flow(app)
    assert log_in(flow.browser, "alice", WRONG_PASSWORD).status_code == 200
    assert log_in(flow.browser, "alice").status_code == 302
    with app.app_context():
        organization = str(db.session.scalar(db.select(Organization.id)))
    new = {"organization": organization, "active": "y"}
    cc_id, _ = flow.create(
        {**new, "name": "Logged CC", "grant": "client_credentials", "owner": str(owner)}
    )
    flow.public_id = cc_id
    cc_secret = flow.regenerate(cc_id)
    pw_id, pw_secret = flow.create({**new, "name": "Logged Password", "grant": "password"})
    run_token_flow(flow, cc_id, cc_secret, pw_id, pw_secret)
    run_code_flow(flow)
    token = csrf_token(flow.browser, "/logout")
    assert flow.browser.post("/logout", data={"csrf_token": token}).status_code == 302
    return flow


def run_token_flow(flow: Flow, cc_id: str, cc_secret: str, pw_id: str, pw_secret: str) -> None:
    client_credentials = {"grant_type": "client_credentials"}
    wrong = post_token(flow.api, client_credentials, headers=flow.basic(cc_id, WRONG_SECRET))
    assert wrong.status_code == 401
    cc = flow.tokens(client_credentials, flow.basic(cc_id, cc_secret))
    assert flow.api.get("/api/me", headers=flow.bearer(cc["access_token"])).status_code == 200
    forged = flow.bearer(cc["access_token"][:-4] + "AAAA")
    assert flow.api.get("/api/me", headers=forged).status_code == 401
    in_query = flow.api.get("/api/me", query_string={"access_token": cc["access_token"]})
    assert in_query.status_code == 401

    by_post = {"client_id": pw_id, "client_secret": pw_secret}
    login = {"grant_type": "password", "username": "alice", **by_post}
    assert post_token(flow.api, {**login, "password": WRONG_PASSWORD}).status_code == 400
    first = flow.tokens({**login, "password": PASSWORD})
    assert flow.api.get("/api/me", headers=flow.bearer(first["access_token"])).status_code == 200
    refresh = {"grant_type": "refresh_token", **by_post}
    second = flow.tokens({**refresh, "refresh_token": first["refresh_token"]})

    by_basic = flow.basic(pw_id, pw_secret)
    assert introspect(flow, second["access_token"], by_basic) is True
    for token in (second["refresh_token"], second["access_token"]):
        revoked = flow.api.post("/oauth2/revoke", data={"token": token}, headers=by_basic)
        assert revoked.status_code == 200
    assert introspect(flow, second["access_token"], by_basic) is False
    assert flow.api.get("/api/me", headers=flow.bearer(second["access_token"])).status_code == 401


def run_code_flow(flow: Flow) -> None:
    """The authorization code grant with OpenID Connect: consent, the code, its exchange (with
    an ID token), userinfo, the code's reuse."""
    with flow.app.app_context():
        acme = db.session.scalar(db.select(Organization).filter_by(name="Acme"))
        application, secret = make_code_application(acme)
        code_app = CodeApp(application.id, application.client_id, secret, Kind.BACKOFFICE,
                           application.organization_id, application.name)  # fmt: skip
    assert secret is not None
    flow.keep("client secret", secret)
    verifier, challenge = pkce_pair()
    flow.keep("code verifier", verifier)
    code = flow.keep("authorization code", obtain_code(
        flow.browser, code_app, code_challenge=challenge, code_challenge_method="S256",
        scope="openid profile email",
    ))  # fmt: skip
    response = exchange(flow.api, code_app, code, verifier)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    flow.keep("access token", body["access_token"])
    flow.keep("refresh token", body["refresh_token"])
    assert body["id_token"]
    userinfo = flow.api.get("/oauth2/userinfo", headers=flow.bearer(body["access_token"]))
    assert userinfo.status_code == 200, userinfo.get_data(as_text=True)
    assert exchange(flow.api, code_app, code, verifier).status_code == 400  # reused: revoked


def introspect(flow: Flow, token: str, headers: dict[str, str]) -> bool:
    response = flow.api.post("/oauth2/introspect", data={"token": token}, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    active: bool = response.get_json()["active"]
    return active


def closed_port() -> int:
    """A local port nobody listens on: the mail server is down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def written_in_format(app: Flask, text: str) -> bool:
    """Whether TEXT, a handler's output, holds lines of a request in the app's logging.format."""
    lines = [line for line in text.splitlines() if "request_id" in line]
    if app.extensions["oauthapp.settings"].logging.format == "text":
        return any(" request_id=" in line for line in lines)
    return any(json.loads(line).get("request_id") for line in lines if line.startswith("{"))


def test_no_secret_reaches_any_log(
    mailing_app: Flask, collector: Collector, capfd: pytest.CaptureFixture[str]
) -> None:
    app = mailing_app
    with app.app_context():
        alice = make_user("alice", orgs=[make_org("Acme")]).id

    flow = run_flow(app, alice)

    output = capfd.readouterr()
    logs = [*collector.texts(), ("stdout", output.out), ("stderr", output.err)]
    names = {name for name, _ in collector.records}
    assert {"sqlalchemy.engine.Engine", "oauthapp.notifications.outbox"} <= names
    assert any(flow.public_id in text for _, text in logs)  # what is logged is seen here
    assert any(written_in_format(app, out.getvalue()) for out in collector.streams.values())
    leaks = [
        f"{kind} in {name}"
        for kind, value in flow.secrets.items()
        for name, text in logs
        if value in text
    ]
    assert not leaks, "\n".join(leaks)
