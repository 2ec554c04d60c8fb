"""`flask oauth generate-keys` and `flask oauth check-keys` on fresh key paths."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from flask.testing import FlaskCliRunner

from oauthapp.keys import generate_keys
from tests.cli.helpers import invoke
from tests.conftest import AppFactory


@dataclass(frozen=True)
class KeyPaths:
    private: Path
    public: Path
    cli: FlaskCliRunner


def key_paths(make_app: AppFactory, folder: Path, algorithm: str = "RS256") -> KeyPaths:
    private, public = folder / "k" / "private.key", folder / "k" / "public.key"
    app = make_app(
        oauth2_server={
            "authorization_server": {"private_key": str(private), "signing_algorithm": algorithm},
            "resource_server": {"public_key": str(public)},
        }
    )
    return KeyPaths(private, public, app.test_cli_runner())


@pytest.fixture
def keys(make_app: AppFactory, tmp_path: Path) -> KeyPaths:
    """An app whose key files do not exist yet."""
    return key_paths(make_app, tmp_path)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def snapshot(*paths: Path) -> list[tuple[bytes, int, int] | None]:
    """Content, mtime and mode of each file (None if absent)."""
    return [
        (path.read_bytes(), path.stat().st_mtime_ns, mode(path)) if path.exists() else None
        for path in paths
    ]


# --- generate-keys -------------------------------------------------------------------------


def test_generate_writes_both_keys(keys: KeyPaths) -> None:
    result = invoke(keys.cli, "oauth", "generate-keys")
    assert result.exit_code == 0, result.output
    assert f"Wrote RS256 private key {keys.private} (mode 0600)" in result.output
    assert str(keys.public) in result.output
    assert keys.private.is_file() and keys.public.is_file()


def test_generate_writes_the_private_key_with_mode_0600(keys: KeyPaths) -> None:
    assert invoke(keys.cli, "oauth", "generate-keys").exit_code == 0
    assert mode(keys.private) == 0o600


def test_generate_writes_a_2048_bit_rsa_pair(keys: KeyPaths) -> None:
    assert invoke(keys.cli, "oauth", "generate-keys").exit_code == 0
    private = serialization.load_pem_private_key(keys.private.read_bytes(), password=None)
    public = serialization.load_pem_public_key(keys.public.read_bytes())
    assert isinstance(private, rsa.RSAPrivateKey)
    assert private.key_size == 2048
    assert private.public_key().public_numbers() == public.public_numbers()  # type: ignore[union-attr]


def test_generate_keeps_the_private_key_at_0600_under_a_permissive_umask(
    keys: KeyPaths,
) -> None:
    previous = os.umask(0)
    try:
        assert invoke(keys.cli, "oauth", "generate-keys").exit_code == 0
    finally:
        os.umask(previous)
    assert mode(keys.private) == 0o600


def test_a_second_generate_says_the_keys_exist_and_changes_nothing(keys: KeyPaths) -> None:
    assert invoke(keys.cli, "oauth", "generate-keys").exit_code == 0
    before = snapshot(keys.private, keys.public)
    result = invoke(keys.cli, "oauth", "generate-keys")
    assert result.exit_code == 0, result.output
    assert "already exist" in result.output
    assert "nothing was changed" in result.output
    assert snapshot(keys.private, keys.public) == before


@pytest.mark.parametrize("present", ["private", "public"])
def test_generate_with_only_one_key_file_fails_and_changes_nothing(
    keys: KeyPaths, present: str
) -> None:
    existing = keys.private if present == "private" else keys.public
    existing.parent.mkdir(parents=True)
    existing.write_bytes(b"whatever was there\n")
    existing.chmod(0o640)
    before = snapshot(keys.private, keys.public)
    result = invoke(keys.cli, "oauth", "generate-keys")
    assert result.exit_code == 1
    assert f"Error: Only one key file exists ({existing})" in result.output
    assert snapshot(keys.private, keys.public) == before


# --- check-keys ----------------------------------------------------------------------------


def test_check_passes_after_generate(keys: KeyPaths) -> None:
    assert invoke(keys.cli, "oauth", "generate-keys").exit_code == 0
    result = invoke(keys.cli, "oauth", "check-keys")
    assert result.exit_code == 0, result.output
    assert result.output == "Keys are in place.\n"


def test_check_fails_when_both_keys_are_missing(keys: KeyPaths) -> None:
    result = invoke(keys.cli, "oauth", "check-keys")
    assert result.exit_code == 1
    assert f"The private key file {keys.private} does not exist." in result.stderr
    assert f"The public key file {keys.public} does not exist." in result.stderr


def test_check_fails_when_the_public_key_is_missing(keys: KeyPaths) -> None:
    assert invoke(keys.cli, "oauth", "generate-keys").exit_code == 0
    keys.public.unlink()
    result = invoke(keys.cli, "oauth", "check-keys")
    assert result.exit_code == 1
    assert f"The public key file {keys.public} does not exist." in result.stderr
    assert "private key file" not in result.output


def test_check_fails_when_the_private_key_mode_is_0644(keys: KeyPaths) -> None:
    assert invoke(keys.cli, "oauth", "generate-keys").exit_code == 0
    keys.private.chmod(0o644)
    result = invoke(keys.cli, "oauth", "check-keys")
    assert result.exit_code == 1
    assert f"The private key {keys.private} must have mode 0600" in result.stderr
    assert "Keys are in place" not in result.output


def test_check_fails_when_the_private_key_is_garbage(keys: KeyPaths) -> None:
    assert invoke(keys.cli, "oauth", "generate-keys").exit_code == 0
    keys.private.write_bytes(b"this is not a PEM key\n")
    assert mode(keys.private) == 0o600
    result = invoke(keys.cli, "oauth", "check-keys")
    assert result.exit_code == 1
    assert "The key files cannot be loaded" in result.stderr


def test_check_fails_when_the_public_key_is_garbage(keys: KeyPaths) -> None:
    assert invoke(keys.cli, "oauth", "generate-keys").exit_code == 0
    keys.public.write_bytes(b"-----BEGIN PUBLIC KEY-----\nnonsense\n-----END PUBLIC KEY-----\n")
    result = invoke(keys.cli, "oauth", "check-keys")
    assert result.exit_code == 1
    assert "The key files cannot be loaded" in result.stderr


def test_check_fails_when_the_public_key_belongs_to_another_pair(
    keys: KeyPaths, tmp_path: Path
) -> None:
    assert invoke(keys.cli, "oauth", "generate-keys").exit_code == 0
    other_private, other_public = tmp_path / "other.key", tmp_path / "other.pub"
    generate_keys(other_private, other_public, "RS256")
    keys.public.write_bytes(other_public.read_bytes())
    result = invoke(keys.cli, "oauth", "check-keys")
    assert result.exit_code == 1
    assert f"The public key {keys.public} does not belong to the private key." in result.stderr


# --- other algorithms ----------------------------------------------------------------------

KEY_TYPES: dict[str, Callable[[object], bool]] = {
    "ES256": lambda key: (
        isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(key.curve, ec.SECP256R1)
    ),
    "EdDSA": lambda key: isinstance(key, ed25519.Ed25519PrivateKey),
}


@pytest.mark.parametrize("algorithm", sorted(KEY_TYPES))
def test_generate_writes_a_key_for_the_configured_algorithm(
    make_app: AppFactory, tmp_path: Path, algorithm: str
) -> None:
    keys = key_paths(make_app, tmp_path, algorithm)
    result = invoke(keys.cli, "oauth", "generate-keys")
    assert result.exit_code == 0, result.output
    assert f"Wrote {algorithm} private key" in result.output
    assert mode(keys.private) == 0o600
    private = serialization.load_pem_private_key(keys.private.read_bytes(), password=None)
    assert KEY_TYPES[algorithm](private)


@pytest.mark.parametrize("algorithm", sorted(KEY_TYPES))
def test_check_passes_for_keys_of_the_configured_algorithm(
    make_app: AppFactory, tmp_path: Path, algorithm: str
) -> None:
    keys = key_paths(make_app, tmp_path, algorithm)
    assert invoke(keys.cli, "oauth", "generate-keys").exit_code == 0
    result = invoke(keys.cli, "oauth", "check-keys")
    assert result.exit_code == 0, result.output
    assert "Keys are in place." in result.output


@pytest.mark.parametrize("algorithm", sorted(KEY_TYPES))
def test_check_fails_for_an_rsa_key_under_another_algorithm(
    make_app: AppFactory, tmp_path: Path, algorithm: str
) -> None:
    keys = key_paths(make_app, tmp_path, algorithm)
    generate_keys(keys.private, keys.public, "RS256")
    result = invoke(keys.cli, "oauth", "check-keys")
    assert result.exit_code == 1
    assert f"The private key {keys.private} is not a key for {algorithm}." in result.stderr
