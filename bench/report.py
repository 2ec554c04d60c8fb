"""The benchmark's results as Markdown: medians of the rounds, ratios and the targets."""

from __future__ import annotations

import statistics
from typing import Any

TARGET_RATIO = 0.80
GRID_P95_MS = 150.0
BACK_OFFICE_PAGES = ("grid", "create", "owners", "sorted")
FLAT = 0.10
RSS_MB = 150.0


def _median(rounds: list[dict[str, Any]], field: str) -> float:
    return statistics.median(r[field] for r in rounds) if rounds else 0.0


def ratio(entry: dict[str, Any], other: str = "baseline") -> float | None:
    """The median of the per-round ratios product/OTHER (rounds ran back to back)."""
    pairs = zip(entry["product"], entry.get(other, []), strict=False)
    ratios = [p["rps"] / o["rps"] for p, o in pairs if o["rps"]]
    return statistics.median(ratios) if ratios else None


def markdown(results: dict[str, Any]) -> str:
    settings = results["settings"]
    compared: dict[str, str] | None = settings.get("servers")
    workers = results["machine"]["workers"]
    served = (
        f"{workers} workers per server under each WSGI server compared "
        f"({'; '.join(compared.values())}), the baseline served as the product is"
        if compared
        else f"{workers} gunicorn sync workers per server"
    )
    lines = [
        f"{results['machine']['cores']} cores, {served}, wrk with 1 thread on loopback, "
        f"{settings['rounds']} rounds of {settings['seconds']:g} s per scenario and server; "
        "medians of the rounds.",
        "",
    ]
    if any(e.get("peer") for m in results["databases"].values() for e in _entries(m)):
        lines[0] += (
            " The peer (oidc-provider) runs on as many Node cluster workers; peer ratio is "
            "product ÷ peer."
        )
    for database, measured in results["databases"].items():
        lines += [f"### {database}", ""]
        if "servers" not in measured:
            lines += [_table(measured, settings), "", _targets(measured), ""]
            continue
        lines += [_comparison(measured["servers"], settings), ""]
        for by_server in measured["servers"].values():
            lines += [f"Under {by_server['label']}:", "", _targets(by_server), ""]
    return "\n".join(lines)


def _entries(measured: dict[str, Any]) -> list[dict[str, Any]]:
    """Every scenario's entry of one database, under every server compared."""
    if "servers" in measured:
        return [e for m in measured["servers"].values() for e in m["scenarios"].values()]
    return list(measured["scenarios"].values())


COLUMNS = (
    "| req/s | p50 ms | p95 ms | p99 ms | errors | worker RSS MiB "
    "| baseline req/s | baseline p50 ms | ratio |"
)


