"""Applications, and tokens issued to them through the real token endpoint."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask
from werkzeug.test import TestResponse

from oauthapp import get_settings
from oauthapp.accounts.service import get_organization
from oauthapp.models import Grant, Kind
from tests.factories import PASSWORD, make_application, make_customer, make_org, make_user
from tests.token.helpers import (
    assert_error,
    basic,
    bearer,
    client_credentials,
    password_grant,
    refresh_grant,
)

ME = {Kind.BACKOFFICE: "/api/me", Kind.STOREFRONT: "/api/frontend/me"}
REVOKE_URL = "/oauth2/revoke"
INTROSPECT_URL = "/oauth2/introspect"


@dataclass(frozen=True)
class Client:
    """An application made for a test, kept as plain values usable outside an app context."""

    app: Flask
    client_id: str
    secret: str
    application_id: int
    kind: Kind
    grant: Grant
    organization: str
    organization_id: int
    account_id: int  # the owner, or the user who logs in through a password application
    login: str  # that account's username (back-office) or email (storefront)

    def tokens(self) -> dict[str, Any]:
        """A new token response (200 expected) for the application's own grant."""
        client = self.app.test_client()
        if self.grant == Grant.PASSWORD:
            response = password_grant(client, self.client_id, self.secret, self.login, PASSWORD)
        else:
            response = client_credentials(client, self.client_id, self.secret)
        assert response.status_code == 200, response.get_data(as_text=True)
        body: dict[str, Any] = response.get_json()
        return body

    def access_token(self) -> str:
        token: str = self.tokens()["access_token"]
        return token

    def refresh(self, refresh_token: str) -> TestResponse:
        return refresh_grant(self.app.test_client(), self.client_id, self.secret, refresh_token)

    def me(self, token: str, kind: Kind | None = None) -> TestResponse:
        """GET the "me" endpoint of this application's API (or of the other one)."""
        return self.app.test_client().get(ME[kind or self.kind], headers=bearer(token))

    def post(
        self, url: str, data: dict[str, str], method: str = "basic", secret: str | None = None
    ) -> TestResponse:
        """POST to the revocation or introspection endpoint, authenticated as this client."""
        secret = self.secret if secret is None else secret
        if method == "basic":
            return self.app.test_client().post(
                url, data=data, headers=basic(self.client_id, secret)
            )
        credentials = {"client_id": self.client_id, "client_secret": secret}
        return self.app.test_client().post(url, data={**data, **credentials})

    def revoke(self, token: str, method: str = "basic", **extra: str) -> TestResponse:
        return self.post(REVOKE_URL, {"token": token, **extra}, method)

    def introspect(self, token: str, method: str = "basic", **extra: str) -> TestResponse:
        return self.post(INTROSPECT_URL, {"token": token, **extra}, method)


def register(
    app: Flask,
    kind: Kind = Kind.BACKOFFICE,
    grant: Grant = Grant.CLIENT_CREDENTIALS,
    org: str | None = None,
) -> Client:
    """A new active application (in a new organization unless one is named) and its account."""
    with app.app_context():
        organization = get_organization(org) if org else make_org()
        application, secret = make_application(organization, grant=grant, kind=kind)
        account: Any = application.owner
        if grant == Grant.PASSWORD:
            storefront = kind == Kind.STOREFRONT
            account = (
                make_customer(org=organization) if storefront else make_user(orgs=[organization])
            )
        login = account.username if kind == Kind.BACKOFFICE else account.email
        return Client(
            app,
            application.client_id,
            secret,
            application.id,
            kind,
            grant,
            organization.name,
            organization.id,
            account.id,
            login,
        )


def issuer(app: Flask) -> str:
    with app.app_context():
        return get_settings().oauth2_server.issuer


def assert_invalid_token(response: TestResponse) -> dict[str, Any]:
    """401 invalid_token with a Bearer challenge naming the error (RFC 6750 §3)."""
    body = assert_error(response, 401, "invalid_token")
    challenge = response.headers.get("WWW-Authenticate", "")
    assert challenge.startswith("Bearer"), challenge
    assert 'error="invalid_token"' in challenge, challenge
    return body


def assert_ok_json(response: TestResponse) -> dict[str, Any]:
    """200, a JSON body and Cache-Control: no-store; returns the body."""
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    assert response.headers.get("Cache-Control") == "no-store"
    body: dict[str, Any] = response.get_json()
    return body
