"""User passwords: argon2id hashing, verification and the password policy."""

from __future__ import annotations

from typing import Any

import pytest
from argon2 import PasswordHasher
from flask import Flask

from oauthapp.security import passwords
from oauthapp.security.passwords import (
    MIN_PASSWORD_LENGTH,
    check_password_policy,
    hash_password,
    needs_rehash,
    verify_password,
)
from oauthapp.settings import PasswordHashSettings

PASSWORD = "correct horse battery"
# The password the product hashes at the first unknown-user login for timing-equal refusals.
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


def hasher_app(cost: PasswordHashSettings, override: dict[str, Any] | None = None) -> Flask:
    """A bare Flask app with only the password hasher set up."""
    app = Flask(__name__)
    if override is not None:
        app.config["OAUTHAPP_ARGON2"] = override
    passwords.init_app(app, cost)
    return app


def test_the_default_setting_hashes_with_owasp_parameters() -> None:
    with hasher_app(
        PasswordHashSettings(time_cost=2, memory_cost=19456, parallelism=1)
    ).app_context():
        stored = hash_password(PASSWORD)
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")


def test_the_setting_is_used_without_an_override() -> None:
    with hasher_app(PasswordHashSettings(time_cost=1, memory_cost=32, parallelism=2)).app_context():
        assert hash_password(PASSWORD).startswith("$argon2id$v=19$m=32,t=1,p=2$")


def test_oauthapp_argon2_overrides_the_setting_key_by_key() -> None:
    cost = PasswordHashSettings(time_cost=1, memory_cost=32, parallelism=1)
    with hasher_app(cost, {"memory_cost": 8}).app_context():
        assert hash_password(PASSWORD).startswith("$argon2id$v=19$m=8,t=1,p=1$")


def test_the_dummy_hash_uses_the_current_parameters() -> None:
    with hasher_app(PasswordHashSettings(time_cost=1, memory_cost=24, parallelism=1)).app_context():
        assert verify_password(None, PASSWORD) is False
        assert passwords._dummy_hash().startswith("$argon2id$v=19$m=24,t=1,p=1$")


def test_a_hash_with_other_parameters_needs_rehash(stored: str) -> None:
    other = PasswordHasher(time_cost=2, memory_cost=8, parallelism=1).hash(PASSWORD)
    assert needs_rehash(other) is True
    assert needs_rehash(stored) is False


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
