"""Starting and stopping the servers under test: the WSGI servers compared (gunicorn with the
repository's config, sync or gthread workers; granian in WSGI mode), and the oidc-provider peer
under Node's cluster."""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 60.0
PEER = ROOT / "bench" / "peer" / "server.mjs"
KINDS = ("sync", "gthread", "granian")
GTHREAD_THREADS = 4


@dataclass(frozen=True)
class Wsgi:
    """A WSGI server to serve the product and the baseline with: gunicorn with sync workers (what
    `make serve` runs), gunicorn with gthread workers, or granian in WSGI mode. THREADS is the
    threads per worker (gthread: 4 unless given; granian: its own default unless given)."""

    kind: str
    threads: int | None = None

    @classmethod
    def parse(cls, spec: str) -> Wsgi:
        """`sync`, `gthread`, `gthread:8`, `granian` or `granian:4`; ValueError says why not."""
        kind, _, count = spec.strip().partition(":")
        if kind not in KINDS:
            raise ValueError(f"unknown server {kind!r} (one of {', '.join(KINDS)})")
        if kind == "sync" and count:
            raise ValueError("sync workers take no thread count")
        if kind == "granian" and importlib.util.find_spec("granian") is None:
            raise ValueError("granian is not installed (pip install -e '.[dev]')")
        if not count:
            return cls(kind, GTHREAD_THREADS if kind == "gthread" else None)
        if not count.isdigit() or int(count) < 1:
            raise ValueError(f"{spec!r}: the thread count must be a whole number, 1 or more")
        return cls(kind, int(count))

    @property
    def key(self) -> str:
        """The name in results.json and in log file names: `sync`, `gthread-4`, `granian`."""
        return self.kind if self.threads is None else f"{self.kind}-{self.threads}"

    @property
    def label(self) -> str:
        if self.kind == "sync":
            return "gunicorn sync"
        if self.kind == "gthread":
            return f"gunicorn gthread, {self.threads} threads"
        threads = "its default threads" if self.threads is None else f"{self.threads} threads"
        return f"granian WSGI, {threads}"

    def command(
        self, application: str, port: int, workers: int, access_log: bool = False
    ) -> list[str]:
        """The command line that serves APPLICATION (module:variable) on PORT; with ACCESS_LOG,
        one line per request on standard output."""
        if self.kind == "granian":
            # Granian's defaults otherwise: keep-alive on, backlog 1024, no access log. Without
            # a thread count it allows backlog / workers / 2 threads per worker.
            # With one, as many requests at a time per worker as it has threads, as gthread.
            count = str(self.threads)
            threads = ["--blocking-threads", count, "--backpressure", count] if self.threads else []
            log = ["--access-log"] if access_log else []
            return [sys.executable, "-m", "granian", "--interface", "wsgi",
                    "--workers", str(workers), "--host", "127.0.0.1", "--port", str(port),
                    *threads, *log, application]  # fmt: skip
        command = [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
                   "-w", str(workers), "-b", f"127.0.0.1:{port}"]  # fmt: skip
        if self.kind == "gthread":
            command += ["-k", "gthread", "--threads", str(self.threads)]
        if access_log:
            command += ["--access-logfile", "-"]
        return [*command, application]


@contextmanager
def wsgi(
    server: Wsgi,
    application: str,
    port: int,
    workers: int,
    env: dict[str, str],
    log: Path,
    probe: str,
    access_log: bool = False,
) -> Iterator[int]:
    """Serve APPLICATION with SERVER on PORT until the block ends; yield the master's pid."""
    command = server.command(application, port, workers, access_log)
    with _serve(server.label, command, port, workers, env, log, probe) as master:
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
    """The server's workers: the master's children (gunicorn and granian fork them)."""
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


def free_port() -> int:
    """A TCP port nothing listens on now, on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