def _table(measured: dict[str, Any], settings: dict[str, Any]) -> str:
    rows = [
        f"| Scenario | Data {COLUMNS} peer req/s | peer ratio |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for entry in measured["scenarios"].values():
        rows.append(
            f"| {entry['title']} | {_data(entry, settings)} {_cells(entry)}" + _peer_cells(entry)
        )
    return "\n".join(rows)


def _comparison(by_server: dict[str, Any], settings: dict[str, Any]) -> str:
    """One row per scenario and server: the product, and the baseline under the same server."""
    rows = [
        f"| Scenario | Data | Server {COLUMNS}",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    keys = list(dict.fromkeys(key for m in by_server.values() for key in m["scenarios"]))
    for key in keys:
        for measured in by_server.values():
            entry = measured["scenarios"].get(key)
            if entry:
                rows.append(
                    f"| {entry['title']} | {_data(entry, settings)} | {measured['label']} "
                    f"{_cells(entry)}"
                )
    return "\n".join(rows)


def _data(entry: dict[str, Any], settings: dict[str, Any]) -> str:
    size = settings[entry["data"]]
    return f"{size['apps']:,} apps / {size['refresh_tokens']:,} RT"


def _cells(entry: dict[str, Any]) -> str:
    """The product's cells of a row, then the baseline's and the ratio (dashes without one)."""
    product, baseline = entry["product"], entry["baseline"]
    found = ratio(entry)
    return (
        f"| {_median(product, 'rps'):.0f} "
        f"| {_median(product, 'p50'):.1f} | {_median(product, 'p95'):.1f} "
        f"| {_median(product, 'p99'):.1f} | {sum(r['errors'] for r in product)} "
        f"| {max(r['rss_mb'] for r in product):.0f} "
        + (
            f"| {_median(baseline, 'rps'):.0f} | {_median(baseline, 'p50'):.1f} | {found:.2f} |"
            if baseline and found is not None
            else "| - | - | - |"
        )
    )


def _peer_cells(entry: dict[str, Any]) -> str:
    """The oidc-provider peer's req/s and product ÷ peer, where the peer ran."""
    found = ratio(entry, "peer")
    if found is None:
        return " - | - |"
    errors = sum(r["errors"] for r in entry["peer"])
    failed = f" ({errors} errors)" if errors else ""
    return f" {_median(entry['peer'], 'rps'):.0f}{failed} | {found:.2f} |"


def _change(small: dict[str, Any], large: dict[str, Any], server: str, field: str) -> float:
    before = _median(small[server], field)
    return _median(large[server], field) / before - 1 if before else 0.0


def _targets(measured: dict[str, Any]) -> str:
    scenarios = measured["scenarios"]
    checks: list[tuple[str, bool]] = []
    for key, title in (
        ("cc16@small", "client credentials c=16"),
        ("cc64@small", "client credentials c=64"),
        ("me@small", "/api/me"),
    ):
        if key in scenarios and (found := ratio(scenarios[key])) is not None:
            checks.append(
                (f"{title} ≥ {TARGET_RATIO:.2f} × baseline: {found:.2f}", found >= TARGET_RATIO)
            )
    for key in BACK_OFFICE_PAGES:  # every back-office page, at the large data set
        if f"{key}@large" in scenarios:
            p95 = _median(scenarios[f"{key}@large"]["product"], "p95")
            checks.append((f"{key} p95 < {GRID_P95_MS:.0f} ms: {p95:.1f} ms", p95 < GRID_P95_MS))
    for key in ("cc16", "refresh", "me", "introspect"):
        small, large = scenarios.get(f"{key}@small"), scenarios.get(f"{key}@large")
        if not small or not large:
            continue
        change_rps = _change(small, large, "product", "rps")
        change_p50 = _change(small, large, "product", "p50")
        drift = _change(small, large, "baseline", "rps")
        # No slower with 100 times the rows; faster counts as flat (the machine drifts too: the
        # baseline's change between the same two phases is shown beside it).
        flat = change_rps >= -FLAT and change_p50 <= FLAT
        checks.append(
            (f"{small['title']} no slower at the large data set: req/s {change_rps:+.0%}, "
             f"p50 {change_p50:+.0%} (the baseline's req/s: {drift:+.0%})", flat)
        )  # fmt: skip
    rss = {key: max(r["rss_mb"] for r in entry["product"]) for key, entry in scenarios.items()}
    hashing = {key: value for key, value in rss.items() if key.startswith("password@")}
    others = [value for key, value in rss.items() if key not in hashing]
    largest = max(others, default=0.0)
    checks.append(
        (f"worker RSS < {RSS_MB:.0f} MiB outside the password grant: {largest:.0f} MiB",
         largest < RSS_MB)
    )  # fmt: skip
    for value in hashing.values():
        checks.append(
            (f"worker RSS < {RSS_MB:.0f} MiB during the password grant (argon2id holds 64 MiB "
             f"per hash): {value:.0f} MiB", value < RSS_MB)
        )  # fmt: skip
    return "\n".join(f"- {'met' if ok else 'NOT met'}: {text}" for text, ok in checks)


if __name__ == "__main__":  # python -m bench.report var/bench/results.json: the tables again
    import json
    import sys
    from pathlib import Path

    print(markdown(json.loads(Path(sys.argv[1]).read_text())))
