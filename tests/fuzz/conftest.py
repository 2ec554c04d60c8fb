"""One app per test with the applications world, real tokens, and the values clients send."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask

from oauthapp.keys import load_keyring
from oauthapp.models import Kind
from tests.applications.conftest import World, build_world
from tests.conftest import AppFactory
from tests.factories import PASSWORD
from tests.fuzz.jwts import Signers, public_pem
from tests.token.helpers import client_credentials, password_grant

# Failed authentications are not throttled and accounts never lock here: every example reaches
# the code behind those checks instead of a 429 or "Account is locked.".
OPEN_SETTINGS: dict[str, Any] = {
    "rate_limit": {"token_endpoint": "1000000/minute", "login": "1000000/minute"},
    "security": {"failed_login_limit": 0},
}
LOGINS = ("alice", "bob", "oscar", "root", "gus", "carol@example.com", "olga@example.com")
GRANT_TYPES = ("client_credentials", "password", "refresh_token", "authorization_code", "implicit")


class Arena:
    """An app with the applications world, tokens it issued, and the keys to forge others."""

    def __init__(
        self,
        app: Flask,
        world: World,
        access_tokens: dict[Kind, str],
        refresh_token: str,
        key_pair: tuple[Path, Path],
    ) -> None:
        self.app = app
        self.world = world
        # Of "Alice CC" (back-office) and "Carol Store" (storefront).
        self.access_tokens = access_tokens
        self.refresh_token = refresh_token  # of "Acme Password", for alice
        ring = load_keyring(key_pair[0], key_pair[1], "RS256")
        private_key = cast(rsa.RSAPrivateKey, ring.private_key)
        self.signers = Signers(
            private_key, ring.kid, public_pem(private_key), tuple(access_tokens.values())
        )

    def __repr__(self) -> str:  # Hypothesis prints the fixture with each failing example
        return "Arena(the applications world and its tokens)"

    @property
    def client_ids(self) -> list[str]:
        return sorted(self.world.client_ids.values())

    @property
    def secrets(self) -> list[str]:
        return sorted(self.world.secrets.values())

    @property
    def tokens(self) -> list[str]:
        return [*self.access_tokens.values(), self.refresh_token]

    def known(self) -> dict[str, list[str]]:
        """Parameters clients of the OAuth endpoints send, with values that mean something."""
        return {
            "grant_type": list(GRANT_TYPES),
            "client_id": self.client_ids,
            "client_secret": self.secrets,
            "username": list(LOGINS),
            "password": [PASSWORD],
            "refresh_token": [self.refresh_token],
            "scope": ["", "openid", "read write"],
            "token": self.tokens,
            "token_type_hint": ["access_token", "refresh_token", "id_token"],
            "access_token": [self.access_tokens[Kind.BACKOFFICE]],
        }


@pytest.fixture
def arena(make_app: AppFactory, key_pair: tuple[Path, Path]) -> Arena:
    app = make_app(**OPEN_SETTINGS)
    with app.app_context():
        world = build_world()
    client = app.test_client()

    def issued(name: str) -> dict[str, Any]:
        client_id, secret = world.client_ids[name], world.secrets[name]
        if name == "Acme Password":
            response = password_grant(client, client_id, secret, "alice", PASSWORD)
        else:
            response = client_credentials(client, client_id, secret)
        assert response.status_code == 200, response.get_data(as_text=True)
        body: dict[str, Any] = response.get_json()
        return body

    access_tokens = {
        Kind.BACKOFFICE: issued("Alice CC")["access_token"],
        Kind.STOREFRONT: issued("Carol Store")["access_token"],
    }
    return Arena(app, world, access_tokens, issued("Acme Password")["refresh_token"], key_pair)
