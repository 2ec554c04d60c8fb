"""Driving a server with wrk: one Lua script per kind of load, one result line per run."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

LUA = Path(__file__).resolve().parent / "lua"


@dataclass(frozen=True)
class Result:
    """One wrk run: throughput and latency percentiles (milliseconds), and failed requests."""

    rps: float
    p50: float
    p95: float
    p99: float
    errors: int
    requests: int


def wrk_path() -> str:
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    return found


def run(url: str, script: str, args: list[str], connections: int, seconds: float) -> Result:
    """Load URL for SECONDS with CONNECTIONS connections from one wrk thread."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as combined:
        combined.write((LUA / script).read_text() + "\n" + (LUA / "report.lua").read_text())
    try:
        output = subprocess.run(
            [wrk_path(), "-t1", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "10s",
             "-s", combined.name, url, "--", *args],
            capture_output=True, text=True, check=True, timeout=seconds + 60,
        ).stdout  # fmt: skip
    finally:
        Path(combined.name).unlink()
    line = next((row for row in output.splitlines() if row.startswith("BENCH ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result:\n{output}")
    raw = json.loads(line.removeprefix("BENCH "))
    seconds_run = raw["duration_us"] / 1e6
    return Result(
        rps=raw["requests"] / seconds_run,
        p50=raw["p50_us"] / 1000,
        p95=raw["p95_us"] / 1000,
        p99=raw["p99_us"] / 1000,
        errors=raw["socket_errors"] + raw["http_errors"],
        requests=raw["requests"],
    )


def write_requests(path: Path, lines: list[tuple[str, str, str, dict[str, str]]]) -> Path:
    """A request file for cycle.lua: (method, path, body, headers) per request."""
    with path.open("w") as out:
        for method, target, body, headers in lines:
            fields = [method, target, body, *(f"{k}: {v}" for k, v in headers.items())]
            if any("\t" in field or "\n" in field for field in fields):
                raise ValueError("tabs and newlines cannot appear in a request line")
            out.write("\t".join(fields) + "\n")
    return path
