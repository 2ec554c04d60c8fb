"""Hypothesis strategies for access tokens: real, re-signed with changes, forged, or garbage."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from functools import cache
from typing import Any

import jwt
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from hypothesis import strategies as st

from tests.fuzz.hostile import header_text, json_values, texts

ANY_TYPE = (None, True, 0, -1, 1.5, "", [], {}, ["exp"], {"kid": None})
TIMES = (0, -1, 1.5, 10**11, 10**20, 10**400, float("inf"), float("nan"), "1", "9" * 30)
ACCOUNT_IDS = ("0", "-1", "1.0", " 1", "\u0661", "99999999999999999999", "9" * 5000, "2", "3")
# Hostile values by field, each beside values of any type.
HEADER_FIELDS: dict[str, tuple[Any, ...]] = {
    "alg": ("none", "None", "HS256", "RS512", "ES256", "EdDSA", "PS256", "RS256 ", None, 1),
    "typ": ("JWT", "AT+JWT", "application/at+jwt", "at+jwt\x00", None, 1, ["at+jwt"], {}),
    "kid": ("another-key", "../../etc/passwd", "' OR 1=1 --", "x" * 1000, None, 1, []),
    "crit": (["exp"], ["b64"], []),
    "jku": ("https://evil.example/jwks.json",),
    "jwk": ({"kty": "oct", "k": "AAAA"},),
    "b64": (False,),
}
CLAIMS: dict[str, tuple[Any, ...]] = {
    "iss": ("https://evil.example", ["http://localhost:5000"], "http://localhost:5000/"),
    "sub": ACCOUNT_IDS,
    "aud": ("http://localhost:5000/api", "http://localhost:5000/api/frontend", ["x", "y"]),
    "client_id": ("x" * 32, "x" * 5000, "%", "\x00"),
    "iat": TIMES,
    "nbf": TIMES,
    "exp": TIMES,
    "jti": ("x" * 65, "x" * 5000, "\x00", "\U0001f511"),
    "scope": ("openid", "a" * 5000),
    "org": (2, 10**30, "1", -1),
}
# Signed by the server's key: as issued, with changed claims, with a changed header; or forged.
MODES = ("real", "claims", "claims", "header", "header", "foreign", "none", "hmac", "tampered",
         "garbage")  # fmt: skip


@dataclass(frozen=True)
class Forged:
    """A token, whether the server's key signed it, and the claims it was built from."""

    token: str
    signed_by_server: bool
    claims: Any = None


@dataclass(frozen=True)
class Signers:
    """The server's private key, key id and public key, and access tokens it issued."""

    private_key: rsa.RSAPrivateKey
    kid: str
    public_pem: bytes
    real_tokens: tuple[str, ...]

    def sign(self, claims: Any, header: Any = None) -> str:
        """A token with those claims (and header) under the server's own key."""
        if header is None:
            header = {"alg": "RS256", "typ": "at+jwt", "kid": self.kid}
        signing_input = f"{segment(header)}.{segment(claims)}"
        return f"{signing_input}.{rs256(self.private_key, signing_input)}"

    def claims_of(self, token: str) -> dict[str, Any]:
        claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
        return claims


@cache
def foreign_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def segment(document: Any) -> str:
    return b64url(json.dumps(document, separators=(",", ":")).encode())


def rs256(key: rsa.RSAPrivateKey, signing_input: str) -> str:
    signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return b64url(signature)


def public_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def listed(fields: dict[str, tuple[Any, ...]]) -> list[tuple[str, Any]]:
    return [(name, value) for name, values in fields.items() for value in values]


@st.composite
def changed(draw: st.DrawFn, document: dict[str, Any], fields: dict[str, tuple[Any, ...]]) -> Any:
    """The document with one to three fields set to hostile values or removed; rarely not a dict."""
    if draw(st.integers(0, 15)) == 0:
        return draw(json_values)
    document = dict(document)
    for _ in range(draw(st.sampled_from([1, 1, 1, 2, 3]))):
        choice = draw(st.sampled_from(["listed"] * 4 + ["any", "json", "drop"]))
        if choice == "listed":
            name, value = draw(st.sampled_from(listed(fields)))
            document[name] = value
            continue
        known = draw(st.integers(0, 7)) > 0
        name = draw(st.sampled_from(sorted(fields)) if known else texts)
        if choice == "drop":
            document.pop(name, None)
        else:
            document[name] = draw(st.sampled_from(ANY_TYPE) if choice == "any" else json_values)
    return document


@st.composite
def access_tokens(draw: st.DrawFn, signers: Signers, modes: tuple[str, ...] = MODES) -> Forged:
    """A real token, one the server's key signed with changed claims or header, or a forgery."""
    mode = draw(st.sampled_from(modes))
    real = draw(st.sampled_from(signers.real_tokens))
    if mode == "real":
        return Forged(real, True, signers.claims_of(real))
    if mode == "garbage":
        part = st.one_of(
            header_text.map(lambda text: text[:40]), st.binary(max_size=40).map(b64url)
        )
        return Forged(".".join(draw(st.lists(part, max_size=5))), False)
    algorithm = {"none": "none", "hmac": "HS256"}.get(mode, "RS256")
    header: Any = {"alg": algorithm, "typ": "at+jwt", "kid": signers.kid}
    claims = signers.claims_of(real)
    if mode in ("claims", "header"):  # a token of its own, which no other example revoked
        claims["jti"] = draw(st.uuids()).hex
    if mode != "header":
        claims = draw(changed(claims, CLAIMS))
    if mode == "header" or (mode in ("foreign", "none", "hmac") and draw(st.booleans())):
        header = draw(changed(header, HEADER_FIELDS))
    if mode in ("claims", "header"):
        return Forged(signers.sign(claims, header), True, claims)
    if mode == "tampered" and claims == signers.claims_of(real):
        return Forged(real, True, claims)
    signing_input = f"{segment(header)}.{segment(claims)}"
    return Forged(
        f"{signing_input}.{draw(forged_signature(mode, signers, real, signing_input))}", False
    )


@st.composite
def forged_signature(
    draw: st.DrawFn, mode: str, signers: Signers, real: str, signing_input: str
) -> str:
    """A signature the server's key did not make over that input."""
    if mode == "tampered":  # the real token's, over other claims
        return real.rsplit(".", 1)[1]
    if mode == "foreign":
        return rs256(foreign_key(), signing_input)
    if mode == "hmac":  # the public key as an HMAC secret: the algorithm confusion attack
        mac = hmac.new(signers.public_pem, signing_input.encode(), hashlib.sha256).digest()
        return b64url(mac)
    return draw(st.sampled_from(["", b64url(b"\x00" * 256)]))
