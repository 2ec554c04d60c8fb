"""`python -m bench --metrics-compare`: what recording metrics costs the token endpoint.

The product twice, side by side on the same data, under gunicorn with the repository's
gunicorn.conf.py and the same sync workers: once as configured (`metrics.enabled: true`, every
worker writing its counts to the multiprocess folder gunicorn.conf.py makes) and once with
`metrics.enabled: false`. The client credentials grant (c=16 each) loads both at the same
time, round after round, so that the machine's drift between rounds touches both alike. Each
round's ratio on ÷ off, and their median, go to var/bench/metrics.md and
var/bench/metrics.json; the target is a median of 0.97 or more: metrics on within 3 % of
metrics off.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import asdict
from pathlib import Path
from typing import Any

import yaml

from bench import load, run, servers
from bench.scenarios import RequestFiles

TARGET = 0.97
CONNECTIONS = 16
SWITCHES = ("on", "off")


def main(args: argparse.Namespace, size: dict[str, int]) -> None:
    """Compare metrics on and off on each database of ARGS, with the data set SIZE."""
    results: dict[str, Any] = {
        "settings": {"seconds": args.seconds, "rounds": args.rounds, "workers": args.workers,
                     "connections": CONNECTIONS, **size},
        "databases": {},
    }  # fmt: skip
    for database in args.databases.split(","):
        url = f"sqlite:///{run.OUT / 'metrics' / database / 'oauthapp.sqlite'}"
        if database == "postgresql":
            url = args.postgres
            run._fresh_postgres_database(url)
        results["databases"][database] = compare(database, url, args, size)
        (run.OUT / "metrics.json").write_text(json.dumps(results, indent=2))
    text = markdown(results)
    (run.OUT / "metrics.md").write_text(text)
    print(text)


def compare(
    database: str, url: str, args: argparse.Namespace, size: dict[str, int]
) -> dict[str, list[dict[str, Any]]]:
    """Every round's client-credentials result against metrics on and off, on one database."""
    folder = run.OUT / "metrics" / database
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    ports = {switch: servers.free_port() for switch in SWITCHES}
    base = f"http://127.0.0.1:{ports['on']}"
    storage = args.redis if database == "postgresql" else "memory://"
    configs = {"on": run._write_config(folder, url, base, storage)}
    configs["off"] = switched_off(configs["on"])
    run._seed(folder, {"OAUTHAPP_CONFIG": str(configs["on"])}, size)
    print(f"== {database}: metrics on and off, {size['apps']:,} apps", flush=True)
    with ExitStack() as stack:
        for switch in SWITCHES:
            stack.enter_context(
                servers.wsgi(servers.Wsgi("sync"), "app:app", ports[switch], args.workers,
                             {"OAUTHAPP_CONFIG": str(configs[switch])},
                             folder / f"product-{switch}.log", "/login")
            )  # fmt: skip
        requests = RequestFiles(folder, base).client_credentials()
        return _rounds(args, ports, requests)


def _rounds(
    args: argparse.Namespace, ports: dict[str, int], requests: str
) -> dict[str, list[dict[str, Any]]]:
    """Load both servers at the same time, round after round: whatever else the machine does
    during a round (its speed drifts by a fifth from one 10 s to the next on a shared host)
    slows both alike, so their ratio measures the metrics and not the moment."""
    measured: dict[str, list[dict[str, Any]]] = {switch: [] for switch in SWITCHES}
    with ThreadPoolExecutor(len(SWITCHES)) as pool:
        for number in range(args.rounds):
            loads = {
                switch: pool.submit(load.run, f"http://127.0.0.1:{ports[switch]}", "cycle.lua",
                                    [requests], CONNECTIONS, args.seconds)
                for switch in SWITCHES
            }  # fmt: skip
            for switch, running in loads.items():
                result = running.result()
                measured[switch].append(asdict(result))
                errors = f"  ({result.errors} errors)" if result.errors else ""
                print(
                    f"   round {number + 1} metrics {switch:<3} {result.rps:8.1f} req/s"
                    f"  p50 {result.p50:6.1f} ms  p99 {result.p99:6.1f} ms{errors}",
                    flush=True,
                )
            for switch in SWITCHES:
                servers.wait_until_idle(f"http://127.0.0.1:{ports[switch]}")
    return measured


def switched_off(config: Path) -> Path:
    """A copy of CONFIG (config.yml) with `metrics.enabled: false`, beside it."""
    settings = yaml.safe_load(config.read_text())
    settings["metrics"] = {"enabled": False}
    off = config.with_name("config-metrics-off.yml")
    off.write_text(yaml.safe_dump(settings))
    return off


def ratio(measured: dict[str, list[dict[str, Any]]]) -> float | None:
    """The median of the per-round ratios on ÷ off (the two ran back to back)."""
    pairs = zip(measured["on"], measured["off"], strict=False)
    ratios = [on["rps"] / off["rps"] for on, off in pairs if off["rps"]]
    return statistics.median(ratios) if ratios else None


def markdown(results: dict[str, Any]) -> str:
    settings = results["settings"]
    lines = [
        f"Client credentials grant, c={settings['connections']}, {settings['workers']} gunicorn "
        f"sync workers per server, {settings['rounds']} round{'s' * (settings['rounds'] != 1)} "
        f"of {settings['seconds']:g} s; "
        "medians of the rounds.",
        "",
        "| Database | Metrics on (req/s) | Metrics off (req/s) | On ÷ off | Within 3 % |",
        "|---|---|---|---|---|",
    ]
    for database, measured in results["databases"].items():
        on, off = (statistics.median(r["rps"] for r in measured[s]) for s in SWITCHES)
        found = ratio(measured)
        shown = f"{found:.3f}" if found is not None else "–"
        within = "yes" if found is not None and found >= TARGET else "no"
        lines.append(f"| {database} | {on:.0f} | {off:.0f} | {shown} | {within} |")
    return "\n".join(lines) + "\n"
