"""Processes starting together on a fresh folder: one secret key and one key pair, shared by all.

Each file appears whole or not at all (written beside it, then linked into place), so a process
never reads a half-written key, and of several processes creating one, exactly one does.
"""

from __future__ import annotations

import hashlib
import json
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from oauthapp import load_secret_key
from oauthapp.keys import PAIR_WAIT, KeyFileError, generate_keys, load_keyring
from oauthapp.settings import ROOT
from tests.e2e.concurrency_support import flask_together
from tests.server import CLI_TIMEOUT, flask_ok, server_environ, site_config

RACERS = 4

# One racer: wait for the start signal, then do what a starting process does, and report.
RACER = textwrap.dedent(
    """
    import hashlib, json, sys, time
    from pathlib import Path
    from oauthapp import load_secret_key
    from oauthapp.keys import generate_keys, load_keyring

    folder, algorithm, name = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
    (folder / f"ready-{name}").touch()
    go = folder / "go"
    deadline = time.monotonic() + 60
    while not go.exists() and time.monotonic() < deadline:
        time.sleep(0.001)
    secret = load_secret_key(folder / "keys" / "secret_key")
    private, public = folder / "keys" / "private.pem", folder / "keys" / "public.pem"
    wrote = generate_keys(private, public, algorithm)
    ring = load_keyring(private, public, algorithm)
    print(json.dumps({
        "secret": hashlib.sha256(secret.encode()).hexdigest(),
        "wrote": wrote,
        "kid": ring.kid,
    }))
    """
)


def start_racer(folder: Path, algorithm: str, number: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", RACER, str(folder), algorithm, str(number)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def race(folder: Path, algorithm: str) -> list[dict[str, object]]:
    """Start RACERS processes, let them go at one signal, and collect what each one saw."""
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", RACER, str(folder), algorithm, str(number)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for number in range(RACERS)
    ]
    try:
        deadline = time.monotonic() + CLI_TIMEOUT
        while len(list(folder.glob("ready-*"))) < RACERS:  # all imported, all waiting
            assert time.monotonic() < deadline, "the racers did not get ready"
            assert all(process.poll() is None for process in processes), [
                process.communicate() for process in processes if process.poll() is not None
            ]
            time.sleep(0.01)
        (folder / "go").touch()
        results = []
        for process in processes:
            stdout, stderr = process.communicate(timeout=CLI_TIMEOUT)
            assert process.returncode == 0, stderr
            results.append(json.loads(stdout))
        return results
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)


def leftovers(folder: Path) -> list[str]:
    """Anything in FOLDER besides the files it should hold: half-done temporary files."""
    return sorted(path.name for path in folder.iterdir() if path.name.startswith("."))


@pytest.mark.parametrize("algorithm", ["RS256", "ES256", "EdDSA"])
def test_processes_starting_at_once_end_with_one_secret_key_and_one_pair(
    tmp_path: Path, algorithm: str
) -> None:
    results = race(tmp_path, algorithm)

    keys = tmp_path / "keys"
    assert len({result["secret"] for result in results}) == 1, results
    assert len({result["kid"] for result in results}) == 1, results
    assert [result["wrote"] for result in results].count(True) == 1, results
    secret = load_secret_key(keys / "secret_key")
    assert hashlib.sha256(secret.encode()).hexdigest() == results[0]["secret"]
    assert (
        load_keyring(keys / "private.pem", keys / "public.pem", algorithm).kid == results[0]["kid"]
    )
    assert stat.S_IMODE((keys / "secret_key").stat().st_mode) == 0o600
    assert stat.S_IMODE((keys / "private.pem").stat().st_mode) == 0o600
    assert stat.S_IMODE((keys / "public.pem").stat().st_mode) == 0o644
    assert leftovers(keys) == []


def test_generate_keys_commands_started_together_write_one_valid_pair(tmp_path: Path) -> None:
    env = server_environ(site_config(tmp_path, "http://127.0.0.1:9"))

    results = flask_together(env, [("oauth", "generate-keys")] * RACERS)

    assert [result.returncode for result in results] == [0] * RACERS, [
        result.stderr for result in results
    ]
    outputs = [result.stdout for result in results]
    assert sum("Wrote RS256 private key" in output for output in outputs) == 1, outputs
    assert sum("nothing was changed" in output for output in outputs) == RACERS - 1, outputs
    flask_ok(env, "oauth", "check-keys")  # exits 0 only for a usable pair
    ring = load_keyring(tmp_path / "oauth_private.key", tmp_path / "oauth_public.key", "RS256")
    assert ring.kid
    assert len(load_secret_key(tmp_path / "secret_key")) == 64
    assert leftovers(tmp_path) == []


def test_a_fresh_private_key_alone_is_waited_for_then_refused(tmp_path: Path) -> None:
    """A private key just written, whose public key never comes: not another racer after all."""
    private, public = tmp_path / "private.pem", tmp_path / "public.pem"
    private.write_bytes(b"half a pair")
    started = time.monotonic()

    with pytest.raises(KeyFileError, match="Only one key file exists"):
        generate_keys(private, public, "ES256")

    assert time.monotonic() - started >= PAIR_WAIT  # it waited for the other half
    assert private.read_bytes() == b"half a pair" and not public.exists()
