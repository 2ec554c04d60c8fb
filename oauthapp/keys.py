"""Signing keys: generation, checks, a status for the back-office, and a per-process key ring."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import stat
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes, PublicKeyTypes
from flask import Flask, current_app, has_app_context, has_request_context, request

from oauthapp.files import create_once

if TYPE_CHECKING:
    from oauthapp.retired_keys import RetiredKey

KEYS_MISSING_WARNING = (
    "OAuth authorization is not available as encryption keys configuration was not complete. "
    "Please contact your administrator."
)
KEY_MODE_WARNING = (
    "The OAuth private key file is readable by other users of the server: "
    "its permissions should be 0600."
)
_EXTENSION = "oauthapp.keys"
_REQUEST_RING = "oauthapp.key_ring"  # the keys one request uses, in its WSGI environ
CHECK_INTERVAL = 0.5  # seconds between looks at the key files' state, at most (SPEC §9: 1 s)
# How long generate_keys waits for the public half of a pair another process is writing.
PAIR_WAIT = 2.0


class KeyFileError(Exception):
    """The key files are missing, unreadable or unusable."""


@dataclass(frozen=True)
class KeyStatus:
    """What an operator or the back-office needs to know about the key files."""

    problems: tuple[str, ...] = ()
    mode_ok: bool = True

    @property
    def available(self) -> bool:
        return not self.problems

    @property
    def ok(self) -> bool:
        return self.available and self.mode_ok

    @property
    def warnings(self) -> list[str]:
        """The warnings shown on back-office pages."""
        messages = [] if self.available else [KEYS_MISSING_WARNING]
        if not self.mode_ok:
            messages.append(KEY_MODE_WARNING)
        return messages


@dataclass(frozen=True)
class KeyRing:
    """The loaded key pair, and retired public keys still in use: what tokens need."""

    algorithm: str
    kid: str
    private_key: PrivateKeyTypes
    public_key: PublicKeyTypes
    jwk: dict[str, str] = field(repr=False)
    retired: tuple[RetiredKey, ...] = ()

    def verification_key(self, kid: object) -> tuple[PublicKeyTypes, str] | None:
        """The public key and algorithm for a token's kid, if it is one this server signs with."""
        if kid == self.kid:
            return self.public_key, self.algorithm
        for old in self.retired:
            if old.kid == kid and old.in_use():
                return old.public_key, old.algorithm
        return None

    def jwks(self) -> list[dict[str, str]]:
        """The current public key, then the retired ones still in use."""
        return [dict(self.jwk)] + [dict(old.jwk) for old in self.retired if old.in_use()]


def generate_private_key(algorithm: str) -> PrivateKeyTypes:
    """A new private key for the signing algorithm: RSA 2048, P-256 or Ed25519."""
    if algorithm == "ES256":
        return ec.generate_private_key(ec.SECP256R1())
    if algorithm == "EdDSA":
        return ed25519.Ed25519PrivateKey.generate()
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def generate_keys(private_path: Path, public_path: Path, algorithm: str) -> bool:
    """Write a new key pair if neither file exists; True if written, False if both existed.

    Safe when several processes start together: each file appears whole (written beside it,
    then linked into place), the private key first, and only the process whose private key
    got there writes the public key. The others wait for that pair and leave it as it is.
    """
    existing = _existing(private_path, public_path)
    if len(existing) == 1:
        raise KeyFileError(f"Only one key file exists ({existing[0]}); nothing was changed.")
    if existing:
        return False
    private_pem, public_pem = pem_pair(generate_private_key(algorithm))
    if not create_once(private_path, private_pem, 0o600):
        _wait_for(public_path)  # another process got there first; its public key follows
        if not public_path.exists():
            raise KeyFileError(f"Only one key file exists ({private_path}); nothing was changed.")
        return False
    if not create_once(public_path, public_pem, 0o644):
        raise KeyFileError(
            f"The public key file {public_path} appeared while the private key was written; "
            "it may not belong to it (see `oauth check-keys`)."
        )
    return True


