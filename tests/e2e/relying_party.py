"""The other side of the authorization code flow: a relying party the tests run, and a browser app.

`RelyingParty` is a small web application on a loopback port (http.server in a thread), as the
server of a confidential client would be. The test has it build an authorize URL (Authlib's
client, PKCE S256) and sends the browser there; the site sends the browser back to its
/callback, where it exchanges the code at /oauth2-token, calls the API with the access token and
shows what the API answered. What reached the callback is kept for the test to inspect.

The browser app (tests/e2e/browser_app/) is a public client: static files served from another
port, so another origin than the site's, whose script does all of that in the page.
"""

from __future__ import annotations

import html
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session

from tests.e2e import world

BROWSER_APP = Path(__file__).with_name("browser_app")
CLIENTS = "clients.json"  # written into the seeded folder (tests/e2e/sites.py)
TIMEOUT = 10  # seconds, for each request the relying party makes


@dataclass(frozen=True)
class Client:
    """An authorization-code application of the seeded world, as its developer knows it."""

    app: world.App
    client_id: str
    client_secret: str | None  # None for a public client

    @property
    def api(self) -> str:
        return "/api/frontend/me" if self.app.storefront else "/api/me"


def load_clients(seeded: Path) -> dict[str, Client]:
    """The seeded authorization-code applications' credentials, by application name."""
    credentials = json.loads((seeded / CLIENTS).read_text())
    return {app.name: Client(app, *credentials[app.name]) for app in world.CODE_APPS}


@dataclass
class Outcome:
    """What came back to the callback; after a code, the token response and the API's answer."""

    query: dict[str, str]
    token: dict[str, Any] | None = None
    me: dict[str, Any] | None = None
    problem: str = ""  # why the exchange or the API call failed


@dataclass
class _Flow:
    site: str
    client: Client
    code_verifier: str


@dataclass
class RelyingParty:
    base: str
    flows: dict[str, _Flow] = field(default_factory=dict)
    outcomes: dict[str, Outcome] = field(default_factory=dict)

    @property
    def callback(self) -> str:
        return world.RELYING_PARTY_CALLBACK.format(relying_party=self.base)

    def authorization_url(self, site: str, client: Client, **params: str) -> tuple[str, str]:
        """The SITE's authorize URL for CLIENT (PARAMS added, e.g. prompt), and its state."""
        verifier = generate_token(48)
        url, state = self._session(client).create_authorization_url(
            f"{site}/oauth2-token/authorize", code_verifier=verifier, **params
        )
        self.flows[state] = _Flow(site, client, verifier)
        return url, state

    def outcome(self, state: str) -> Outcome:
        """What the callback received for the flow started with STATE (it must have come)."""
        assert state in self.outcomes, f"nothing came back to {self.callback} for that state"
        return self.outcomes[state]

    def receive(self, query: dict[str, str]) -> tuple[int, str]:
        """Handle a request to the callback: the status and the page to answer with."""
        flow = self.flows.get(query.get("state", ""))
        if flow is None:
            return 400, _page("Unknown state", "")
        outcome = self.outcomes[query["state"]] = Outcome(query)
        if "error" in query:
            return 200, _page(f"Not signed in: {query['error']}", query.get("error_description"))
        try:
            session = self._session(flow.client)
            outcome.token = dict(
                session.fetch_token(
                    f"{flow.site}/oauth2-token",
                    code=query.get("code", ""),
                    code_verifier=flow.code_verifier,
                    timeout=TIMEOUT,
                )
            )
            response = session.get(f"{flow.site}{flow.client.api}", timeout=TIMEOUT)
            response.raise_for_status()
            outcome.me = response.json()
        except Exception as error:  # shown on the page and kept for the test's message
            outcome.problem = f"{type(error).__name__}: {error}"
            return 502, _page("The code exchange failed", outcome.problem)
        return 200, _page(f"Signed in to {flow.client.app.name}", json.dumps(outcome.me))

    def _session(self, client: Client) -> OAuth2Session:
        return OAuth2Session(
            client.client_id,
            client.client_secret,
            redirect_uri=self.callback,
            code_challenge_method="S256",
            token_endpoint_auth_method="client_secret_basic" if client.client_secret else "none",
        )


def _page(heading: str, detail: str | None) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Relying party</title>'
        f"</head><body><main><h1>{html.escape(heading)}</h1>"
        f"<pre>{html.escape(detail or '')}</pre></main></body></html>"
    )


class _CallbackHandler(BaseHTTPRequestHandler):
    server: _PartyServer

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path != urlsplit(self.server.party.callback).path:
            status, body = 404, _page("Not found", "")
        else:
            status, body = self.server.party.receive(dict(parse_qsl(parts.query)))
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the URLs carry codes."""


class _QuietFiles(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the URLs carry codes."""


class _PartyServer(ThreadingHTTPServer):
    party: RelyingParty


@contextmanager
def _serving(server: ThreadingHTTPServer) -> Iterator[str]:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@contextmanager
def run_relying_party() -> Iterator[RelyingParty]:
    """The relying party, listening on a free loopback port until the block ends."""
    server = _PartyServer(("127.0.0.1", 0), _CallbackHandler)
    with _serving(server) as base:
        server.party = RelyingParty(base)
        yield server.party


@contextmanager
def run_browser_app() -> Iterator[str]:
    """Serve tests/e2e/browser_app/ on a free loopback port until the block ends; its origin."""
    handler = partial(_QuietFiles, directory=str(BROWSER_APP))
    with _serving(ThreadingHTTPServer(("127.0.0.1", 0), handler)) as base:
        yield base


def browser_app_url(origin: str, site: str, client: Client, **params: str) -> str:
    """The browser app's start page, told the site's address, its Client ID and PARAMS."""
    query = urlencode({"issuer": site, "client_id": client.client_id, **params})
    return f"{world.BROWSER_APP_CALLBACK.format(browser_app=origin)}?{query}"
