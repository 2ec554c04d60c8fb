"""An OpenID Connect relying party on Authlib against a real server process: discovery, the code
flow with PKCE and a nonce, the ID token checked by Authlib's own CodeIDToken rules (iss, aud,
exp, nonce, at_hash), userinfo, and RP-initiated logout."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from authlib.common.security import generate_token
from authlib.jose import JsonWebKey, jwt
from authlib.oidc.core import CodeIDToken

from tests.authorize.real_server import (  # noqa: F401 (the fixtures)
    PASSWORD,
    REDIRECT,
    TIMEOUT,
    Client,
    Deployment,
    deployment_fixture,
    log_in_and_grant,
    oauth_session,
    plain_http_fixture,
)
from tests.server import SQLITE_PASS_ONLY

pytestmark = SQLITE_PASS_ONLY
LOGINS = {
    "backoffice": {"username": "olivia", "password": PASSWORD},
    "storefront": {"email": "carol@example.com", "password": PASSWORD},
}


def sign_in(
    deployment: Deployment, client: Client, login: dict[str, str], browser: requests.Session
) -> tuple[dict[str, Any], dict[str, Any], Any]:
    """Discovery, then the code flow; the discovery document, the token, the checked claims."""
    config = requests.get(f"{deployment.base}/.well-known/openid-configuration", timeout=TIMEOUT)
    document = config.json()
    session = oauth_session(deployment, client)
    verifier, nonce = generate_token(48), generate_token(20)
    url, state = session.create_authorization_url(
        document["authorization_endpoint"], code_verifier=verifier, nonce=nonce
    )
    redirect = log_in_and_grant(deployment.base, url, login, browser)
    token = session.fetch_token(
        document["token_endpoint"],
        authorization_response=redirect.headers["Location"],
        state=state,
        code_verifier=verifier,
        timeout=TIMEOUT,
    )
    keys = JsonWebKey.import_key_set(requests.get(document["jwks_uri"], timeout=TIMEOUT).json())
    claims = jwt.decode(
        token["id_token"],
        keys,
        claims_cls=CodeIDToken,
        claims_options={"iss": {"values": [document["issuer"]]}},
        claims_params={
            "nonce": nonce,
            "client_id": client.client_id,
            "access_token": token["access_token"],
        },
    )
    claims.validate()
    return document, token, claims


@pytest.mark.parametrize("kind", ["backoffice", "storefront"])
def test_authlib_signs_in_checks_the_id_token_and_reads_userinfo(
    deployment: Deployment, kind: str
) -> None:
    client = deployment.backoffice if kind == "backoffice" else deployment.storefront
    document, token, claims = sign_in(deployment, client, LOGINS[kind], requests.Session())
    info = requests.get(
        document["userinfo_endpoint"],
        headers={"Authorization": f"Bearer {token['access_token']}"},
        timeout=TIMEOUT,
    )
    assert info.status_code == 200, info.text
    assert info.json()["sub"] == claims["sub"]
    assert claims["sub"].startswith("user:" if kind == "backoffice" else "customer:")
    expected_name = "olivia" if kind == "backoffice" else "carol@example.com"
    assert info.json()["preferred_username"] == expected_name


def test_rp_initiated_logout_returns_to_the_application_with_its_state(
    deployment: Deployment,
) -> None:
    browser = requests.Session()
    document, token, _ = sign_in(deployment, deployment.backoffice, LOGINS["backoffice"], browser)
    response = browser.get(
        document["end_session_endpoint"],
        params={
            "id_token_hint": token["id_token"],
            "post_logout_redirect_uri": REDIRECT,
            "state": "bye",
        },
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert response.status_code == 302, response.text[:300]
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    assert parse_qs(location.query) == {"state": ["bye"]}
    home = browser.get(f"{deployment.base}/admin/", allow_redirects=False, timeout=TIMEOUT)
    assert home.status_code == 302 and "/login" in home.headers["Location"]