def _existing(private_path: Path, public_path: Path) -> list[Path]:
    """The key files that exist, once a pair another process is writing has had time to land.

    A lone private key younger than PAIR_WAIT may be such a pair's first half.
    """
    try:
        age = time.time() - private_path.stat().st_mtime
    except OSError:
        age = float("inf")
    if age < PAIR_WAIT and not public_path.exists():
        _wait_for(public_path)
    return [path for path in (private_path, public_path) if path.exists()]


def _wait_for(path: Path) -> None:
    """Look for PATH every few milliseconds, for PAIR_WAIT seconds at most."""
    deadline = time.monotonic() + PAIR_WAIT
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.01)


def pem_pair(key: PrivateKeyTypes) -> tuple[bytes, bytes]:
    """The private key (PKCS#8) and its public key (SubjectPublicKeyInfo), as PEM."""
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private_pem, public_pem


def check_keys(private_path: Path, public_path: Path, algorithm: str) -> KeyStatus:
    """Every problem with the key files, in the words an operator needs."""
    problems: list[str] = []
    mode_ok = True
    for label, path in (("private", private_path), ("public", public_path)):
        if not path.exists():
            problems.append(f"The {label} key file {path} does not exist.")
        elif not os.access(path, os.R_OK) or not path.is_file():
            problems.append(f"The {label} key file {path} cannot be read.")
    if private_path.is_file():
        mode_ok = stat.S_IMODE(private_path.stat().st_mode) == 0o600
    if not problems:
        try:
            load_keyring(private_path, public_path, algorithm)
        except KeyFileError as exc:
            problems.append(str(exc))
    return KeyStatus(problems=tuple(problems), mode_ok=mode_ok)


def load_keyring(private_path: Path, public_path: Path, algorithm: str) -> KeyRing:
    """Parse both key files and check that they form a pair fit for the algorithm."""
    try:
        private_key = serialization.load_pem_private_key(private_path.read_bytes(), password=None)
        public_key = serialization.load_pem_public_key(public_path.read_bytes())
    except (OSError, ValueError, TypeError) as exc:
        raise KeyFileError(f"The key files cannot be loaded: {exc}") from exc
    if not _fits(private_key, algorithm):
        raise KeyFileError(f"The private key {private_path} is not a key for {algorithm}.")
    if _public_bytes(private_key.public_key()) != _public_bytes(public_key):
        raise KeyFileError(f"The public key {public_path} does not belong to the private key.")
    jwk = public_jwk(public_key, algorithm)
    return KeyRing(algorithm, jwk["kid"], private_key, public_key, jwk)


def _fits(key: PrivateKeyTypes, algorithm: str) -> bool:
    if algorithm == "ES256":
        return isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(key.curve, ec.SECP256R1)
    if algorithm == "EdDSA":
        return isinstance(key, ed25519.Ed25519PrivateKey)
    return isinstance(key, rsa.RSAPrivateKey) and key.key_size >= 2048


