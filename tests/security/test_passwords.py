"""User passwords: argon2id hashing, verification and the password policy."""

from __future__ import annotations

import pytest
from flask import Flask

from oauthapp.security.passwords import (
    MIN_PASSWORD_LENGTH,
    check_password_policy,
    hash_password,
    verify_password,
)

PASSWORD = "correct horse battery"
# The password the product hashes once at start-up for timing-equal refusals (passwords.init_app).
DUMMY_PASSWORD = "not a real password"


@pytest.fixture
def stored(ctx: Flask) -> str:
    return hash_password(PASSWORD)


def test_hash_is_argon2id(stored: str) -> None:
    assert stored.startswith("$argon2id$")


def test_hash_does_not_contain_the_password(stored: str) -> None:
    assert PASSWORD not in stored


def test_hash_uses_the_configured_argon2_cost(stored: str) -> None:
    # conftest sets OAUTHAPP_ARGON2 = time_cost 1, memory_cost 8, parallelism 1.
    assert "$m=8,t=1,p=1$" in stored


def test_hashes_of_the_same_password_are_salted(stored: str) -> None:
    assert hash_password(PASSWORD) != stored


def test_verify_accepts_the_right_password(stored: str) -> None:
    assert verify_password(stored, PASSWORD) is True


def test_verify_refuses_a_wrong_password(stored: str) -> None:
    assert verify_password(stored, PASSWORD + "!") is False
    assert verify_password(stored, PASSWORD.upper()) is False


def test_verify_with_no_hash_is_false(ctx: Flask) -> None:
    assert verify_password(None, PASSWORD) is False


def test_verify_with_no_hash_is_false_even_for_the_dummy_password(ctx: Flask) -> None:
    assert verify_password(None, DUMMY_PASSWORD) is False


@pytest.mark.parametrize(
    "corrupt",
    [
        pytest.param(lambda h: "not a hash", id="not-a-hash"),
        pytest.param(lambda h: h[:-10], id="truncated"),
        pytest.param(lambda h: h.replace("$argon2id$", "$argon2xx$"), id="unknown-variant"),
        pytest.param(lambda h: h.rsplit("$", 1)[0] + "$", id="no-digest"),
        pytest.param(lambda h: h[:-1] + "!", id="bad-base64"),
        pytest.param(lambda h: h.replace("v=19", "v=x"), id="bad-version"),
    ],
)
def test_a_corrupted_hash_returns_false_instead_of_raising(stored: str, corrupt) -> None:  # type: ignore[no-untyped-def]
    assert verify_password(corrupt(stored), PASSWORD) is False


def test_unicode_passwords_round_trip(ctx: Flask) -> None:
    password = "пароль-密码-🔑-ß" * 20
    stored = hash_password(password)
    assert verify_password(stored, password) is True
    assert verify_password(stored, password[:-1]) is False


def test_an_empty_stored_hash_never_matches(ctx: Flask) -> None:
    # verify_password uses `password_hash or dummy` but only refuses `password_hash is None`,
    # so an account whose hash is "" logs in with the dummy's password from the source code.
    assert verify_password("", DUMMY_PASSWORD) is False


def test_a_password_with_a_lone_surrogate_is_refused_without_raising(stored: str) -> None:
    assert verify_password(stored, "\ud800" * 10) is False


def test_policy_refuses_a_password_shorter_than_8_characters() -> None:
    assert MIN_PASSWORD_LENGTH == 8
    assert check_password_policy("1234567") == "Password must have at least 8 characters."
    assert check_password_policy("") is not None


def test_policy_accepts_exactly_8_characters() -> None:
    assert check_password_policy("12345678") is None


def test_policy_counts_characters_not_bytes() -> None:
    assert check_password_policy("ééééééé") is not None  # 7 characters, 14 bytes
    assert check_password_policy("🔑" * 8) is None


def test_policy_refuses_a_nul_character() -> None:
    assert check_password_policy("abcd\x00efgh") == "Password must not contain NUL characters."


def test_policy_accepts_a_long_unicode_password() -> None:
    assert check_password_policy("密码 🔑 Straße ünïcödé " * 40) is None


def test_policy_refuses_a_password_that_is_not_valid_unicode(ctx: Flask) -> None:
    # sys.argv carries undecodable bytes as lone surrogates (e.g. `users create --password`).
    password = "\udcff" * MIN_PASSWORD_LENGTH
    assert check_password_policy(password) is not None
