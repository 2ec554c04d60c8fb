"""Per-process caches of what the token endpoint and the APIs look up, kept fresh (SPEC §9).

`cache()` is the current application's cache; `changed(session)` marks a transaction that
changes cached state in a way the session events cannot see (Core statements on a connection).
"""

from __future__ import annotations

from flask import Flask, current_app

from oauthapp.cache import tracking
from oauthapp.cache.feeds import REVOCATIONS, STATE, feed_for
from oauthapp.cache.store import Cache

changed = tracking.changed
_EXTENSION = "oauthapp.cache"

__all__ = ["REVOCATIONS", "STATE", "Cache", "announce", "cache", "changed", "init_app"]


def init_app(app: Flask, database_url: str, enabled: bool = True) -> None:
    app.extensions[_EXTENSION] = Cache(feed_for(database_url), enabled)


def cache(app: Flask | None = None) -> Cache:
    """The application's cache (the current one by default)."""
    found: Cache = (app or current_app).extensions[_EXTENSION]
    return found


def announce() -> None:
    """Tell every process that state outside the database changed (the key files): a
    transaction of its own that changes nothing but is announced like any change."""
    from oauthapp.extensions import db

    session = db.session()
    changed(session)
    session.commit()