def _public_bytes(key: PublicKeyTypes) -> bytes:
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _int_b64(number: int) -> str:
    return _b64(number.to_bytes((number.bit_length() + 7) // 8 or 1, "big"))


def public_jwk(key: PublicKeyTypes, algorithm: str) -> dict[str, str]:
    """The public key as a JWK, with its RFC 7638 thumbprint as kid."""
    members: dict[str, str]
    if isinstance(key, rsa.RSAPublicKey):
        numbers = key.public_numbers()
        members = {"e": _int_b64(numbers.e), "kty": "RSA", "n": _int_b64(numbers.n)}
    elif isinstance(key, ec.EllipticCurvePublicKey):
        point = key.public_numbers()
        members = {"crv": "P-256", "kty": "EC", "x": _b64(point.x.to_bytes(32, "big")),
                   "y": _b64(point.y.to_bytes(32, "big"))}  # fmt: skip
    elif isinstance(key, ed25519.Ed25519PublicKey):
        raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        members = {"crv": "Ed25519", "kty": "OKP", "x": _b64(raw)}
    else:
        raise KeyFileError("Unsupported public key type.")
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True).encode()
    kid = _b64(hashlib.sha256(canonical).digest())
    return {**members, "kid": kid, "use": "sig", "alg": algorithm}


class Keys:
    """Per-process access to the key files: a cheap status, and keys loaded once."""

    def __init__(self, private_path: Path, public_path: Path, algorithm: str) -> None:
        self.private_path = private_path
        self.public_path = public_path
        self.algorithm = algorithm
        self._ring: tuple[Any, KeyRing] | None = None
        self._status: tuple[Any, KeyStatus] | None = None
        self._lock = threading.Lock()
        self._checked: tuple[float, Any] = (float("-inf"), None)  # when, under which generation

    def status(self) -> KeyStatus:
        """The current state of the files; parsed again only when a file has changed.

        Every back-office page asks, and parsing an RSA key costs tens of milliseconds.
        """
        fingerprint = (_file_state(self.private_path), _file_state(self.public_path))
        cached = self._status
        if cached is not None and cached[0] == fingerprint:
            return cached[1]
        status = check_keys(self.private_path, self.public_path, self.algorithm)
        self._status = (fingerprint, status)
        return status

    def ring(self) -> KeyRing:
        """The keys, parsed again only when a key file or the retired keys have changed.

        The files' state is looked at twice a second at most, and at once when the cache hears
        of a change (`oauth rotate-keys` announces one): a rotation in any process takes effect
        everywhere within a second, and a key file deleted under a running server is noticed
        (KeyFileError, a 503) instead of signing on with a key nobody can verify any more.
        Later calls in the same request get the same keys.
        """
        if has_request_context():
            found: KeyRing | None = request.environ.get(_REQUEST_RING)
            if found is not None:
                return found
            ring = self._current()
            request.environ[_REQUEST_RING] = ring
            return ring
        return self._current()

    def _current(self) -> KeyRing:
        cached = self._ring
        now, generation = time.monotonic(), _cache_generation()
        checked_at, checked_under = self._checked
        if (
            cached is not None
            and generation is not None
            and generation == checked_under
            and now - checked_at < CHECK_INTERVAL
        ):
            return cached[1]
        fingerprint = self._fingerprint()
        self._checked = (now, generation)
        if cached is not None and cached[0] == fingerprint:
            return cached[1]
        with self._lock:
            ring = self._load()
            self._ring = (fingerprint, ring)
        return ring

    def _fingerprint(self) -> tuple[Any, ...]:
        from oauthapp.retired_keys import retired_folder

        return (
            _file_state(self.private_path),
            _file_state(self.public_path),
            _file_state(retired_folder(self.public_path)),
        )

    def _load(self) -> KeyRing:
        from oauthapp.retired_keys import load_retired

        for attempt in range(3):
            try:
                ring = load_keyring(self.private_path, self.public_path, self.algorithm)
                break
            except KeyFileError:
                if attempt == 2:  # not a rotation caught between its two renames
                    raise
                time.sleep(0.02)
        return replace(ring, retired=load_retired(self.public_path))

    def forget(self) -> None:
        """Drop the loaded keys so the next use reads the files again."""
        self._ring = None
        self._checked = (float("-inf"), None)


def _cache_generation() -> int | None:
    """The change feed's generation (see oauthapp.cache), None when it cannot be trusted."""
    found = current_app.extensions.get("oauthapp.cache") if has_app_context() else None
    return None if found is None else found.current()


def _file_state(path: Path) -> tuple[int, ...] | None:
    """What changes when a file is replaced, edited, or has its mode changed; None if absent."""
    try:
        info = path.stat()
    except OSError:
        return None
    readable = os.access(path, os.R_OK)
    return (info.st_ino, info.st_mtime_ns, info.st_size, info.st_mode, info.st_uid, int(readable))


def init_app(app: Flask, private_path: Path, public_path: Path, algorithm: str) -> None:
    app.extensions[_EXTENSION] = Keys(private_path, public_path, algorithm)


def keys() -> Keys:
    """The current application's keys."""
    found: Keys = current_app.extensions[_EXTENSION]
    return found
