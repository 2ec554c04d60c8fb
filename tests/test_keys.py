"""Signing keys: generation, checks, the back-office status, JWKs and the per-process key ring."""

from __future__ import annotations

import base64
import hashlib
import os
import stat
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa, x25519
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from flask import Flask

from oauthapp.keys import (
    KEY_MODE_WARNING,
    KEYS_MISSING_WARNING,
    KeyFileError,
    Keys,
    check_keys,
    generate_keys,
    keys,
    public_jwk,
)

# SPEC §5, word for word: the back-office shows exactly this.
SPEC_KEYS_WARNING = (
    "OAuth authorization is not available as encryption keys configuration was not complete. "
    "Please contact your administrator."
)

# RFC 7638 §3.1: the example RSA key and its thumbprint.
RFC7638_N = (
    "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECP"
    "ebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY"
    "368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0f"
    "M4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
)
RFC7638_E = "AQAB"
RFC7638_THUMBPRINT = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


def b64_to_int(value: str) -> int:
    return int.from_bytes(b64_decode(value), "big")


def b64_decode(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def write_private(path: Path, key: PrivateKeyTypes) -> None:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    path.chmod(0o600)


def write_public(path: Path, key: PrivateKeyTypes) -> None:
    path.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )


@pytest.fixture
def paths(tmp_path: Path) -> tuple[Path, Path]:
    return tmp_path / "private.key", tmp_path / "public.key"


@pytest.fixture
def rsa_pair(paths: tuple[Path, Path]) -> tuple[Path, Path]:
    assert generate_keys(*paths, "RS256") is True
    return paths


@pytest.fixture
def restore_umask() -> Iterator[None]:
    previous = os.umask(0o022)
    os.umask(previous)
    yield
    os.umask(previous)


# generate_keys


