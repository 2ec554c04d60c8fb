"""`python -m bench.features`: what the product needs from its WSGI server, checked for real
under each server `python -m bench --servers` compares.

The small app below (`bench.features:app`) runs under each server with 2 workers, and:

- close(): a response with a `call_on_close` callback, the way oauthapp/notifications/dispatch.py
  sends mail after the response, reaches the client before the callback ends, and it runs;
- proxy headers: X-Forwarded-For, -Proto and -Host reach the app, whose ProxyFix (set up as
  `security.proxy_count: 1` does) makes them the client's address, scheme and host;
- access log: the request leaves a line on the server's output (and which address it names);
- reload: after SIGHUP every answer comes from workers that loaded the code again, a slow
  request in flight finishes, and requests sent all along are all answered.

Worker recycling is configuration, not checked here: docs/performance.md says what each offers.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

from flask import Flask, Response, jsonify, request
from werkzeug.middleware.proxy_fix import ProxyFix

from bench import servers

FOLDER = Path(os.environ.get("BENCH_FEATURES_DIR", "."))
FORWARDED = {
    "X-Forwarded-For": "203.0.113.7",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "auth.example.com",
}
CLOSE_SECONDS = 1.0
SLOW_SECONDS = 3.0
WORKERS = 2

app = Flask(__name__)
# Read when a worker imports the app: a reload shows the file's new content.
VERSION = (FOLDER / "version").read_text() if (FOLDER / "version").exists() else ""


@app.get("/close")
def close() -> Response:
    response = jsonify(ok=True)

    def later() -> None:
        time.sleep(CLOSE_SECONDS)
        (FOLDER / "closed").write_text(str(os.getpid()))

    response.call_on_close(later)
    return response


@app.get("/who")
def who() -> Response:
    return jsonify(addr=request.remote_addr, scheme=request.scheme, host=request.host)


@app.get("/version")
def version() -> str:
    time.sleep(float(request.args.get("sleep", "0")))
    return VERSION


app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
    app.wsgi_app, x_for=1, x_proto=1, x_host=1, x_port=1, x_prefix=1
)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.features", description=__doc__)
    parser.add_argument("--servers", default="sync,gthread,granian")
    args = parser.parse_args()
    try:
        chosen = [servers.Wsgi.parse(spec) for spec in args.servers.split(",") if spec]
    except ValueError as exc:
        parser.error(str(exc))
    root = servers.ROOT / "var" / "bench" / "features"
    for server in chosen:
        folder = root / server.key
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        print(f"## {server.label}\n", flush=True)
        for name, holds, detail in _check(server, folder):
            print(f"- {name}: {'holds' if holds else 'DOES NOT HOLD'}: {detail}", flush=True)
        print()


def _check(server: servers.Wsgi, folder: Path) -> list[tuple[str, bool, str]]:
    (folder / "version").write_text("1")
    port = servers.free_port()
    url = f"http://127.0.0.1:{port}"
    log = folder / "server.log"
    env = {"BENCH_FEATURES_DIR": str(folder)}
    with servers.wsgi(server, "bench.features:app", port, WORKERS, env, log, "/who", True) as pid:
        found = [_close(url, folder), _proxy(url)]
        time.sleep(0.5)  # the access log line is written after the response
        found.append(_access_log(log))
        found.append(_reload(url, pid, folder))
    return found


def _close(url: str, folder: Path) -> tuple[str, bool, str]:
    started = time.monotonic()
    with urllib.request.urlopen(f"{url}/close", timeout=10) as response:  # noqa: S310
        response.read()
    answered = time.monotonic() - started
    mark = folder / "closed"
    while not mark.exists() and time.monotonic() - started < CLOSE_SECONDS + 5:
        time.sleep(0.05)
    ran = time.monotonic() - started
    holds = answered < CLOSE_SECONDS / 2 and mark.exists()
    detail = f"answered after {answered * 1000:.0f} ms, " + (
        f"the {CLOSE_SECONDS:g} s callback done after {ran:.2f} s"
        if mark.exists()
        else "the callback never ran"
    )
    return "close() after the response", holds, detail


def _proxy(url: str) -> tuple[str, bool, str]:
    call = urllib.request.Request(f"{url}/who", headers=FORWARDED)  # noqa: S310
    with urllib.request.urlopen(call, timeout=10) as response:  # noqa: S310
        seen: dict[str, str] = json.loads(response.read())
    wanted = {"addr": "203.0.113.7", "scheme": "https", "host": "auth.example.com"}
    return "X-Forwarded-* through ProxyFix", seen == wanted, f"the app saw {seen}"


def _access_log(log: Path) -> tuple[str, bool, str]:
    lines = [line for line in log.read_text().splitlines() if "GET /who" in line]
    if not lines:
        return "access log", False, "no line for GET /who"
    named = "the client's" if "203.0.113.7" in lines[-1] else "the proxy's"
    return "access log", True, f"{named} address: `{lines[-1].strip()}`"


def _reload(url: str, master: int, folder: Path) -> tuple[str, bool, str]:
    """SIGHUP while requests keep coming and one slow request is in flight."""
    failures: list[str] = []
    slow: list[str] = []
    stop = threading.Event()

    def keep_asking() -> None:
        while not stop.is_set():
            try:
                _get(f"{url}/version")
            except OSError as exc:
                failures.append(repr(exc))

    def ask_slowly() -> None:
        try:
            slow.append(_get(f"{url}/version?sleep={SLOW_SECONDS:g}"))
        except OSError as exc:
            slow.append(f"failed: {exc!r}")

    threads = [threading.Thread(target=keep_asking) for _ in range(4)]
    threads.append(threading.Thread(target=ask_slowly))
    for thread in threads:
        thread.start()
    time.sleep(0.5)
    (folder / "version").write_text("2")
    started = time.monotonic()
    os.kill(master, signal.SIGHUP)
    reloaded = _all_answer(url, "2", limit=60)
    took = time.monotonic() - started
    stop.set()
    for thread in threads:
        thread.join()
    holds = reloaded and not failures and slow == ["1"]
    detail = (
        f"{'every worker on the new code' if reloaded else 'old workers still answer'} "
        f"{took:.1f} s after SIGHUP; slow request in flight: {slow[0] if slow else 'none'}; "
        f"{len(failures)} failed requests" + (f" ({failures[0]})" if failures else "")
    )
    return "graceful reload (SIGHUP)", holds, detail


def _all_answer(url: str, wanted: str, limit: float) -> bool:
    """Poll until 20 answers in a row are WANTED (both workers, by the odds), or LIMIT s pass."""
    deadline = time.monotonic() + limit
    row = 0
    while time.monotonic() < deadline and row < 20:
        row = row + 1 if _get(f"{url}/version") == wanted else 0
        if not row:
            time.sleep(0.1)
    return row >= 20


def _get(address: str) -> Any:
    with urllib.request.urlopen(address, timeout=20) as response:  # noqa: S310 (loopback)
        return response.read().decode()


if __name__ == "__main__":
    main()
