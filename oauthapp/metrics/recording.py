"""Recording as requests are answered: a few increments in memory, no database query.

Each request adds to the requests counter and the latency histogram of its endpoint (and to
the rate-limit refusals when it was a 429); each token request to the tokens issued or the
refusals, as oauthapp.token.outcomes tells; the cache's own counts are carried over at the end
of each request.
"""

from __future__ import annotations

import threading
from time import perf_counter

from flask import Flask, Response, current_app, request

from oauthapp.cache import Cache, cache
from oauthapp.metrics import EXTENSION, instruments
from oauthapp.token import outcomes
from oauthapp.token.outcomes import TokenOutcome

_STARTED = "oauthapp.metrics.started"


class Recorder:
    """One application's request hooks, and what it has reported of its cache's counts."""

    def __init__(self, store: Cache) -> None:
        self.store = store
        self.lock = threading.Lock()
        self.seen: dict[str, tuple[int, int]] = {}
        self.lookups = 0
        self.invalidations = 0

    def start(self) -> None:
        request.environ[_STARTED] = perf_counter()

    def finish(self, response: Response) -> Response:
        """Count the request by endpoint and status and time it; carry the cache's counts."""
        try:
            self.record(response.status_code)
        except Exception:  # a recorder's fault must never cost the client its answer
            current_app.logger.exception("Recording the metrics of a request failed")
        return response

    def record(self, status: int) -> None:
        rule = request.url_rule
        endpoint = rule.endpoint if rule is not None else "none"
        instruments.requests(endpoint, status).inc()
        started = request.environ.get(_STARTED)
        if started is not None:
            instruments.latency(endpoint).observe(perf_counter() - started)
        if status == 429:
            instruments.rate_limited(endpoint).inc()
        store = self.store
        if store.hits + store.misses != self.lookups or store.invalidations != self.invalidations:
            self.carry_cache_counts()

    def carry_cache_counts(self) -> None:
        """Add what the cache counted since the last time to the metrics (one thread at once)."""
        if not self.lock.acquire(blocking=False):
            return  # another thread carries them now; what it misses goes with the next request
        try:
            store = self.store
            self.lookups = store.hits + store.misses
            for area, (hits, misses) in list(store.counts.items()):
                before = self.seen.get(area, (0, 0))
                if hits > before[0]:
                    instruments.cache_hits(area).inc(hits - before[0])
                if misses > before[1]:
                    instruments.cache_misses(area).inc(misses - before[1])
                self.seen[area] = (hits, misses)
            invalidations = store.invalidations
            if invalidations > self.invalidations:
                instruments.CACHE_INVALIDATIONS.inc(invalidations - self.invalidations)
            self.invalidations = invalidations
        finally:
            self.lock.release()


def init_app(app: Flask) -> None:
    recorder = Recorder(cache(app))
    app.extensions[EXTENSION] = recorder
    # First of the app's hooks, so that the time includes the others'.
    app.before_request_funcs.setdefault(None, []).insert(0, recorder.start)
    app.after_request(recorder.finish)
    outcomes.listen(record_token)


def record_token(outcome: TokenOutcome) -> None:
    """Count a token request's outcome: tokens issued by grant and kind, or the refusal."""
    if EXTENSION not in current_app.extensions:
        return  # an application of this process with metrics off
    grant = outcome.grant or "none"
    if outcome.issued:
        application = outcome.application
        kind = application.kind if application is not None else "none"
        instruments.tokens_issued(grant, kind if kind in instruments.KINDS else "other").inc()
    else:
        error = outcome.error if outcome.error in instruments.TOKEN_ERRORS else "other"
        instruments.token_refusals(grant, error).inc()


def record_delivery_failure(status: str) -> None:
    """Count a failed mail delivery; STATUS is what the message is left in (queued or failed)."""
    instruments.outbox_failures(status).inc()