def test_generate_keys_rs256_writes_an_rsa_2048_key_pair(paths: tuple[Path, Path]) -> None:
    private, public = paths
    assert generate_keys(private, public, "RS256") is True
    key = serialization.load_pem_private_key(private.read_bytes(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    assert key.key_size == 2048
    assert key.public_key().public_numbers().e == 65537
    public_key = serialization.load_pem_public_key(public.read_bytes())
    assert public_key == key.public_key()


def test_generate_keys_es256_writes_a_p256_key_pair(paths: tuple[Path, Path]) -> None:
    private, public = paths
    assert generate_keys(private, public, "ES256") is True
    key = serialization.load_pem_private_key(private.read_bytes(), password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    assert isinstance(key.curve, ec.SECP256R1)
    assert serialization.load_pem_public_key(public.read_bytes()) == key.public_key()


def test_generate_keys_eddsa_writes_an_ed25519_key_pair(paths: tuple[Path, Path]) -> None:
    private, public = paths
    assert generate_keys(private, public, "EdDSA") is True
    key = serialization.load_pem_private_key(private.read_bytes(), password=None)
    assert isinstance(key, ed25519.Ed25519PrivateKey)
    assert serialization.load_pem_public_key(public.read_bytes()) == key.public_key()


@pytest.mark.parametrize("algorithm", ["RS256", "ES256", "EdDSA"])
def test_generated_keys_pass_check_keys(paths: tuple[Path, Path], algorithm: str) -> None:
    generate_keys(*paths, algorithm)
    status = check_keys(*paths, algorithm)
    assert status.ok
    assert status.problems == ()
    assert status.warnings == []


def test_generated_private_key_is_mode_0600(rsa_pair: tuple[Path, Path]) -> None:
    assert mode(rsa_pair[0]) == 0o600


def test_generated_public_key_is_mode_0644(rsa_pair: tuple[Path, Path]) -> None:
    assert mode(rsa_pair[1]) == 0o644


def test_generated_modes_do_not_depend_on_the_umask(
    paths: tuple[Path, Path], restore_umask: None
) -> None:
    os.umask(0o077)
    generate_keys(*paths, "RS256")
    assert mode(paths[0]) == 0o600
    assert mode(paths[1]) == 0o644


def test_generate_keys_creates_missing_parent_directories(tmp_path: Path) -> None:
    private = tmp_path / "a" / "private.key"
    public = tmp_path / "b" / "c" / "public.key"
    assert generate_keys(private, public, "RS256") is True
    assert private.is_file()
    assert public.is_file()


def test_second_generate_keys_returns_false_and_changes_nothing(
    rsa_pair: tuple[Path, Path],
) -> None:
    before = [(path.read_bytes(), path.stat().st_mtime_ns) for path in rsa_pair]
    assert generate_keys(*rsa_pair, "RS256") is False
    after = [(path.read_bytes(), path.stat().st_mtime_ns) for path in rsa_pair]
    assert after == before


def test_only_private_key_present_raises_and_writes_nothing(paths: tuple[Path, Path]) -> None:
    private, public = paths
    private.write_bytes(b"existing private")
    os.utime(private, (time.time() - 3600, time.time() - 3600))  # left behind, not being written
    with pytest.raises(KeyFileError, match="Only one key file exists"):
        generate_keys(private, public, "RS256")
    assert not public.exists()
    assert private.read_bytes() == b"existing private"


def test_only_public_key_present_raises_and_writes_nothing(paths: tuple[Path, Path]) -> None:
    private, public = paths
    public.write_bytes(b"existing public")
    with pytest.raises(KeyFileError, match="Only one key file exists"):
        generate_keys(private, public, "RS256")
    assert not private.exists()
    assert public.read_bytes() == b"existing public"


# check_keys


def test_check_keys_ok_for_a_valid_pair(rsa_pair: tuple[Path, Path]) -> None:
    status = check_keys(*rsa_pair, "RS256")
    assert status.available
    assert status.mode_ok
    assert status.ok


def test_check_keys_reports_a_missing_private_key(rsa_pair: tuple[Path, Path]) -> None:
    private, public = rsa_pair
    private.unlink()
    status = check_keys(private, public, "RS256")
    assert not status.available
    assert status.problems == (f"The private key file {private} does not exist.",)


def test_check_keys_reports_a_missing_public_key(rsa_pair: tuple[Path, Path]) -> None:
    private, public = rsa_pair
    public.unlink()
    status = check_keys(private, public, "RS256")
    assert not status.available
    assert status.problems == (f"The public key file {public} does not exist.",)


def test_check_keys_reports_both_keys_missing(paths: tuple[Path, Path]) -> None:
    status = check_keys(*paths, "RS256")
    assert len(status.problems) == 2
    assert all("does not exist" in problem for problem in status.problems)


def test_check_keys_reports_a_directory_in_place_of_the_private_key(
    paths: tuple[Path, Path],
) -> None:
    private, public = paths
    private.mkdir()
    write_public(public, rsa.generate_private_key(public_exponent=65537, key_size=2048))
    status = check_keys(private, public, "RS256")
    assert not status.available
    assert status.problems == (f"The private key file {private} cannot be read.",)


def test_check_keys_reports_a_directory_in_place_of_the_public_key(
    rsa_pair: tuple[Path, Path],
) -> None:
    private, public = rsa_pair
    public.unlink()
    public.mkdir()
    status = check_keys(private, public, "RS256")
    assert not status.available
    assert status.problems == (f"The public key file {public} cannot be read.",)


def test_check_keys_reports_a_garbage_private_key(rsa_pair: tuple[Path, Path]) -> None:
    private, public = rsa_pair
    private.write_bytes(b"this is not a PEM key\n")
    status = check_keys(private, public, "RS256")
    assert not status.available
    assert len(status.problems) == 1
    assert "cannot be loaded" in status.problems[0]


def test_check_keys_reports_a_garbage_public_key(rsa_pair: tuple[Path, Path]) -> None:
    private, public = rsa_pair
    public.write_bytes(b"-----BEGIN PUBLIC KEY-----\ngarbage\n-----END PUBLIC KEY-----\n")
    status = check_keys(private, public, "RS256")
    assert not status.available
    assert "cannot be loaded" in status.problems[0]


def test_check_keys_reports_a_public_key_of_another_pair(rsa_pair: tuple[Path, Path]) -> None:
    private, public = rsa_pair
    write_public(public, rsa.generate_private_key(public_exponent=65537, key_size=2048))
    status = check_keys(private, public, "RS256")
    assert not status.available
    assert status.problems == (f"The public key {public} does not belong to the private key.",)


def test_check_keys_reports_an_rsa_key_when_es256_is_configured(
    rsa_pair: tuple[Path, Path],
) -> None:
    status = check_keys(*rsa_pair, "ES256")
    assert not status.available
    assert status.problems == (f"The private key {rsa_pair[0]} is not a key for ES256.",)


def test_check_keys_reports_an_ec_key_when_eddsa_is_configured(paths: tuple[Path, Path]) -> None:
    generate_keys(*paths, "ES256")
    status = check_keys(*paths, "EdDSA")
    assert not status.available
    assert "is not a key for EdDSA" in status.problems[0]


def test_check_keys_reports_an_rsa_key_shorter_than_2048_bits(paths: tuple[Path, Path]) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505 (the point of the test)
    write_private(paths[0], key)
    write_public(paths[1], key)
    status = check_keys(*paths, "RS256")
    assert not status.available
    assert "is not a key for RS256" in status.problems[0]


def test_private_key_mode_0644_is_available_with_a_mode_warning(
    rsa_pair: tuple[Path, Path],
) -> None:
    rsa_pair[0].chmod(0o644)
    status = check_keys(*rsa_pair, "RS256")
    assert status.available
    assert status.mode_ok is False
    assert status.ok is False
    assert status.warnings == [KEY_MODE_WARNING]


def test_missing_keys_give_exactly_the_spec_warning(paths: tuple[Path, Path]) -> None:
    status = check_keys(*paths, "RS256")
    assert KEYS_MISSING_WARNING == SPEC_KEYS_WARNING
    assert status.warnings == [SPEC_KEYS_WARNING]


def test_unreadable_keys_with_a_wide_mode_give_both_warnings(
    rsa_pair: tuple[Path, Path],
) -> None:
    private, public = rsa_pair
    private.chmod(0o644)
    public.unlink()
    status = check_keys(private, public, "RS256")
    assert status.warnings == [SPEC_KEYS_WARNING, KEY_MODE_WARNING]


# public_jwk


def test_rsa_jwk_kid_is_the_rfc7638_example_thumbprint() -> None:
    key = rsa.RSAPublicNumbers(b64_to_int(RFC7638_E), b64_to_int(RFC7638_N)).public_key()
    jwk = public_jwk(key, "RS256")
    assert jwk["kid"] == RFC7638_THUMBPRINT
    assert jwk["n"] == RFC7638_N
    assert jwk["e"] == RFC7638_E
    assert jwk["kty"] == "RSA"


def test_jwk_carries_kid_use_and_alg() -> None:
    key = rsa.RSAPublicNumbers(b64_to_int(RFC7638_E), b64_to_int(RFC7638_N)).public_key()
    jwk = public_jwk(key, "RS256")
    assert jwk["use"] == "sig"
    assert jwk["alg"] == "RS256"
    assert jwk["kid"]


def test_ec_jwk_has_crv_x_and_y() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    jwk = public_jwk(key.public_key(), "ES256")
    assert jwk["kty"] == "EC"
    assert jwk["crv"] == "P-256"
    assert jwk["alg"] == "ES256"
    numbers = key.public_key().public_numbers()
    assert b64_decode(jwk["x"]) == numbers.x.to_bytes(32, "big")
    assert b64_decode(jwk["y"]) == numbers.y.to_bytes(32, "big")


def test_okp_jwk_has_crv_and_x_without_y() -> None:
    key = ed25519.Ed25519PrivateKey.generate().public_key()
    jwk = public_jwk(key, "EdDSA")
    assert jwk["kty"] == "OKP"
    assert jwk["crv"] == "Ed25519"
    assert jwk["alg"] == "EdDSA"
    assert "y" not in jwk
    assert b64_decode(jwk["x"]) == key.public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )


def thumbprint(canonical: str) -> str:
    """RFC 7638 §3: base64url(SHA-256(required members, sorted, no whitespace))."""
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def test_ec_jwk_kid_is_its_rfc7638_thumbprint() -> None:
    jwk = public_jwk(ec.generate_private_key(ec.SECP256R1()).public_key(), "ES256")
    canonical = f'{{"crv":"P-256","kty":"EC","x":"{jwk["x"]}","y":"{jwk["y"]}"}}'
    assert jwk["kid"] == thumbprint(canonical)


def test_okp_jwk_kid_is_its_rfc7638_thumbprint() -> None:
    jwk = public_jwk(ed25519.Ed25519PrivateKey.generate().public_key(), "EdDSA")
    canonical = f'{{"crv":"Ed25519","kty":"OKP","x":"{jwk["x"]}"}}'
    assert jwk["kid"] == thumbprint(canonical)


def test_public_jwk_refuses_an_unsupported_key_type() -> None:
    with pytest.raises(KeyFileError):
        public_jwk(x25519.X25519PrivateKey.generate().public_key(), "EdDSA")


# Keys


def test_ring_is_loaded_once_and_reused(rsa_pair: tuple[Path, Path]) -> None:
    keyset = Keys(*rsa_pair, "RS256")
    assert keyset.ring() is keyset.ring()


def test_a_ring_whose_files_were_deleted_is_no_longer_served(rsa_pair: tuple[Path, Path]) -> None:
    keyset = Keys(*rsa_pair, "RS256")
    keyset.ring()
    for path in rsa_pair:
        path.unlink()
    with pytest.raises(KeyFileError):
        keyset.ring()  # not a key nobody can verify any more: the endpoints answer 503


def test_ring_exposes_the_algorithm_kid_and_jwk(rsa_pair: tuple[Path, Path]) -> None:
    ring = Keys(*rsa_pair, "RS256").ring()
    assert ring.algorithm == "RS256"
    assert ring.kid == ring.jwk["kid"]
    assert ring.public_key == ring.private_key.public_key()


def test_forget_makes_the_ring_reload_the_files(rsa_pair: tuple[Path, Path]) -> None:
    keyset = Keys(*rsa_pair, "RS256")
    first = keyset.ring()
    for path in rsa_pair:
        path.unlink()
    generate_keys(*rsa_pair, "RS256")
    keyset.forget()
    second = keyset.ring()
    assert second is not first
    assert second.kid != first.kid


def test_ring_raises_key_file_error_when_files_are_missing(paths: tuple[Path, Path]) -> None:
    with pytest.raises(KeyFileError):
        Keys(*paths, "RS256").ring()


def test_status_reflects_the_files_on_each_call(rsa_pair: tuple[Path, Path]) -> None:
    keyset = Keys(*rsa_pair, "RS256")
    assert keyset.status().ok
    rsa_pair[1].unlink()
    assert not keyset.status().available
    rsa_pair[0].unlink()
    generate_keys(*rsa_pair, "RS256")
    assert keyset.status().ok
    rsa_pair[0].chmod(0o640)
    assert keyset.status().warnings == [KEY_MODE_WARNING]


def test_app_keys_use_the_configured_files(ctx: Flask, key_pair: tuple[Path, Path]) -> None:
    configured = keys()
    assert configured.private_path == key_pair[0]
    assert configured.public_path == key_pair[1]
    assert configured.algorithm == "RS256"
    assert configured.status().ok


def test_the_key_status_notices_a_mode_change_after_it_was_asked(
    rsa_pair: tuple[Path, Path],
) -> None:
    status_of = Keys(*rsa_pair, "RS256")
    assert status_of.status().ok
    rsa_pair[0].chmod(0o644)
    assert status_of.status().warnings == [KEY_MODE_WARNING]


def test_the_key_status_notices_a_key_file_removed_after_it_was_asked(
    rsa_pair: tuple[Path, Path],
) -> None:
    status_of = Keys(*rsa_pair, "RS256")
    assert status_of.status().available
    rsa_pair[1].unlink()
    assert not status_of.status().available


def test_the_key_status_notices_a_key_file_replaced_after_it_was_asked(
    rsa_pair: tuple[Path, Path],
) -> None:
    status_of = Keys(*rsa_pair, "RS256")
    assert status_of.status().available
    rsa_pair[1].write_text("not a key\n")
    assert not status_of.status().available
