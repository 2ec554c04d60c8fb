"""Authlib's OAuth2Session, PKCE S256, against a real server process (see real_server.py)."""

from __future__ import annotations

import html
import re
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs, urljoin, urlsplit

import requests
from authlib.common.security import generate_token

from tests.authorize.real_server import (  # noqa: F401 (the fixtures)
    PASSWORD,
    REDIRECT,
    TIMEOUT,
    Deployment,
    deployment_fixture,
    form_of,
    log_in_and_grant,
    oauth_session,
    plain_http_fixture,
)
from tests.server import SQLITE_PASS_ONLY

pytestmark = SQLITE_PASS_ONLY
RACERS = 8  # simultaneous exchanges of one code


def test_a_public_back_office_client_gets_tokens_with_pkce_and_calls_the_api(
    deployment: Deployment,
) -> None:
    session = oauth_session(deployment, deployment.backoffice)
    verifier = generate_token(48)
    url, state = session.create_authorization_url(
        f"{deployment.base}/oauth2-token/authorize", code_verifier=verifier
    )
    redirect = log_in_and_grant(deployment.base, url, {"username": "olivia", "password": PASSWORD})
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
    session = oauth_session(deployment, deployment.storefront)
    verifier = generate_token(48)
    url, state = session.create_authorization_url(
        f"{deployment.base}/oauth2-token/authorize", code_verifier=verifier
    )
    redirect = log_in_and_grant(
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
    session = oauth_session(deployment, deployment.racer)
    verifier = generate_token(48)
    url, _ = session.create_authorization_url(
        f"{deployment.base}/oauth2-token/authorize", code_verifier=verifier
    )
    browser = requests.Session()
    login = browser.get(url, timeout=TIMEOUT)  # follows to the login page
    action, token = form_of(login, "/login")
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
