"""Each request's id and client id, and the filter that writes them into its log records.

The id is the `X-Request-ID` a trusted proxy sent (`logging.trusted_proxies` names the peers
whose header is kept), or a new one. It is kept in the WSGI environ, where the server's access
log finds it after the response, and on `flask.g` for the application's code.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import uuid
from collections.abc import MutableMapping
from typing import Any

from flask import current_app, g, has_request_context, request

from oauthapp.settings import IPNetwork

HEADER = "X-Request-ID"
REQUEST_ID = "oauthapp.request_id"  # WSGI environ keys
CLIENT_ID = "oauthapp.client_id"
TRUSTED = "oauthapp.logs.trusted_proxies"  # app.extensions key
# RFC 9110 token characters: no space, quote, backslash or control character reaches a log.
_VALID_ID = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$")


def request_id() -> str:
    """This request's id, chosen on first use and kept for the whole request."""
    environ = request.environ
    known: str | None = environ.get(REQUEST_ID)
    if known is None:
        known = environ[REQUEST_ID] = _incoming(environ) or uuid.uuid4().hex
        g.request_id = known
    return known


def _incoming(environ: MutableMapping[str, Any]) -> str | None:
    """The X-Request-ID header, if the peer is a trusted proxy and the value is well formed."""
    value = environ.get("HTTP_X_REQUEST_ID")
    if not value or not _VALID_ID.match(value):
        return None
    return value if peer_trusted(environ, current_app.extensions[TRUSTED]) else None


def peer_trusted(environ: MutableMapping[str, Any], networks: tuple[IPNetwork, ...]) -> bool:
    """Whether the address that connected to this server is in NETWORKS.

    That is the peer's own address, as it was before oauthapp.security.headers' ProxyFix put
    the forwarded client address in its place."""
    original = environ.get("werkzeug.proxy_fix.orig") or {}
    peer = original.get("REMOTE_ADDR") or environ.get("REMOTE_ADDR") or ""
    try:
        address = ipaddress.ip_address(peer.split("%", 1)[0])
    except ValueError:  # a Unix socket has no address
        return False
    return any(address in network for network in networks)


def note_client(client_id: str) -> None:
    """Name the OAuth client this request acts for in its log lines (a client id is public)."""
    if has_request_context():
        request.environ[CLIENT_ID] = client_id


class RequestFields(logging.Filter):
    """Adds the request id, method, path (never the query string) and client id to every
    record logged while a request is served, whichever logger it comes from."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not has_request_context():
            return True
        try:
            fields = {
                "request_id": request_id(),
                "method": request.method,
                "path": request.path,
                "client_id": request.environ.get(CLIENT_ID),
            }
        except Exception:  # a log line must never fail the code that logs it
            return True
        for name, value in fields.items():
            record.__dict__.setdefault(name, value)
        return True
