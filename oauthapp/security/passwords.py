"""User passwords: argon2id hashes, verified in constant time."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import Flask, current_app

from oauthapp.settings import PasswordHashSettings

MIN_PASSWORD_LENGTH = 8
_EXTENSION = "oauthapp.password_hasher"


def init_app(app: Flask, cost: PasswordHashSettings) -> None:
    """Build the hasher from security.password_hash; OAUTHAPP_ARGON2 overrides (cheap tests)."""
    params: dict[str, Any] = {**asdict(cost), **(app.config.get("OAUTHAPP_ARGON2") or {})}
    app.extensions[_EXTENSION] = PasswordHasher(**params)


def _dummy_hash() -> str:
    """A hash to verify against when there is no account, so that an unknown username takes as
    long as a known one. Made at the first such login rather than at start-up, where it would
    cost every process (each CLI command, each server worker) one full argon2 hash."""
    dummy: str | None = current_app.extensions.get(_EXTENSION + ".dummy")
    if dummy is None:
        dummy = _hasher().hash("not a real password")
        current_app.extensions[_EXTENSION + ".dummy"] = dummy
    return dummy


def _hasher() -> PasswordHasher:
    hasher: PasswordHasher = current_app.extensions[_EXTENSION]
    return hasher


def check_password_policy(password: str) -> str | None:
    """The reason a new password is refused, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Password must have at least {MIN_PASSWORD_LENGTH} characters."
    if "\x00" in password:
        return "Password must not contain NUL characters."
    try:
        password.encode("utf-8")
    except UnicodeEncodeError:
        return "Password must be valid Unicode text."
    return None


def hash_password(password: str) -> str:
    """An argon2id hash of the password."""
    return _hasher().hash(password)


def needs_rehash(password_hash: str) -> bool:
    """Whether a hash was made with other parameters than the configured ones."""
    try:
        return _hasher().check_needs_rehash(password_hash)
    except ValueError:  # a hash argon2 verifies but cannot parse parameters from
        return False


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether the password matches; an absent hash costs the same time and fails."""
    hasher = _hasher()
    stored = password_hash or _dummy_hash()
    try:
        matched = hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError, UnicodeEncodeError):
        return False
    return bool(matched) and bool(password_hash)
