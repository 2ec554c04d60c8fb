"""Change feeds: how every process learns, within a second, that cached state has changed.

A feed hands out a generation: any value, equal as long as nothing cached may have changed.
`generation()` returns None while the feed cannot vouch for that (its channel is down): callers
then ask the database and keep nothing.

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

log = logging.getLogger(__name__)


class LocalFeed:
    """One process's own counter: exact when no other process shares the database."""

    postgres = False

    def __init__(self) -> None:
        self._value = 0

    def generation(self) -> int | None:
        return self._value

    def committed(self) -> None:
        """A change was committed by this process."""
        self._value += 1


class SqliteFeed(LocalFeed):
    """A counter in a file beside the SQLite database, shared by every process of the host."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if os.fstat(fd).st_size < 8:
                os.pwrite(fd, b"\0" * 8, 0)
            self._map = mmap.mmap(fd, 8)
        finally:
            os.close(fd)
        self._path = path

    def generation(self) -> int | None:
        value: int = struct.unpack_from("<Q", self._map)[0]
        return value

    def committed(self) -> None:
        fd = os.open(self._path, os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            value = struct.unpack_from("<Q", self._map)[0]
            struct.pack_into("<Q", self._map, 0, (value + 1) % 2**64)
        finally:
            os.close(fd)  # releases the lock


class PostgresFeed:
    """NOTIFY from the changing transaction, LISTEN in a thread of every serving process."""

    postgres = True

    def __init__(self, url: str) -> None:
        self._dsn = make_url(url).set(drivername="postgresql").render_as_string(False)
        self._value = 0
        self._alive_at = 0.0  # monotonic time of the last proof the channel works
        self._connected = False
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid = 0
        self.connection: Any = None  # the listening connection, for tests and diagnostics

    def generation(self) -> int | None:
        if self._pid != os.getpid():
            self._start()
            return None
        if not self._connected or time.monotonic() - self._alive_at > STALE_AFTER:
            return None
        return self._value

    def committed(self) -> None:
        with self._lock:
            self._value += 1

    def _bump(self, *_: Any) -> None:
        with self._lock:
            self._value += 1

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
        """Listen until the connection fails; notifications are counted by _bump."""
        import psycopg

        with psycopg.connect(
            self._dsn, autocommit=True, application_name=LISTENER_NAME, connect_timeout=5
        ) as connection:
            self.connection = connection
            connection.add_notify_handler(self._bump)
            connection.execute(f"LISTEN {CHANNEL}")
            # Whatever changed while nobody listened: start again from the database.
            self._bump()
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

    def generation(self) -> int | None:
        return None
