"""Change feeds: how every process learns, within a second, that cached state has changed.

A feed hands out a generation: a pair of counters, one per topic, equal as long as nothing of
that topic changed. STATE covers applications, organizations and accounts; REVOCATIONS the
revoked access tokens, which every refresh-token rotation adds to and which would otherwise
empty every cache each time. `generation()` returns None while the feed cannot vouch for
anything (its channel is down): callers then ask the database and keep nothing.

- PostgreSQL: a thread per process LISTENs on a dedicated connection; a change is announced by
  NOTIFY in the transaction that made it, so it is delivered exactly when it commits.
- SQLite: an 8-byte counter in a file beside the database, mapped in memory by every process
  of the host; a commit that changed cached state increments it.
- Anything else (an in-memory database): a counter in this process alone.
"""

from __future__ import annotations

import fcntl
import logging
import mmap
import os
import select
import struct
import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

CHANNEL = "oauthapp_cache"
LISTENER_NAME = "oauthapp-cache"  # the listening backend's application_name
HEARTBEAT = 0.25  # seconds between checks that the listening connection is alive
STALE_AFTER = 0.75  # a channel silent for longer is not trusted: lookups go to the database
RECONNECT_DELAY = 0.2  # seconds before the first reconnection attempt, doubling up to:
MAX_RECONNECT_DELAY = 2.0

STATE, REVOCATIONS = "state", "revocations"  # the topics, in the order of a generation
TOPICS = (STATE, REVOCATIONS)
Generation = tuple[int, int]

log = logging.getLogger(__name__)


class LocalFeed:
    """One process's own counters: exact when no other process shares the database."""

    postgres = False

    def __init__(self) -> None:
        self._values = [0, 0]

    def generation(self) -> Generation | None:
        return self._values[0], self._values[1]

    def committed(self, topics: set[str]) -> None:
        """Changes of those topics were committed by this process."""
        for index, topic in enumerate(TOPICS):
            if topic in topics:
                self._values[index] += 1


class SqliteFeed(LocalFeed):
    """Counters in a file beside the SQLite database, shared by every process of the host."""

    _SIZE = 16

    def __init__(self, path: Path) -> None:
        super().__init__()
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if os.fstat(fd).st_size < self._SIZE:
                os.pwrite(fd, b"\0" * self._SIZE, 0)
            self._map = mmap.mmap(fd, self._SIZE)
        finally:
            os.close(fd)
        self._path = path

    def generation(self) -> Generation | None:
        state, revocations = struct.unpack_from("<QQ", self._map)
        return state, revocations

    def committed(self, topics: set[str]) -> None:
        fd = os.open(self._path, os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            values = list(struct.unpack_from("<QQ", self._map))
            for index, topic in enumerate(TOPICS):
                if topic in topics:
                    values[index] = (values[index] + 1) % 2**64
            struct.pack_into("<QQ", self._map, 0, *values)
        finally:
            os.close(fd)  # releases the lock


class PostgresFeed:
    """NOTIFY from the changing transaction, LISTEN in a thread of every serving process."""

    postgres = True

    def __init__(self, url: str) -> None:
        self._dsn = make_url(url).set(drivername="postgresql").render_as_string(False)
        self._values = [0, 0]
        self._alive_at = 0.0  # monotonic time of the last proof the channel works
        self._connected = False
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid = 0
        self.connection: Any = None  # the listening connection, for tests and diagnostics

    def generation(self) -> Generation | None:
        if self._pid != os.getpid():
            self._start()
            return None
        if not self._connected or time.monotonic() - self._alive_at > STALE_AFTER:
            return None
        return self._values[0], self._values[1]

    def committed(self, topics: set[str]) -> None:
        with self._lock:
            for index, topic in enumerate(TOPICS):
                if topic in topics:
                    self._values[index] += 1

    def _heard(self, notification: Any) -> None:
        """A NOTIFY on the channel: its payload names the topic (anything else: every topic)."""
        payload = getattr(notification, "payload", "")
        self.committed({payload} if payload in TOPICS else set(TOPICS))

    def _start(self) -> None:
        """Start this process's listener (after a fork the parent's thread is not ours)."""
        with self._lock:
            if self._pid == os.getpid():
                return
            self._pid = os.getpid()
            self._connected = False
            self._thread = threading.Thread(target=self._listen, name="cache-listener", daemon=True)
            self._thread.start()

    def _listen(self) -> None:
        delay = RECONNECT_DELAY
        while True:
            try:
                self._serve()
            except Exception as exc:  # any failure: stop trusting the cache, reconnect
                was_connected, self._connected = self._connected, False
                self.connection = None
                if was_connected or delay == RECONNECT_DELAY:  # once per outage
                    log.warning("Cache channel lost (%s): lookups go to the database", exc)
                delay = RECONNECT_DELAY if was_connected else min(delay * 2, MAX_RECONNECT_DELAY)
            time.sleep(delay)

    def _serve(self) -> None:
        """Listen until the connection fails; notifications are counted by _heard."""
        import psycopg

        with psycopg.connect(
            self._dsn, autocommit=True, application_name=LISTENER_NAME, connect_timeout=5
        ) as connection:
            self.connection = connection
            connection.add_notify_handler(self._heard)
            connection.execute(f"LISTEN {CHANNEL}")
            # Whatever changed while nobody listened: start again from the database.
            self.committed(set(TOPICS))
            self._alive_at = time.monotonic()
            self._connected = True
            while True:
                # Wait for a message or the heartbeat; the round trip then reads every pending
                # notification (the handler counts them) and proves the connection alive.
                select.select([connection.fileno()], [], [], HEARTBEAT)
                connection.execute("SELECT 1")
                self._alive_at = time.monotonic()


Feed = LocalFeed | PostgresFeed
_FEEDS: dict[str, Feed] = {}
_FEEDS_LOCK = threading.Lock()


def feed_for(database_url: str) -> Feed:
    """The process's feed for that database, made on first use."""
    with _FEEDS_LOCK:
        found = _FEEDS.get(database_url)
        if found is None:
            found = _FEEDS[database_url] = _make(database_url)
        return found


def _make(database_url: str) -> Feed:
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql":
        return PostgresFeed(database_url)
    database = url.database or ""
    if url.get_backend_name() == "sqlite" and database and database != ":memory:":
        path = Path(database)
        try:
            return SqliteFeed(path.with_name(path.name + "-cache"))
        except OSError as exc:
            log.warning("No shared cache counter beside %s (%s): caching is off", path, exc)
            return _Never()
    return LocalFeed()


class _Never(LocalFeed):
    """Caching off: every lookup goes to the database."""

    def generation(self) -> Generation | None:
        return None
