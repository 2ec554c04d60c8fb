"""Driving the authorization code flow through the test client."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from oauthapp.extensions import db
from oauthapp.models import Kind, Organization
from tests.accounts.helpers import log_in
from tests.factories import PASSWORD, make_code_application, make_customer, make_org, make_user
from tests.token.helpers import post_token

AUTHORIZE = "/oauth2-token/authorize"
REDIRECT = "https://app.example/cb"
ISSUER = "http://localhost:5000"
CUSTOMER_LOGIN = "/customer/user/login"


@dataclass(frozen=True)
class CodeApp:
    """An authorization-code application made for a test, as plain values."""

    id: int
    client_id: str
    secret: str | None
    kind: Kind
    organization_id: int
    name: str


def new_code_app(app: Flask, org_id: int | None = None, **options: Any) -> CodeApp:
    with app.app_context():
        org = db.session.get(Organization, org_id) if org_id else make_org()
        application, secret = make_code_application(org, **options)
        return CodeApp(
            application.id,
            application.client_id,
            secret,
            Kind(application.kind),
            application.organization_id,
            application.name,
        )


def pkce_pair() -> tuple[str, str]:
    """A code verifier and its S256 challenge."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorize_url(client_id: str | None, **params: Any) -> str:
    """The authorize URL with response_type=code, a state and REDIRECT unless overridden;
    a value of None leaves that parameter out."""
    query = {"response_type": "code", "client_id": client_id, "redirect_uri": REDIRECT}
    query |= {"state": "xyz", **params}
    return AUTHORIZE + "?" + urlencode({k: v for k, v in query.items() if v is not None})


def redirected(response: TestResponse, to: str = REDIRECT) -> dict[str, str]:
    """The response redirects to the client's URL TO; its query parameters (each once)."""
    assert response.status_code == 302, response.get_data(as_text=True)
    location = response.headers["Location"]
    parts = urlsplit(location)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == to or location.startswith(to + "?")
    query = parse_qs(parts.query, keep_blank_values=True)
    assert all(len(values) == 1 for values in query.values()), query
    return {name: values[0] for name, values in query.items()}


def assert_redirected_error(
    response: TestResponse, error: str, state: str | None = "xyz", to: str = REDIRECT
) -> dict[str, str]:
    """An error sent back to the client: error, a description, the state and our issuer."""
    params = redirected(response, to)
    assert params["error"] == error, params
    assert params["error_description"]
    assert params.get("state") == state
    assert params["iss"] == ISSUER
    assert "code" not in params
    assert response.headers["Cache-Control"] == "no-store"
    return params


def assert_error_page(response: TestResponse) -> str:
    """A 400 page on this server, never a redirect."""
    assert response.status_code == 400, response.get_data(as_text=True)
    assert "Location" not in response.headers
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


def user_client(app: Flask, org_id: int) -> tuple[FlaskClient, int]:
    """A browser with a back-office user of that organization logged in, and the user's id."""
    with app.app_context():
        org = db.session.get(Organization, org_id)
        assert org is not None
        user = make_user(orgs=[org])
        user_id, username = user.id, user.username
    client = app.test_client()
    assert log_in(client, username).status_code == 302
    return client, user_id


def new_customer(app: Flask, org_id: int) -> tuple[int, str]:
    with app.app_context():
        customer = make_customer(org=db.session.get(Organization, org_id))
        return customer.id, customer.email


def customer_log_in(
    client: FlaskClient, email: str, password: str = PASSWORD, next_url: str = ""
) -> TestResponse:
    page = client.get(CUSTOMER_LOGIN + ("?" + urlencode({"next": next_url}) if next_url else ""))
    token = form_token(page.get_data(as_text=True))
    form = {"csrf_token": token, "email": email, "password": password, "next": next_url}
    return client.post(CUSTOMER_LOGIN, data=form)


def customer_client(app: Flask, org_id: int) -> tuple[FlaskClient, int]:
    """A browser with a customer user of that organization signed in, and the customer's id."""
    customer_id, email = new_customer(app, org_id)
    client = app.test_client()
    assert customer_log_in(client, email).status_code == 302
    return client, customer_id


def browser_for(app: Flask, code_app: CodeApp) -> tuple[FlaskClient, int]:
    """A browser signed in with an account of the application's kind and organization."""
    if code_app.kind == Kind.STOREFRONT:
        return customer_client(app, code_app.organization_id)
    return user_client(app, code_app.organization_id)


def form_token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def decide(client: FlaskClient, url: str, decision: str = "grant") -> TestResponse:
    """Open the consent page at URL and press Grant (or Cancel)."""
    page = client.get(url)
    assert page.status_code == 200, page.headers.get("Location") or page.get_data(as_text=True)
    token = form_token(page.get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, "decision": decision})


def obtain_code(client: FlaskClient, code_app: CodeApp, **params: Any) -> str:
    """Run the authorize leg (granting consent if asked) and return the code."""
    url = authorize_url(code_app.client_id, **params)
    response = client.get(url)
    if response.status_code == 200:
        response = decide(client, url)
    result = redirected(response, params.get("redirect_uri") or REDIRECT)
    assert "code" in result, result
    return result["code"]


def exchange(
    client: FlaskClient,
    code_app: CodeApp,
    code: str,
    verifier: str | None = None,
    redirect_uri: str | None = REDIRECT,
    **extra: Any,
) -> TestResponse:
    """POST the code to the token endpoint as the application (body authentication)."""
    data: dict[str, Any] = {"grant_type": "authorization_code", "code": code}
    data["client_id"] = code_app.client_id
    if code_app.secret is not None:
        data["client_secret"] = code_app.secret
    if redirect_uri is not None:
        data["redirect_uri"] = redirect_uri
    if verifier is not None:
        data["code_verifier"] = verifier
    return post_token(client, {**data, **extra})


def quoted(name: str) -> str:
    """A name in the typographic quotes the pages use."""
    return f"\u2018{name}\u2019"
