"""Client ids, client secrets and refresh tokens: generation and keyed hashing.

Secrets here are server-generated with 256 bits of entropy, so a fast keyed hash
(HMAC-SHA-256) is as strong as a password hash and costs microseconds on the token
endpoint. The key is derived from the application's SECRET_KEY, one purpose per key.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import current_app

CLIENT_ID_BYTES = 24  # 32 URL-safe characters
SECRET_BYTES = 32  # 256 bits
_SCHEME = "hmac-sha256"


def generate_client_id() -> str:
    """32 URL-safe characters, starting with a letter or digit (never an option-like "-")."""
    while True:
        client_id = secrets.token_urlsafe(CLIENT_ID_BYTES)
        if client_id[0].isalnum():
            return client_id


def generate_secret() -> str:
    """A new client secret or refresh token: 256 bits, URL-safe."""
    return secrets.token_urlsafe(SECRET_BYTES)


def derive_key(secret_key: str | bytes, purpose: str) -> bytes:
    """A key for one purpose, so a hash made for one use never verifies for another."""
    root = secret_key.encode() if isinstance(secret_key, str) else secret_key
    return hmac.new(root, f"oauthapp:{purpose}".encode(), hashlib.sha256).digest()


def hash_secret(
    secret: str, purpose: str = "client-secret", secret_key: str | bytes | None = None
) -> str:
    """The stored form of a secret: scheme$hex(HMAC-SHA-256)."""
    key = derive_key(
        secret_key if secret_key is not None else current_app.secret_key or "", purpose
    )
    digest = hmac.new(key, secret.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()
    return f"{_SCHEME}${digest}"


def verify_secret(
    secret: str, stored: str, purpose: str = "client-secret", secret_key: str | bytes | None = None
) -> bool:
    """Constant-time comparison of a presented secret with its stored hash."""
    expected = hash_secret(secret, purpose, secret_key)
    return hmac.compare_digest(expected.encode(), stored.encode())
