"""JWT access tokens in the RFC 9068 profile: signed once per token, verified without state."""

from __future__ import annotations

import base64
import binascii
import json
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any

import jwt

from oauthapp.keys import KeyRing
from oauthapp.models import Kind
from oauthapp.querystring import positive_int

TOKEN_TYPE = "at+jwt"  # noqa: S105 (a media type, RFC 9068 §2.1)
LEEWAY = 5  # seconds of clock skew tolerated on exp and nbf
MAX_TIMESTAMP = 253_402_300_799  # 9999-12-31T23:59:59Z, the last second a datetime can hold
BASE64URL = re.compile(r"[A-Za-z0-9_-]+")
MAX_HEADER = 1024  # ours are about 100 characters
ISSUED_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")  # client ids and jtis: URL-safe, fit their columns


class InvalidAccessToken(Exception):
    """The token is malformed, forged, expired or meant for another audience."""


@dataclass(frozen=True)
class IssuedToken:
    """An access token and what the server needs to remember about it."""

    token: str
    jti: str
    expires_at: int
    lifetime: int


def audience(issuer: str, kind: Kind | str) -> str:
    """The API a token is for: back-office tokens for /api, storefront tokens for /api/frontend."""
    base = issuer.rstrip("/")
    return f"{base}/api/frontend" if kind == Kind.STOREFRONT else f"{base}/api"


def issue(
    ring: KeyRing,
    *,
    issuer: str,
    kind: Kind | str,
    subject: int,
    client_id: str,
    organization_id: int,
    lifetime: int,
    scope: str = "",
) -> IssuedToken:
    """Sign a new access token for the subject acting through the client."""
    now = int(time.time())
    jti = secrets.token_urlsafe(18)
    claims = {
        "iss": issuer,
        "sub": str(subject),
        "aud": audience(issuer, kind),
        "client_id": client_id,
        "iat": now,
        "nbf": now,
        "exp": now + lifetime,
        "jti": jti,
        "scope": scope,
        "org": organization_id,
    }
    headers = {"typ": TOKEN_TYPE, "kid": ring.kid}
    token = jwt.encode(claims, ring.private_key, algorithm=ring.algorithm, headers=headers)  # type: ignore[arg-type]
    return IssuedToken(token, jti, now + lifetime, lifetime)


def verify(
    ring: KeyRing, token: str, *, issuer: str, expected_audience: str | list[str]
) -> dict[str, Any]:
    """The claims of a valid token for that audience (or one of those), or InvalidAccessToken."""
    header = _header(token)
    try:
        typ = header.get("typ")
        if not isinstance(typ, str) or typ.lower() not in (TOKEN_TYPE, "application/at+jwt"):
            raise InvalidAccessToken("The token is not an access token.")
        found = ring.verification_key(header.get("kid"))
        if found is None:
            raise InvalidAccessToken("The token was signed by an unknown key.")
        public_key, algorithm = found
        claims: dict[str, Any] = jwt.decode(
            token,
            public_key,  # type: ignore[arg-type]
            algorithms=[algorithm],
            audience=expected_audience,
            issuer=issuer,
            leeway=LEEWAY,
            options={"require": ["exp", "iat", "nbf", "iss", "aud", "sub", "jti", "client_id"]},
        )
    except jwt.PyJWTError as exc:
        raise InvalidAccessToken(_in_words(exc)) from exc
    if not isinstance(claims.get("client_id"), str) or not isinstance(claims.get("jti"), str):
        raise InvalidAccessToken("The token's client_id and jti must be strings.")
    if not _as_issued(claims):
        raise InvalidAccessToken("The token's claims are not those this server issues.")
    return claims


_WORDS: tuple[tuple[type[jwt.PyJWTError], str], ...] = (
    (jwt.ExpiredSignatureError, "The access token has expired."),
    (jwt.ImmatureSignatureError, "The access token is not valid yet."),
    (jwt.InvalidAudienceError, "The access token is for another API."),
    (jwt.InvalidIssuerError, "The access token was issued by another server."),
    (jwt.InvalidSignatureError, "The access token's signature does not verify."),
    (jwt.MissingRequiredClaimError, "The access token lacks a claim this server issues."),
    (jwt.DecodeError, "The access token is not a well-formed JWT."),
)


def _in_words(error: jwt.PyJWTError) -> str:
    """What went wrong, as a client's developer would say it."""
    for kind, words in _WORDS:
        if isinstance(error, kind):
            return words
    return f"The access token is invalid: {error}."


def key_id(token: str) -> Any:
    """The kid in a token's header (of a token verify() accepted)."""
    return _header(token).get("kid")


def _header(token: str) -> dict[str, Any]:
    """The token's JOSE header, read without looking at the rest of the token.

    jwt.decode checks every segment again, so this only has to be safe to parse: PyJWT's own
    get_unverified_header would check the whole token's alphabet a second time, in Python.
    """
    head, dot, _ = token.partition(".")
    if not dot or len(head) > MAX_HEADER or not BASE64URL.fullmatch(head):
        raise InvalidAccessToken("The token is not a JWT.")
    try:
        header = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    except (ValueError, binascii.Error) as exc:
        raise InvalidAccessToken("The token's header is unreadable.") from exc
    if not isinstance(header, dict):
        raise InvalidAccessToken("The token's header is not a JSON object.")
    return header


def _as_issued(claims: dict[str, Any]) -> bool:
    """Times, subject and ids as issue() writes them, so that revocation, introspection and the
    lookups can use them as they are (a datetime, an integer column, 64-char text columns)."""
    times = (claims["exp"], claims["iat"], claims["nbf"])
    if not all(type(value) is int and 0 <= value <= MAX_TIMESTAMP for value in times):
        return False
    if not all(ISSUED_ID.fullmatch(claims[name]) for name in ("client_id", "jti")):
        return False
    return positive_int(claims["sub"]) is not None
