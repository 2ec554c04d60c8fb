"""Authorize requests: their parameters, and the URLs that lead back to them after a login."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import parse_qs, urlsplit

from authlib.oauth2.rfc6749.requests import OAuth2Payload
from flask import Request

from oauthapp.accounts.redirects import safe_next
from oauthapp.models import Grant, OAuthApplication
from oauthapp.token.principals import load_application
from oauthapp.token.server import TokenRequest

AUTHORIZE_PATH = "/oauth2-token/authorize"


class QueryPayload(OAuth2Payload):
    """The query string's parameters: the first value of each, and every value."""

    def __init__(self, datalist: dict[str, list[str]]) -> None:
        self._datalist = datalist
        self._data = {name: values[0] for name, values in datalist.items()}

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> dict[str, list[str]]:
        return self._datalist


class AuthorizeRequest(TokenRequest):
    """An authorize request (GET, or the consent form's POST to the same URL)."""

    def __init__(self, request: Request) -> None:
        super().__init__(request, {})
        self.payload = QueryPayload({name: request.args.getlist(name) for name in request.args})
        self.auth_time: datetime | None = None
        self.redirect_uri_sent = False
        self.scopes: tuple[str, ...] = ()

    @property
    def args(self) -> dict[str, str]:
        data: dict[str, str] = self.payload.data
        return data


def authorize_target(target: str | None) -> str | None:
    """TARGET if it is this server's authorize URL (a local path), else None."""
    target = safe_next(target)
    if target is None or urlsplit(target).path != AUTHORIZE_PATH:
        return None
    return target


def client_id_of(target: str | None) -> str | None:
    """The client_id an authorize URL names, if TARGET is one."""
    target = authorize_target(target)
    if target is None:
        return None
    values = parse_qs(urlsplit(target).query).get("client_id", [])
    return values[0] if len(values) == 1 else None


def asking_application(target: str | None) -> OAuthApplication | None:
    """The authorization-code application whose authorize URL TARGET is, for the login page."""
    client_id = client_id_of(target)
    if not client_id or len(client_id) > 64 or "\x00" in client_id:
        return None
    application = load_application(client_id)
    if application is None or application.grant_type != Grant.AUTHORIZATION_CODE:
        return None
    return application if application.active else None
