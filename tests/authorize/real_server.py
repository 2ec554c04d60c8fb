"""A real server process with authorization-code applications, and a requests.Session that
plays the browser: what the tests of real OAuth and OpenID Connect clients share.

The server is set up with the CLI on a fresh SQLite database (the applications are made with the
test factory, in this process, on the same database). A requests.Session plays the browser:
plain HTTP form posts for the login and the consent. The client knows only the server's URL,
its client id (and secret), and its redirect URL, as a real application would.
"""

from __future__ import annotations

import html
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session

from oauthapp import create_app
from oauthapp.extensions import db
from oauthapp.models import Kind, Organization
from tests.factories import make_code_application
from tests.server import flask_ok, free_port, serve, server_environ, site_config

PASSWORD = "correct horse battery"
REDIRECT = "http://127.0.0.1:8400/callback"  # a native app's loopback URL (RFC 8252)
TIMEOUT = 10


@dataclass(frozen=True)
class Client:
    client_id: str
    client_secret: str | None


@dataclass(frozen=True)
class Deployment:
    base: str
    backoffice: Client  # public: PKCE, no secret
    storefront: Client  # confidential, with PKCE as well
    racer: Client  # confidential back-office, Skip User Consent


def make_clients(config: Path) -> tuple[Client, Client, Client]:
    saved = os.environ.get("OAUTHAPP_CONFIG")
    os.environ["OAUTHAPP_CONFIG"] = str(config)
    try:
        app = create_app()
        with app.app_context():
            org = db.session.scalar(db.select(Organization).filter_by(name="Acme"))
            public, _ = make_code_application(org, redirect_uris=(REDIRECT,), confidential=False)
            store, secret = make_code_application(org, kind=Kind.STOREFRONT,
                                                  redirect_uris=(REDIRECT,))  # fmt: skip
            racer, racer_secret = make_code_application(org, redirect_uris=(REDIRECT,),
                                                        skip_consent=True)  # fmt: skip
            made = (
                Client(public.client_id, None),
                Client(store.client_id, secret),
                Client(racer.client_id, racer_secret),
            )
            db.engine.dispose()
            return made
    finally:
        if saved is None:
            os.environ.pop("OAUTHAPP_CONFIG", None)
        else:
            os.environ["OAUTHAPP_CONFIG"] = saved


@pytest.fixture(scope="module", name="deployment")
def deployment_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    folder = tmp_path_factory.mktemp("real-client")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = server_environ(site_config(folder, base))
    flask_ok(env, "db", "upgrade")
    flask_ok(env, "oauth", "generate-keys")
    flask_ok(env, "orgs", "create", "Acme")
    flask_ok(env, "users", "create", "olivia", "--email", "olivia@example.com",
             "--password", PASSWORD, "--org", "Acme")  # fmt: skip
    flask_ok(env, "customers", "create", "carol@example.com", "--password", PASSWORD,
             "--org", "Acme")  # fmt: skip
    backoffice, storefront, racer = make_clients(folder / "config.yml")
    with serve(env, folder / "server.log", port) as url:
        yield Deployment(url, backoffice, storefront, racer)


def form_of(page: requests.Response, path: str) -> tuple[str, str]:
    """The action and CSRF token of the page's form that posts to PATH."""
    action = re.search(rf'<form method="post" action="({re.escape(path)}[^"]*)"', page.text)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text)
    assert action and token, page.text[:500]
    return html.unescape(action.group(1)), token.group(1)


def log_in_and_grant(
    base: str,
    authorization_url: str,
    login: dict[str, str],
    browser: requests.Session | None = None,
) -> requests.Response:
    """Play the browser: follow to the login page, log in, press Grant (unless the user granted
    that before); the final redirect."""
    browser = browser or requests.Session()
    response = browser.get(authorization_url, allow_redirects=False, timeout=TIMEOUT)
    assert response.status_code == 302, response.text[:300]
    login_page = browser.get(urljoin(base, response.headers["Location"]), timeout=TIMEOUT)
    action, token = form_of(login_page, urlsplit(login_page.url).path)
    next_url = re.search(r'name="next"[^>]*value="([^"]*)"', login_page.text)
    assert next_url is not None
    data = {"csrf_token": token, "next": html.unescape(next_url.group(1)), **login}
    response = browser.post(urljoin(base, action), data=data, allow_redirects=False,
                            timeout=TIMEOUT)  # fmt: skip
    assert response.status_code == 302, response.text[:500]
    consent = browser.get(urljoin(base, response.headers["Location"]), allow_redirects=False,
                          timeout=TIMEOUT)  # fmt: skip
    if consent.status_code == 302 and consent.headers["Location"].startswith(REDIRECT):
        return consent  # the consent was remembered
    assert "wants to access your account." in consent.text
    action, token = form_of(consent, "/oauth2-token/authorize")
    response = browser.post(urljoin(base, action), data={"csrf_token": token, "decision": "grant"},
                            allow_redirects=False, timeout=TIMEOUT)  # fmt: skip
    assert response.status_code == 302 and response.headers["Location"].startswith(REDIRECT)
    return response


def oauth_session(deployment: Deployment, client: Client) -> OAuth2Session:
    return OAuth2Session(
        client.client_id,
        client.client_secret,
        token_endpoint_auth_method="client_secret_basic" if client.client_secret else "none",
        scope="openid profile",
        redirect_uri=REDIRECT,
        code_challenge_method="S256",
    )


@pytest.fixture(autouse=True, name="plain_http")
def plain_http_fixture(monkeypatch: pytest.MonkeyPatch) -> None:
    # The test server speaks plain HTTP on 127.0.0.1; Authlib insists on TLS otherwise.
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")
