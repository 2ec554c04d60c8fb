"""Forged or damaged access tokens: each test gets exactly one property wrong; all are refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from pathlib import Path
from typing import Any, cast

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask

from oauthapp.keys import KeyRing, load_keyring
from tests.token.issued import Client, assert_invalid_token, issuer, register


class Forger:
    """Signs tokens for a real, active application and its owner, as the server would."""

    def __init__(self, app: Flask, key_pair: tuple[Path, Path]) -> None:
        self.client: Client = register(app)
        self.ring: KeyRing = load_keyring(key_pair[0], key_pair[1], "RS256")
        self.private_key = cast(rsa.RSAPrivateKey, self.ring.private_key)
        self.issuer = issuer(app)

    def claims(self, **changes: Any) -> dict[str, Any]:
        """Valid claims for /api/me; a change set to None removes that claim."""
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "sub": str(self.client.account_id),
            "aud": f"{self.issuer}/api",
            "client_id": self.client.client_id,
            "iat": now,
            "nbf": now,
            "exp": now + 600,
            "jti": secrets.token_urlsafe(18),
            "scope": "",
            "org": self.client.organization_id,
        }
        claims.update(changes)
        return {name: value for name, value in claims.items() if value is not None}

    def header(self, **changes: Any) -> dict[str, Any]:
        return {"typ": "at+jwt", "kid": self.ring.kid, **changes}

    def sign(self, claims: dict[str, Any] | None = None, key: Any = None, **header: Any) -> str:
        """A token signed RS256 by the real private key unless another key is given."""
        return jwt.encode(
            claims or self.claims(),
            key or self.private_key,
            algorithm="RS256",
            headers=self.header(**header),
        )

    def me(self, token: str) -> Any:
        return self.client.me(token)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def segment(document: dict[str, Any]) -> str:
    return b64(json.dumps(document, separators=(",", ":")).encode())


@pytest.fixture
def forger(app: Flask, key_pair: tuple[Path, Path]) -> Forger:
    return Forger(app, key_pair)


def test_a_token_forged_with_the_real_key_and_valid_claims_is_accepted(forger: Forger) -> None:
    """The control for every test below: only the property each one breaks is wrong."""
    response = forger.me(forger.sign())
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["id"] == forger.client.account_id


def test_an_unsigned_token_with_alg_none_is_refused(forger: Forger) -> None:
    header = segment(forger.header(alg="none"))
    assert_invalid_token(forger.me(f"{header}.{segment(forger.claims())}."))


def test_a_token_signed_hs256_with_the_public_key_as_secret_is_refused(
    forger: Forger, key_pair: tuple[Path, Path]
) -> None:
    """The key-confusion attack: an HMAC keyed with the PEM any resource server can fetch."""
    signing_input = f"{segment(forger.header(alg='HS256'))}.{segment(forger.claims())}"
    secret = key_pair[1].read_bytes()
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    assert_invalid_token(forger.me(f"{signing_input}.{b64(signature)}"))


def test_a_token_with_an_unknown_kid_is_refused(forger: Forger) -> None:
    assert_invalid_token(forger.me(forger.sign(kid="another-key")))


def test_a_token_without_a_kid_is_refused(forger: Forger) -> None:
    token = jwt.encode(
        forger.claims(), forger.private_key, algorithm="RS256", headers={"typ": "at+jwt"}
    )
    assert_invalid_token(forger.me(token))


def test_a_token_signed_by_another_key_under_the_right_kid_is_refused(forger: Forger) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert_invalid_token(forger.me(forger.sign(key=other)))


def test_an_expired_token_is_refused(forger: Forger) -> None:
    now = int(time.time())
    claims = forger.claims(iat=now - 3600, nbf=now - 3600, exp=now - 60)
    assert_invalid_token(forger.me(forger.sign(claims)))


def test_a_token_not_yet_valid_beyond_the_leeway_is_refused(forger: Forger) -> None:
    claims = forger.claims(nbf=int(time.time()) + 60)
    assert_invalid_token(forger.me(forger.sign(claims)))


def test_a_token_of_another_issuer_is_refused(forger: Forger) -> None:
    claims = forger.claims(iss="https://evil.example")
    assert_invalid_token(forger.me(forger.sign(claims)))


def test_a_token_for_another_audience_is_refused(forger: Forger) -> None:
    claims = forger.claims(aud="https://evil.example/api")
    assert_invalid_token(forger.me(forger.sign(claims)))


@pytest.mark.parametrize("claim", ["jti", "client_id", "sub", "exp"])
def test_a_token_missing_a_required_claim_is_refused(forger: Forger, claim: str) -> None:
    assert_invalid_token(forger.me(forger.sign(forger.claims(**{claim: None}))))


@pytest.mark.parametrize("typ", ["JWT", None])
def test_a_token_whose_typ_is_not_at_jwt_is_refused(forger: Forger, typ: str | None) -> None:
    assert_invalid_token(forger.me(forger.sign(typ=typ)))


@pytest.mark.parametrize("typ", [None, 1, ["at+jwt"], {}], ids=["null", "number", "list", "object"])
def test_a_token_whose_typ_is_not_a_string_is_refused_and_inactive(
    forger: Forger, typ: Any
) -> None:
    """The header is read before the signature is checked: anyone can send such a token."""
    token = f"{segment(forger.header(alg='none', typ=typ))}.{segment(forger.claims())}."
    assert_invalid_token(forger.me(token))
    response = forger.client.introspect(token)
    assert (response.status_code, response.get_json()) == (200, {"active": False})


@pytest.mark.parametrize(
    "changes",
    [{"exp": 10**20}, {"exp": str(int(time.time()) + 600)}, {"sub": "9" * 20},
     {"client_id": "\x00"}, {"jti": "j" * 65}],
    ids=["exp-beyond-any-date", "exp-as-text", "sub-beyond-any-id", "nul-client-id", "long-jti"],
)  # fmt: skip
def test_claims_the_server_never_issues_are_refused_even_under_its_signature(
    forger: Forger, changes: dict[str, Any]
) -> None:
    """Refused by the API, inactive for introspection, and revoking them is a harmless 200."""
    token = forger.sign(forger.claims(**changes))
    assert_invalid_token(forger.me(token))
    response = forger.client.introspect(token)
    assert (response.status_code, response.get_json()) == (200, {"active": False})
    response = forger.client.revoke(token)
    assert (response.status_code, response.get_json()) == (200, {})


def test_a_token_for_an_unknown_client_id_is_refused(forger: Forger) -> None:
    claims = forger.claims(client_id="x" * 32)
    assert_invalid_token(forger.me(forger.sign(claims)))


def test_a_token_for_an_unknown_subject_is_refused(forger: Forger) -> None:
    claims = forger.claims(sub="999999")
    assert_invalid_token(forger.me(forger.sign(claims)))


@pytest.mark.parametrize(
    "damage",
    [
        lambda token: token[:-20],
        lambda token: token.rsplit(".", 1)[0],
        lambda token: token.rsplit(".", 1)[0] + ".",
        lambda token: "not-a-token",
        lambda token: "a.b.c",
        lambda token: token + "." + token,
    ],
    ids=["truncated", "no-signature", "empty-signature", "garbage", "three-dots", "doubled"],
)
def test_a_damaged_token_is_refused(forger: Forger, damage: Any) -> None:
    assert_invalid_token(forger.me(damage(forger.client.access_token())))


def test_a_token_whose_signature_bytes_are_altered_is_refused(forger: Forger) -> None:
    token = forger.client.access_token()
    head, body, signature = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)))
    raw[len(raw) // 2] ^= 0x01
    assert_invalid_token(forger.me(f"{head}.{body}.{b64(bytes(raw))}"))


def test_a_token_whose_claims_are_altered_after_signing_is_refused(forger: Forger) -> None:
    head, _, signature = forger.client.access_token().split(".")
    claims = segment(forger.claims(exp=int(time.time()) + 10**6))
    assert_invalid_token(forger.me(f"{head}.{claims}.{signature}"))
