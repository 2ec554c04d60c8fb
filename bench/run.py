"""`python -m bench`: the product and the baseline under the same WSGI server, loaded by turns.

For each database: seed the small data set (10,000 applications and refresh tokens), serve the
product and the baseline side by side (on SQLite also the oidc-provider peer, for the client
credentials grant), and run every scenario against one and then the other, round after round
(the order turns every round). Then grow the data (100,000 applications,
1,000,000 refresh tokens) and run the scenarios whose cost could grow with it. Results go to
var/bench/results.json and var/bench/results.md; docs/performance.md explains them.

The server is gunicorn with sync workers, as `make serve` runs it. With --servers, each server
named (gunicorn sync or gthread, granian) serves its own product and baseline, all side by side,
and every scenario runs against each of them by turns: each ratio compares the product with the
baseline under the same server, in the same round.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml

from bench import load, metrics_compare, report, servers
from bench.scenarios import RequestFiles, Scenario, check_peer_token, session_cookie

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "var" / "bench"
SMALL = {"apps": 10_000, "refresh_tokens": 10_000}
LARGE = {"apps": 100_000, "refresh_tokens": 1_000_000}
SERVERS = ("product", "baseline", "peer")
SCENARIOS = (
    *("cc16", "cc64", "refresh", "me", "introspect", "password"),
    *("grid", "create", "owners", "sorted"),
)
T = TypeVar("T")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="small data, 2 s, 1 round")
    parser.add_argument(
        "--sizes", default="small,large", help="data sets to run: small (10k), large (1M)"
    )
    parser.add_argument(
        "--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/oauthapp_bench"
    )
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/15")
    parser.add_argument(
        "--scenarios",
        default="",
        help=f"scenarios to run, e.g. cc16,cc64 (default: all of {','.join(SCENARIOS)})",
    )
    parser.add_argument(
        "--servers",
        default="",
        help="compare WSGI servers, e.g. sync,gthread:4,granian (gthread: 4 threads per worker "
        "unless given; granian: its own default unless given); default: gunicorn sync only",
    )
    parser.add_argument(
        "--metrics-compare",
        action="store_true",
        help="only the client credentials grant, with metrics.enabled true and false, side by "
        "side (var/bench/metrics.md)",
    )
    args = parser.parse_args()
    unknown = {key for key in args.scenarios.split(",") if key} - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    try:
        args.wsgi = [servers.Wsgi.parse(spec) for spec in args.servers.split(",") if spec]
    except ValueError as exc:
        parser.error(str(exc))
    if len({server.key for server in args.wsgi}) < len(args.wsgi):
        parser.error("--servers names a server twice")
    return args


def main() -> None:
    args = _arguments()
    load.wrk_path()
    small, large = dict(SMALL), dict(LARGE)
    if args.quick:
        args.seconds, args.rounds = 2.0, 1
        small, large = (
            {"apps": 2000, "refresh_tokens": 2000},
            {"apps": 5000, "refresh_tokens": 20000},
        )
    OUT.mkdir(parents=True, exist_ok=True)
    if args.metrics_compare:
        metrics_compare.main(args, small)
        return
    results: dict[str, Any] = {
        "machine": {"cores": os.cpu_count(), "workers": args.workers},
        "settings": {
            "seconds": args.seconds,
            "rounds": args.rounds,
            "small": small,
            "large": large,
        },
        "databases": {},
    }
    if args.wsgi:
        results["settings"]["servers"] = {server.key: server.label for server in args.wsgi}
    for database in args.databases.split(","):
        url = f"sqlite:///{OUT / database / 'oauthapp.sqlite'}"
        if database == "postgresql":
            url = args.postgres
            _fresh_postgres_database(url)
        results["databases"][database] = bench_database(database, url, args, small, large)
        (OUT / "results.json").write_text(json.dumps(results, indent=2))
    text = report.markdown(results)
    (OUT / "results.md").write_text(text)
    print(text)


@dataclass
class _Lane:
    """One WSGI server under test with the product and the baseline it serves (and, where it
    runs, the peer): their ports, master pids and everything measured against them."""

    server: servers.Wsgi
    ports: dict[str, int]
    measured: dict[str, Any] = field(default_factory=lambda: {"scenarios": {}})
    masters: dict[str, int] = field(default_factory=dict)

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"


def bench_database(
    database: str, url: str, args: argparse.Namespace, small: dict[str, int], large: dict[str, int]
) -> dict[str, Any]:
    folder = OUT / database
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    comparing = bool(args.wsgi)
    lanes = [
        _Lane(server, {name: servers.free_port() for name in SERVERS})
        for server in args.wsgi or [servers.Wsgi("sync")]
    ]
    # Every product instance reads the same configuration, so they share this issuer.
    base = lanes[0].url("product")
    storage = args.redis if database == "postgresql" else "memory://"
    env = {"OAUTHAPP_CONFIG": str(_write_config(folder, url, base, storage))}
    runner = _Runner(args, lanes, comparing)
    with_peer = database == "sqlite" and _peer_runs(comparing)
    for data, size in (("small", small), ("large", large)):
        if data not in args.sizes.split(","):
            continue
        _seed(folder, env, size)
        print(f"== {database}: {size['apps']:,} apps, {size['refresh_tokens']:,} refresh tokens")
        peer = with_peer and data == "small"
        with _servers(args.workers, folder, lanes, env, peer, comparing):
            files = RequestFiles(folder, base)
            if peer:
                peer_url = lanes[0].url("peer")
                check_peer_token(peer_url, files.credentials[0], _public_key(folder), base)
                print("   the peer's access token verifies with the product's public key")
            if data == "small":
                scenarios = _small_scenarios(files, peer)
            else:
                scenarios = _large_scenarios(files, session_cookie(base))
            runner.rounds(_chosen(scenarios, args.scenarios), data, files)
    if not comparing:
        return lanes[0].measured
    return {
        "servers": {
            lane.server.key: {"label": lane.server.label, **lane.measured} for lane in lanes
        }
    }


def _peer_runs(comparing: bool) -> bool:
    if comparing:
        print("   the oidc-provider peer sits out the comparison of WSGI servers", flush=True)
        return False
    missing = servers.peer_missing()
    if missing:
        print(f"   the oidc-provider peer is skipped: {missing}", flush=True)
    return missing is None


def _chosen(scenarios: list[Scenario], keys: str) -> list[Scenario]:
    wanted = {key for key in keys.split(",") if key}
    return [s for s in scenarios if not wanted or s.key in wanted]


def _public_key(folder: Path) -> Path:
    return folder / "oauth_public.key"


@contextmanager
def _servers(
    workers: int, folder: Path, lanes: list[_Lane], env: dict[str, str], peer: bool, named: bool
) -> Iterator[None]:
    """For each lane, the product and the baseline (and on the first, if PEER, the peer) side by
    side, with the same workers; log files named after the server if NAMED."""
    private_key = str(folder / "oauth_private.key")
    issuer = lanes[0].url("product")
    baseline_env = {
        "BENCH_PRIVATE_KEY": private_key,
        "BENCH_PUBLIC_KEY": str(_public_key(folder)),
        "BENCH_ISSUER": issuer,
    }
    peer_env = {
        "PEER_ISSUER": issuer,
        "PEER_PRIVATE_KEY": private_key,
        "PEER_CLIENTS": str(folder / "clients.txt"),
    }
    with ExitStack() as stack:
        for lane in lanes:
            suffix = f".{lane.server.key}" if named else ""
            lane.masters = {
                "product": stack.enter_context(
                    servers.wsgi(lane.server, "app:app", lane.ports["product"], workers, env,
                                 folder / f"product{suffix}.log", "/login")
                ),
                "baseline": stack.enter_context(
                    servers.wsgi(lane.server, "bench.baseline:app", lane.ports["baseline"],
                                 workers, baseline_env, folder / f"baseline{suffix}.log", "/")
                ),
            }  # fmt: skip
        if peer:
            lanes[0].masters["peer"] = stack.enter_context(
                servers.peer(lanes[0].ports["peer"], workers, peer_env, folder / "peer.log")
            )
        yield


class _Runner:
    """Runs scenarios round by round, the servers by turns, and keeps every result."""

    def __init__(self, args: argparse.Namespace, lanes: list[_Lane], comparing: bool) -> None:
        self.args = args
        self.lanes = lanes
        self.comparing = comparing
        self.refresh_used = 0

    def rounds(self, scenarios: list[Scenario], data: str, files: RequestFiles) -> None:
        for number in range(self.args.rounds):
            lanes = _turned(self.lanes, number)
            for scenario in scenarios:
                for lane in lanes:
                    running = [server for server in SERVERS if server in lane.masters]
                    key = f"{scenario.key}@{data}"
                    for server in _turned(running, number):
                        self.run(lane, scenario, server, key, files, number + 1)

    def run(
        self,
        lane: _Lane,
        scenario: Scenario,
        server: str,
        key: str,
        files: RequestFiles,
        number: int,
    ) -> None:
        script, arguments = _load(scenario, server)
        if arguments is None:
            return
        if script == "refresh.lua":  # fresh tokens every round: each may be used once
            tokens = files.refresh_tokens(self.refresh_used, scenario.connections)
            self.refresh_used += scenario.connections
            arguments = [tokens, *arguments]
        url = lane.url(server)
        result = load.run(url, script, arguments, scenario.connections, self.args.seconds)
        # Right after the load: a worker may still be finishing requests wrk gave up waiting for.
        rss = servers.max_worker_rss(lane.masters[server])
        servers.wait_until_idle(url)
        entry = lane.measured["scenarios"].setdefault(
            key, {"title": scenario.title, "data": key.split("@")[1], **{s: [] for s in SERVERS}}
        )
        entry[server].append({**asdict(result), "rss_mb": round(rss, 1)})
        errors = f"  ({result.errors} errors)" if result.errors else ""
        name = f"{lane.server.key:<10} {server}" if self.comparing else server
        print(
            f"   round {number} {scenario.title:<34} {name:<8} {result.rps:8.1f} req/s"
            f"  p50 {result.p50:6.1f} ms  p99 {result.p99:6.1f} ms{errors}",
            flush=True,
        )


def _turned(items: list[T], number: int) -> list[T]:
    """ITEMS starting with the one after round NUMBER's first: with two, the order swaps."""
    if not items:
        return items
    turn = number % len(items)
    return items[turn:] + items[:turn]


