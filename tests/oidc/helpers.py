"""Driving OpenID Connect flows through the test client, and checking ID tokens as an RP does."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from typing import Any

import jwt
from flask import Flask
from flask.testing import FlaskClient

from oauthapp.keys import generate_keys
from oauthapp.models import Kind
from tests.authorize.helpers import CodeApp, browser_for, exchange, new_code_app, obtain_code
from tests.conftest import AppFactory
from tests.token.grant_support import JWKS_URL, issuer, token_body

USERINFO = "/oauth2/userinfo"
LOGOUT = "/oauth2/logout"
DISCOVERY = "/.well-known/openid-configuration"


def app_with_algorithm(make_app: AppFactory, folder: Path, algorithm: str) -> Flask:
    """An app signing with a new key pair of that algorithm."""
    private, public = folder / f"{algorithm}.key", folder / f"{algorithm}.pub"
    generate_keys(private, public, algorithm)
    return make_app(
        oauth2_server={
            "authorization_server": {"private_key": str(private), "signing_algorithm": algorithm},
            "resource_server": {"public_key": str(public)},
        }
    )


def sign_in_flow(
    app: Flask, scope: str, kind: Kind = Kind.BACKOFFICE, **params: Any
) -> tuple[CodeApp, FlaskClient, int, dict[str, Any]]:
    """A new application of that kind, a signed-in browser, and the token response for SCOPE."""
    code_app = new_code_app(app, kind=kind)
    browser, account_id = browser_for(app, code_app)
    code = obtain_code(browser, code_app, scope=scope, **params)
    body = token_body(exchange(app.test_client(), code_app, code))
    return code_app, browser, account_id, body


def verify_id_token(app: Flask, id_token: str, client_id: str) -> dict[str, Any]:
    """The ID token's claims, checked as a relying party does: JWKS key by kid, iss, aud, exp."""
    keys = app.test_client().get(JWKS_URL).get_json()
    header = jwt.get_unverified_header(id_token)
    key = jwt.PyJWKSet.from_dict(keys)[header["kid"]]
    claims: dict[str, Any] = jwt.decode(
        id_token,
        key.key,
        algorithms=[key.algorithm_name],
        audience=client_id,
        issuer=issuer(app),
        options={"require": ["iss", "sub", "aud", "exp", "iat", "auth_time", "at_hash"]},
    )
    return claims


def at_hash(access_token: str, algorithm: str) -> str:
    """OpenID Connect Core 3.1.3.6: the left half of the token's hash (SHA-512 for EdDSA)."""
    digest = (hashlib.sha512 if algorithm == "EdDSA" else hashlib.sha256)(access_token.encode())
    half = digest.digest()[: digest.digest_size // 2]
    return base64.urlsafe_b64encode(half).rstrip(b"=").decode()


def userinfo(client: FlaskClient, token: str, method: str = "GET") -> Any:
    return client.open(USERINFO, method=method, headers={"Authorization": f"Bearer {token}"})


def expected_sub(kind: Kind, account_id: int) -> str:
    return f"{'customer' if kind == Kind.STOREFRONT else 'user'}:{account_id}"
