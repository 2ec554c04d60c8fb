"""Authlib's OAuth2Session, PKCE S256, against a real server process.

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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session

from oauthapp import create_app
from oauthapp.extensions import db
from oauthapp.models import Kind, Organization
from tests.factories import make_code_application
from tests.server import SQLITE_PASS_ONLY, flask_ok, free_port, serve, server_environ, site_config

pytestmark = SQLITE_PASS_ONLY

PASSWORD = "correct horse battery"
REDIRECT = "http://127.0.0.1:8400/callback"  # a native app's loopback URL (RFC 8252)
TIMEOUT = 10
RACERS = 8  # simultaneous exchanges of one code


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


def _applications(config: Path) -> tuple[Client, Client, Client]:
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


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
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
    backoffice, storefront, racer = _applications(folder / "config.yml")
    with serve(env, folder / "server.log", port) as url:
        yield Deployment(url, backoffice, storefront, racer)


def _form(page: requests.Response, path: str) -> tuple[str, str]:
    """The action and CSRF token of the page's form that posts to PATH."""
    action = re.search(rf'<form method="post" action="({re.escape(path)}[^"]*)"', page.text)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text)
    assert action and token, page.text[:500]
    return html.unescape(action.group(1)), token.group(1)


def _log_in_and_grant(
    base: str, authorization_url: str, login: dict[str, str]
) -> requests.Response:
    """Play the browser: follow to the login page, log in, press Grant; the final redirect."""
    browser = requests.Session()
    response = browser.get(authorization_url, allow_redirects=False, timeout=TIMEOUT)
    assert response.status_code == 302, response.text[:300]
    login_page = browser.get(urljoin(base, response.headers["Location"]), timeout=TIMEOUT)
    action, token = _form(login_page, urlsplit(login_page.url).path)
    next_url = re.search(r'name="next"[^>]*value="([^"]*)"', login_page.text)
    assert next_url is not None
    data = {"csrf_token": token, "next": html.unescape(next_url.group(1)), **login}
    response = browser.post(urljoin(base, action), data=data, allow_redirects=False,
                            timeout=TIMEOUT)  # fmt: skip
    assert response.status_code == 302, response.text[:500]
    consent = browser.get(urljoin(base, response.headers["Location"]), timeout=TIMEOUT)
    assert "wants to access your account." in consent.text
    action, token = _form(consent, "/oauth2-token/authorize")
    response = browser.post(urljoin(base, action), data={"csrf_token": token, "decision": "grant"},
                            allow_redirects=False, timeout=TIMEOUT)  # fmt: skip
    assert response.status_code == 302 and response.headers["Location"].startswith(REDIRECT)
    return response


def _session(deployment: Deployment, client: Client) -> OAuth2Session:
    return OAuth2Session(
        client.client_id,
        client.client_secret,
        token_endpoint_auth_method="client_secret_basic" if client.client_secret else "none",
        scope="openid profile",
        redirect_uri=REDIRECT,
        code_challenge_method="S256",
    )


@pytest.fixture(autouse=True)
def _plain_http(monkeypatch: pytest.MonkeyPatch) -> None:
    # The test server speaks plain HTTP on 127.0.0.1; Authlib insists on TLS otherwise.
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")


def test_a_public_back_office_client_gets_tokens_with_pkce_and_calls_the_api(
    deployment: Deployment,
) -> None:
    session = _session(deployment, deployment.backoffice)
    verifier = generate_token(48)
    url, state = session.create_authorization_url(
        f"{deployment.base}/oauth2-token/authorize", code_verifier=verifier
    )
    redirect = _log_in_and_grant(deployment.base, url, {"username": "olivia", "password": PASSWORD})
    token = session.fetch_token(
        f"{deployment.base}/oauth2-token",
        authorization_response=redirect.headers["Location"],
        state=state,
        code_verifier=verifier,
        timeout=TIMEOUT,
    )
    assert token["scope"] == "openid profile" and token["refresh_token"]
    me = session.get(f"{deployment.base}/api/me", timeout=TIMEOUT)
    assert me.status_code == 200, me.text
    assert me.json()["username"] == "olivia"


def test_a_confidential_storefront_client_gets_refreshes_and_calls_the_storefront_api(
    deployment: Deployment,
) -> None:
    session = _session(deployment, deployment.storefront)
    verifier = generate_token(48)
    url, state = session.create_authorization_url(
        f"{deployment.base}/oauth2-token/authorize", code_verifier=verifier
    )
    redirect = _log_in_and_grant(
        deployment.base, url, {"email": "carol@example.com", "password": PASSWORD}
    )
    first = session.fetch_token(
        f"{deployment.base}/oauth2-token",
        authorization_response=redirect.headers["Location"],
        state=state,
        code_verifier=verifier,
        timeout=TIMEOUT,
    )
    refreshed = session.refresh_token(f"{deployment.base}/oauth2-token", timeout=TIMEOUT)
    assert refreshed["access_token"] != first["access_token"]
    me = session.get(f"{deployment.base}/api/frontend/me", timeout=TIMEOUT)
    assert me.status_code == 200, me.text
    assert me.json()["email"] == "carol@example.com"


def test_a_code_raced_by_many_requests_gives_one_token_and_then_none(
    deployment: Deployment,
) -> None:
    session = _session(deployment, deployment.racer)
    verifier = generate_token(48)
    url, _ = session.create_authorization_url(
        f"{deployment.base}/oauth2-token/authorize", code_verifier=verifier
    )
    browser = requests.Session()
    login = browser.get(url, timeout=TIMEOUT)  # follows to the login page
    action, token = _form(login, "/login")
    next_url = re.search(r'name="next"[^>]*value="([^"]*)"', login.text)
    assert next_url is not None
    data = {"csrf_token": token, "next": html.unescape(next_url.group(1)),
            "username": "olivia", "password": PASSWORD}  # fmt: skip
    response = browser.post(urljoin(deployment.base, action), data=data, timeout=TIMEOUT,
                            allow_redirects=False)  # fmt: skip
    back = browser.get(urljoin(deployment.base, response.headers["Location"]),
                       allow_redirects=False, timeout=TIMEOUT)  # fmt: skip
    code = parse_qs(urlsplit(back.headers["Location"]).query)["code"][0]
    assert deployment.racer.client_secret is not None
    exchange = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
                "code_verifier": verifier}  # fmt: skip
    auth = (deployment.racer.client_id, deployment.racer.client_secret)

    def race(_: int) -> requests.Response:
        return requests.post(f"{deployment.base}/oauth2-token", data=exchange, auth=auth,
                             timeout=TIMEOUT)  # fmt: skip

    with ThreadPoolExecutor(RACERS) as pool:
        answers = list(pool.map(race, range(RACERS)))

    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [200] + [400] * (RACERS - 1), [a.text for a in answers]
    assert {a.json()["error"] for a in answers if a.status_code == 400} == {"invalid_grant"}
    (winner,) = [a.json() for a in answers if a.status_code == 200]
    me = requests.get(f"{deployment.base}/api/me", timeout=TIMEOUT,
                      headers={"Authorization": f"Bearer {winner['access_token']}"})  # fmt: skip
    assert me.status_code == 401  # the code came back: what it gave is revoked