def _load(scenario: Scenario, server: str) -> tuple[str, list[str] | None]:
    """The wrk script and its arguments for SERVER in SCENARIO (no arguments: it sits out)."""
    if server == "product":
        return scenario.script, scenario.product_args
    if server == "peer":
        return "cycle.lua", scenario.peer_args
    return scenario.baseline_script, scenario.baseline_args


def _small_scenarios(files: RequestFiles, peer: bool = False) -> list[Scenario]:
    cc = files.client_credentials()
    peer_args = [cc] if peer else None
    return [
        Scenario("cc16", "Client credentials grant, c=16", 16, "cycle.lua", [cc], [cc],
                 peer_args=peer_args),
        Scenario("cc64", "Client credentials grant, c=64", 64, "cycle.lua", [cc], [cc],
                 peer_args=peer_args),
        Scenario("refresh", "Refresh token grant, c=16", 16, "refresh.lua",
                 [files.refresh_credentials()], [files.refresh_signing()]),
        Scenario("me", "GET /api/me, c=16", 16, "cycle.lua", [files.me()], [files.me()]),
        Scenario("introspect", "Introspection, c=16", 16, "cycle.lua",
                 [files.introspection()], [files.introspection()]),
        Scenario("password", "Password grant, c=16", 16, "cycle.lua",
                 [files.password()], [files.password()]),
    ]  # fmt: skip


