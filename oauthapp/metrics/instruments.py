"""The metrics the server records, their labels and buckets (docs/operations.md lists them).

Every label takes its value from a small set the code fixes (grant types, kinds, OAuth error
codes, endpoint names, status codes, cache areas), never from what a client sends: no client
id, no address, no path. Importing this module decides the storage for good: per-process files
when PROMETHEUS_MULTIPROC_DIR is set (several workers), else this process's memory.
"""

from __future__ import annotations

import os
from typing import Any, Generic, TypeVar

from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics

# Where the workers' values are (read as this module is, as prometheus_client does), or None.
MULTIPROCESS_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None
# No *_created series: multiprocess mode has none, and one worker's output looks the same.
disable_created_metrics()  # type: ignore[no-untyped-call]
REGISTRY = CollectorRegistry(auto_describe=True)  # this process's values, when single-process
# Seconds; few buckets keep each observation and each scrape cheap.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0)
KINDS = frozenset({"backoffice", "storefront"})
# The OAuth errors the token endpoint answers with (RFC 6749 §5.2, RFC 9700's throttle, and the
# server's own); anything else is counted as "other".
TOKEN_ERRORS = frozenset(
    {
        "invalid_request",
        "invalid_client",
        "invalid_grant",
        "unauthorized_client",
        "unsupported_grant_type",
        "invalid_scope",
        "access_denied",
        "too_many_requests",
        "temporarily_unavailable",
        "server_error",
    }
)

TOKENS_ISSUED = Counter(
    "oauthapp_tokens_issued",
    "Token requests answered with tokens, by grant type and application kind.",
    ["grant", "kind"],
    registry=REGISTRY,
)
TOKEN_REFUSALS = Counter(
    "oauthapp_token_refusals",
    "Token requests refused, by grant type and OAuth error code.",
    ["grant", "error"],
    registry=REGISTRY,
)
REQUESTS = Counter(
    "oauthapp_http_requests",
    "HTTP requests answered, by endpoint and status code.",
    ["endpoint", "status"],
    registry=REGISTRY,
)
LATENCY = Histogram(
    "oauthapp_http_request_duration_seconds",
    "Time from the start of a request to its response, by endpoint.",
    ["endpoint"],
    buckets=LATENCY_BUCKETS,
    registry=REGISTRY,
)
RATE_LIMITED = Counter(
    "oauthapp_rate_limit_refusals",
    "Requests refused with 429 by a rate limit, by endpoint.",
    ["endpoint"],
    registry=REGISTRY,
)
OUTBOX_FAILURES = Counter(
    "oauthapp_outbox_delivery_failures",
    "Failed mail deliveries, by the status the message is left in (queued: retried later).",
    ["status"],
    registry=REGISTRY,
)
CACHE_HITS = Counter(
    "oauthapp_cache_hits",
    "Lookups answered from a worker's cache, by cache area.",
    ["area"],
    registry=REGISTRY,
)
CACHE_MISSES = Counter(
    "oauthapp_cache_misses",
    "Lookups that asked the database (not cached, or the cache was bypassed), by cache area.",
    ["area"],
    registry=REGISTRY,
)
CACHE_INVALIDATIONS = Counter(
    "oauthapp_cache_invalidations",
    "Times a worker emptied its cache (or its revocations) after a change anywhere.",
    registry=REGISTRY,
)

M = TypeVar("M", Counter, Histogram)


class Children(Generic[M]):
    """A metric's labelled children, found once per label values: `labels()` costs more."""

    def __init__(self, metric: M) -> None:
        self.metric: M = metric
        self.found: dict[tuple[Any, ...], M] = {}

    def __call__(self, *values: Any) -> M:
        child = self.found.get(values)
        if child is None:
            child = self.metric.labels(*(str(value) for value in values))
            self.found[values] = child
        return child


tokens_issued = Children(TOKENS_ISSUED)
token_refusals = Children(TOKEN_REFUSALS)
requests = Children(REQUESTS)
latency = Children(LATENCY)
rate_limited = Children(RATE_LIMITED)
outbox_failures = Children(OUTBOX_FAILURES)
cache_hits = Children(CACHE_HITS)
cache_misses = Children(CACHE_MISSES)
