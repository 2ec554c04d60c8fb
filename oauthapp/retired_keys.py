"""Key rotation: a new signing key at once, the previous public key kept while its tokens live.

Retired public keys are files in a folder beside the public key
(`var/oauth_public.key.retired/<until>.<kid>.pem`): every process that shares the key files sees
them, the JWKS publishes them, and tokens they signed verify until `until` (a Unix time) has
passed. `oauth cleanup` deletes them after that.
"""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes

from oauthapp.keys import KeyFileError, generate_private_key, load_keyring, pem_pair, public_jwk

KEEP_EXTRA = 60  # seconds beyond the access token lifetime, for clock skew


@dataclass(frozen=True)
class RetiredKey:
    kid: str
    algorithm: str
    public_key: PublicKeyTypes
    until: int
    jwk: dict[str, str] = field(repr=False)

    def in_use(self, now: float | None = None) -> bool:
        return (time.time() if now is None else now) < self.until


@dataclass(frozen=True)
class Rotation:
    old_kid: str
    new_kid: str
    until: int


def retired_folder(public_path: Path) -> Path:
    return public_path.with_name(public_path.name + ".retired")


def algorithm_of(key: PublicKeyTypes) -> str:
    if isinstance(key, ec.EllipticCurvePublicKey):
        return "ES256"
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "EdDSA"
    if isinstance(key, rsa.RSAPublicKey):
        return "RS256"
    raise KeyFileError("Unsupported public key type.")


def load_retired(public_path: Path) -> tuple[RetiredKey, ...]:
    """The retired keys still in use; unreadable files are skipped (they verify nothing)."""
    folder = retired_folder(public_path)
    found = []
    for path in sorted(folder.glob("*.pem")) if folder.is_dir() else []:
        until_text, _, _ = path.name.partition(".")
        try:
            key = serialization.load_pem_public_key(path.read_bytes())
            until, algorithm = int(until_text), algorithm_of(key)
        except (OSError, ValueError, TypeError, KeyFileError):
            continue
        jwk = public_jwk(key, algorithm)
        retired = RetiredKey(jwk["kid"], algorithm, key, until, jwk)
        if retired.in_use():
            found.append(retired)
    return tuple(found)


def rotate_keys(private_path: Path, public_path: Path, algorithm: str, keep_for: int) -> Rotation:
    """Replace the key pair with a new one; keep the old public key for KEEP_FOR seconds more."""
    current = load_keyring(private_path, public_path, algorithm)
    until = int(time.time()) + keep_for + KEEP_EXTRA
    public_pem = public_path.read_bytes()
    folder = retired_folder(public_path)
    folder.mkdir(mode=0o755, exist_ok=True)
    _replace(folder / f"{until}.{current.kid}.pem", public_pem, 0o644)
    key = generate_private_key(algorithm)
    private_pem, new_public = pem_pair(key)
    _replace(private_path, private_pem, 0o600)
    _replace(public_path, new_public, 0o644)
    return Rotation(current.kid, public_jwk(key.public_key(), algorithm)["kid"], until)


def _replace(path: Path, content: bytes, mode: int) -> None:
    """Write beside PATH, then rename over it: a reader sees the old file or the new one."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def delete_retired(public_path: Path, now: float | None = None) -> int:
    """Delete retired keys whose tokens have all expired; returns how many."""
    folder = retired_folder(public_path)
    moment = time.time() if now is None else now
    deleted = 0
    for path in folder.glob("*.pem") if folder.is_dir() else []:
        until_text, _, _ = path.name.partition(".")
        if until_text.isdigit() and int(until_text) <= moment:
            path.unlink(missing_ok=True)
            deleted += 1
    return deleted