def _large_scenarios(files: RequestFiles, cookie: str) -> list[Scenario]:
    again = [s for s in _small_scenarios(files) if s.key in {"cc16", "refresh", "me", "introspect"}]
    pages = [
        Scenario("grid", "Grid filtered by name, c=4", 4, "cycle.lua", [files.grid(cookie)], None),
        Scenario("create", "Create form, 10,000 users, c=4", 4, "cycle.lua",
                 [files.create_form(cookie)], None),
        Scenario("owners", "Users search (JSON), c=4", 4, "cycle.lua",
                 [files.owner_search(cookie)], None),
        Scenario("sorted", "Grid and lists by name, c=4", 4, "cycle.lua",
                 [files.sorted_lists(cookie)], None),
    ]  # fmt: skip
    return [*again, *pages]


def _seed(folder: Path, env: dict[str, str], size: dict[str, int]) -> None:
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "bench.seed", str(folder), "--apps", str(size["apps"]),
         "--refresh-tokens", str(size["refresh_tokens"])],
        cwd=ROOT, env={**os.environ, **env}, check=True, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    print(f"   seeded in {time.monotonic() - started:.0f} s", flush=True)


def _write_config(folder: Path, url: str, base: str, storage: str) -> Path:
    config = folder / "config.yml"
    config.write_text(
        yaml.safe_dump(
            {
                "database": {"url": url},
                "secret_key_file": str(folder / "secret_key"),
                "oauth2_server": {
                    "issuer": base,
                    "authorization_server": {"private_key": str(folder / "oauth_private.key")},
                    "resource_server": {"public_key": str(folder / "oauth_public.key")},
                },
                "rate_limit": {"storage_url": storage},
                "mail": {"directory": str(folder / "mail")},
            }
        )
    )
    return config


def _fresh_postgres_database(url: str) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    name = parsed.database
    admin = parsed.set(drivername="postgresql", database="postgres")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
