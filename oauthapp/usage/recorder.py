"""A worker's token counts: kept in memory, written at most once per interval and at exit.

Counting is a dictionary update under a lock, cheap enough for the token endpoint. A thread
of the worker (started with its first count, after any fork) writes the counts every
interval; a write that fails (database down) keeps them for the next one. At exit (gunicorn's
worker_exit hook, or the interpreter's atexit) the worker writes what it still holds.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time

from flask import Flask

from oauthapp.usage import store
from oauthapp.usage.store import Counts

log = logging.getLogger(__name__)

_running: set[Recorder] = set()  # recorders with a flushing thread in this process
_exit_hook_pid = 0


class Recorder:
    """Counts issued and refused token requests per application and hour, in memory."""

    def __init__(self, app: Flask, interval: int) -> None:
        self.app = app
        self.interval = interval
        self._counts: Counts = {}
        self._lock = threading.Lock()  # guards _counts
        self._flushing = threading.Lock()  # one write at a time
        self._stopped = threading.Event()
        self._pid = 0

    def record(self, application_id: int, issued: bool) -> None:
        """Add one issued token, or one refused request, to the application's current hour."""
        if self._pid != os.getpid():
            self._start()
        key = (application_id, int(time.time()) // 3600)
        with self._lock:
            counts = self._counts.setdefault(key, [0, 0])
            counts[0 if issued else 1] += 1

    def pending(self) -> Counts:
        """A copy of the counts not written yet."""
        with self._lock:
            return {key: list(value) for key, value in self._counts.items()}

    def flush(self) -> bool:
        """Write the counts gathered so far; False (and the counts kept) if that failed."""
        with self._flushing:
            with self._lock:
                taken, self._counts = self._counts, {}
            if not taken:
                return True
            try:
                with self.app.app_context():
                    store.add_counts(taken)
            except Exception as exc:  # the counts wait for the next attempt
                log.warning("Writing token usage counts failed, kept for later: %s", exc)
                self._give_back(taken)
                return False
            return True

    def stop(self) -> None:
        """Stop the flushing thread (what it has not written stays pending)."""
        self._stopped.set()
        _running.discard(self)

    def _give_back(self, taken: Counts) -> None:
        with self._lock:
            for key, (issued, refused) in taken.items():
                counts = self._counts.setdefault(key, [0, 0])
                counts[0] += issued
                counts[1] += refused

    def _start(self) -> None:
        """Start this process's flushing thread; counts copied from a parent are not ours."""
        with self._lock:
            if self._pid == os.getpid():
                return
            self._pid = os.getpid()
            self._counts = {}
            self._stopped = threading.Event()
        _running.add(self)
        _hook_exit()
        threading.Thread(target=self._run, name="usage-flush", daemon=True).start()

    def _run(self) -> None:
        stopped = self._stopped
        while not stopped.wait(self.interval):
            self.flush()


def flush_all() -> None:
    """Write every recorder's pending counts: the worker is about to exit."""
    for recorder in list(_running):
        if recorder._pid != os.getpid():  # a parent's, copied by a fork: not ours to write
            continue
        recorder.stop()
        recorder.flush()


def _hook_exit() -> None:
    global _exit_hook_pid
    if _exit_hook_pid != os.getpid():
        _exit_hook_pid = os.getpid()
        atexit.register(flush_all)
