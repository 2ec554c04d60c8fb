"""What one process keeps of the database's slowly changing state, per kind of lookup.

Every read first compares the feed's generation with the one the entries were made under: a
different one empties the cache, None (the channel is down) bypasses it. An entry computed from
the database is kept only if the generation did not move meanwhile, so a change committed while
it was being read can never be stored as current.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from oauthapp.cache.feeds import Feed, Generation

T = TypeVar("T")
REVOCATION_AREAS = frozenset({"revoked"})  # what a new revocation can make wrong; all else: state
MAX_ENTRIES = 20_000  # per area; a full area starts again empty (worker memory stays bounded)
MISSING: Any = object()  # what entry() returns for a key it does not hold


class Cache:
    """Areas of entries ("applications", "standing", "revoked", "verified").

    A change of state empties them all; a new revocation only the revocation areas.
    """

    def __init__(self, feed: Feed, enabled: bool = True) -> None:
        self.feed = feed
        self.enabled = enabled
        self._areas: dict[str, dict[Any, Any]] = {}
        self._seen: Generation | None = None
        self._lock = threading.Lock()
        self.noted: dict[Any, Any] = {}  # this process's own bookkeeping; never invalidated
        self.hits = 0
        self.misses = 0
        self.invalidations = 0
        self.counts: dict[str, list[int]] = {}  # per area: [hits, misses] (read by metrics)

    def current(self) -> Generation | None:
        """The generation entries may be used under now, or None to bypass the cache."""
        if not self.enabled:
            return None
        generation = self.feed.generation()
        if generation != self._seen:
            with self._lock:
                seen = self._seen
                if generation != seen:
                    if generation is None or seen is None or generation[0] != seen[0]:
                        self._areas = {}
                    else:  # only revocations: keep the rest
                        kept = {a: e for a, e in self._areas.items() if a not in REVOCATION_AREAS}
                        self._areas = kept
                    self._seen = generation
                    self.invalidations += 1
        return generation

    def get(self, area: str, key: Any, load: Callable[[], T]) -> T:
        """The entry for KEY, or LOAD()'s result, kept if nothing changed while it ran."""
        generation = self.current()
        if generation is None:  # the cache cannot vouch for anything: a miss, as far as counted
            self.count(area, hit=False)
            return load()
        found = self._areas.get(area, {}).get(key, MISSING)
        if found is not MISSING:
            self.count(area, hit=True)
            return found  # type: ignore[no-any-return]
        self.count(area, hit=False)
        value = load()
        self.put(area, key, value, generation)
        return value

    def count(self, area: str, hit: bool) -> None:
        """Count a lookup of AREA that found its entry (HIT) or had to ask the database."""
        tally = self.counts.get(area)
        if tally is None:
            tally = self.counts.setdefault(area, [0, 0])
        if hit:
            self.hits += 1
            tally[0] += 1
        else:
            self.misses += 1
            tally[1] += 1

    def entry(self, area: str, key: Any, generation: Generation | None) -> Any:
        """The entry for KEY under GENERATION (from current()), or MISSING."""
        if generation is None:
            return MISSING
        return self._areas.get(area, {}).get(key, MISSING)

    def put(self, area: str, key: Any, value: Any, generation: Generation | None) -> None:
        """Keep VALUE, read under GENERATION, unless that generation has passed."""
        if generation is None:
            return
        with self._lock:
            if self.feed.generation() != generation or self._seen != generation:
                return
            entries = self._areas.setdefault(area, {})
            if len(entries) >= MAX_ENTRIES:
                entries.clear()
            entries[key] = value

    def clear(self) -> None:
        """Forget everything now."""
        with self._lock:
            self._areas = {}
            self.invalidations += 1
