"""Starting and stopping the servers under test: gunicorn with the repository's config, and
the oidc-provider peer under Node's cluster."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 60.0
PEER = ROOT / "bench" / "peer" / "server.mjs"


@contextmanager
def gunicorn(
    application: str, port: int, workers: int, env: dict[str, str], log: Path, probe: str
) -> Iterator[int]:
    """Serve APPLICATION (module:variable) on PORT until the block ends; yield the master pid."""
    command = [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
               "-w", str(workers), "-b", f"127.0.0.1:{port}", application]  # fmt: skip
    with _serve("gunicorn", command, port, workers, env, log, probe) as master:
        yield master


def peer_missing() -> str | None:
    """Why the oidc-provider peer cannot run here, or None if it can."""
    if not shutil.which("node"):
        return "node is not installed (install Node.js 20 or later)"
    if not (ROOT / "node_modules" / "oidc-provider").is_dir():
        return "node_modules/oidc-provider is missing (run make install, or npm ci)"
    return None


@contextmanager
def peer(port: int, workers: int, env: dict[str, str], log: Path) -> Iterator[int]:
    """Serve the oidc-provider peer on PORT with WORKERS cluster workers; yield the primary pid."""
    node = shutil.which("node") or "node"
    settings = {**env, "PEER_PORT": str(port), "PEER_WORKERS": str(workers)}
    with _serve("the peer", [node, str(PEER)], port, workers, settings, log, "/jwks") as primary:
        yield primary


@contextmanager
def _serve(
    name: str,
    command: list[str],
    port: int,
    workers: int,
    env: dict[str, str],
    log: Path,
    probe: str,
) -> Iterator[int]:
    """Run COMMAND, a server with WORKERS worker processes, until the block ends; yield its pid."""
    with log.open("w") as output:
        master = subprocess.Popen(
            command, cwd=ROOT, env={**os.environ, **env}, stdout=output, stderr=subprocess.STDOUT
        )
        try:
            _wait(name, master, f"http://127.0.0.1:{port}{probe}", workers, log)
            yield master.pid
        finally:
            master.send_signal(signal.SIGTERM)
            try:
                master.wait(timeout=30)
            except subprocess.TimeoutExpired:
                master.kill()
                master.wait()


def _wait(name: str, master: subprocess.Popen[bytes], url: str, workers: int, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if master.poll() is not None:
            raise RuntimeError(f"{name} exited with {master.returncode}:\n{log.read_text()}")
        if len(worker_pids(master.pid)) == workers and _answers(url):
            return
        time.sleep(0.2)
    raise RuntimeError(f"{name} did not answer {url}:\n{log.read_text()}")


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5):  # noqa: S310 (loopback)
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


def wait_until_idle(base: str, limit: float = 60.0) -> None:
    """Wait for the requests wrk left queued to finish (slow ones, like password hashes, can
    queue for seconds): until a request for the metadata document is answered within 50 ms."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        started = time.monotonic()
        _answers(base + "/.well-known/oauth-authorization-server")
        if time.monotonic() - started < 0.05:
            return
        time.sleep(0.2)


def worker_pids(master: int) -> list[int]:
    """gunicorn's workers: the master's children."""
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    except OSError:
        return []
    return [int(pid) for pid in children]


def rss_mb(pid: int) -> float:
    """Resident set size of a process in MiB (0 if it is gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def max_worker_rss(master: int) -> float:
    return max((rss_mb(pid) for pid in worker_pids(master)), default=0.0)
