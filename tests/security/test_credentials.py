"""Client ids, client secrets and their keyed hashes."""

from __future__ import annotations

import base64
import re

import pytest
from flask import Flask

from oauthapp.security.credentials import (
    generate_client_id,
    generate_secret,
    hash_secret,
    verify_secret,
)

URL_SAFE = re.compile(r"[A-Za-z0-9_-]+")
KEY = "a test secret key"
OTHER_KEY = "another test secret key"
SECRET = "s3cr3t-value-for-the-tests_0123456789abcdefg"


def test_client_id_is_32_url_safe_characters() -> None:
    client_id = generate_client_id()
    assert len(client_id) == 32
    assert URL_SAFE.fullmatch(client_id)


def test_client_ids_differ_each_time() -> None:
    assert len({generate_client_id() for _ in range(100)}) == 100


def test_secret_is_url_safe_with_at_least_256_bits() -> None:
    secret = generate_secret()
    assert len(secret) >= 43
    assert URL_SAFE.fullmatch(secret)
    raw = base64.urlsafe_b64decode(secret + "=" * (-len(secret) % 4))
    assert len(raw) * 8 >= 256


def test_secrets_differ_each_time() -> None:
    assert len({generate_secret() for _ in range(100)}) == 100


def test_hash_does_not_contain_the_secret() -> None:
    assert SECRET not in hash_secret(SECRET, secret_key=KEY)


def test_hash_starts_with_the_scheme() -> None:
    stored = hash_secret(SECRET, secret_key=KEY)
    assert stored.startswith("hmac-sha256$")
    assert re.fullmatch(r"hmac-sha256\$[0-9a-f]{64}", stored)


def test_hash_is_deterministic_for_the_same_key_and_purpose() -> None:
    assert hash_secret(SECRET, "refresh-token", KEY) == hash_secret(SECRET, "refresh-token", KEY)


def test_hash_differs_across_purposes() -> None:
    assert hash_secret(SECRET, "client-secret", KEY) != hash_secret(SECRET, "refresh-token", KEY)


def test_hash_differs_across_secret_keys() -> None:
    assert hash_secret(SECRET, secret_key=KEY) != hash_secret(SECRET, secret_key=OTHER_KEY)


def test_hash_differs_across_secrets() -> None:
    assert hash_secret(SECRET, secret_key=KEY) != hash_secret(SECRET + "x", secret_key=KEY)


def test_str_and_bytes_secret_keys_are_equivalent() -> None:
    assert hash_secret(SECRET, secret_key=KEY) == hash_secret(SECRET, secret_key=KEY.encode())


def test_verify_accepts_the_right_secret() -> None:
    stored = hash_secret(SECRET, secret_key=KEY)
    assert verify_secret(SECRET, stored, secret_key=KEY) is True


def test_verify_refuses_a_wrong_secret() -> None:
    stored = hash_secret(SECRET, secret_key=KEY)
    assert verify_secret(SECRET[:-1], stored, secret_key=KEY) is False
    assert verify_secret(generate_secret(), stored, secret_key=KEY) is False


def test_verify_refuses_a_hash_made_for_another_purpose() -> None:
    stored = hash_secret(SECRET, "client-secret", KEY)
    assert verify_secret(SECRET, stored, "refresh-token", KEY) is False


def test_verify_refuses_a_hash_made_with_another_secret_key() -> None:
    stored = hash_secret(SECRET, secret_key=KEY)
    assert verify_secret(SECRET, stored, secret_key=OTHER_KEY) is False


@pytest.mark.parametrize("stored", ["", "hmac-sha256$", "not a hash", "hmac-sha256$é"])
def test_verify_refuses_a_malformed_stored_hash(stored: str) -> None:
    assert verify_secret(SECRET, stored, secret_key=KEY) is False


def test_hash_accepts_a_lone_surrogate_in_the_secret() -> None:
    # A JSON body may carry "\ud800"; hashing it must not raise.
    stored = hash_secret("\ud800", secret_key=KEY)
    assert verify_secret("\ud800", stored, secret_key=KEY) is True
    assert verify_secret("\ufffd", stored, secret_key=KEY) is False


def test_hash_uses_the_app_secret_key_in_an_app_context(ctx: Flask) -> None:
    assert ctx.secret_key
    assert hash_secret(SECRET) == hash_secret(SECRET, secret_key=ctx.secret_key)
    assert hash_secret(SECRET) != hash_secret(SECRET, secret_key=KEY)


def test_verify_uses_the_app_secret_key_in_an_app_context(ctx: Flask) -> None:
    stored = hash_secret(SECRET)
    assert verify_secret(SECRET, stored) is True
    assert verify_secret(SECRET, stored, secret_key=ctx.secret_key) is True
    assert verify_secret("wrong", stored) is False


def test_explicit_secret_key_wins_over_the_app_secret_key(ctx: Flask) -> None:
    stored = hash_secret(SECRET, secret_key=KEY)
    assert verify_secret(SECRET, stored, secret_key=KEY) is True
    assert verify_secret(SECRET, stored) is False


def test_explicit_secret_key_needs_no_app_context() -> None:
    with pytest.raises(RuntimeError):
        hash_secret(SECRET)
    assert verify_secret(SECRET, hash_secret(SECRET, secret_key=KEY), secret_key=KEY)
