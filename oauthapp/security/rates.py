"""Rate limits kept in one storage (memory, or Redis shared by every process and host).

The `limits` library's fixed windows, used directly by the throttles: no request pays for a
limit it does not count. RATELIMIT_KEY_PREFIX (Flask config) separates the counters of apps
that share a storage.
"""

from __future__ import annotations

import math
import time

from flask import Flask, current_app
from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter, RateLimiter

_EXTENSION = "oauthapp.rate_limiter"


def init_app(app: Flask, storage_url: str) -> None:
    """Counters in the storage at STORAGE_URL (memory:// or redis://); connects on first use."""
    app.extensions[_EXTENSION] = FixedWindowRateLimiter(storage_from_string(storage_url))


def rate_limiter() -> RateLimiter:
    """The current application's rate limiter."""
    found: RateLimiter = current_app.extensions[_EXTENSION]
    return found


def key_prefix() -> str:
    return str(current_app.config.get("RATELIMIT_KEY_PREFIX", "") or "oauthapp")


def cached_rate(name: str, text: str) -> RateLimitItem:
    """The parsed rate of a setting, parsed once per application."""
    key = f"oauthapp.rate.{name}"
    rate: RateLimitItem | None = current_app.extensions.get(key)
    if rate is None:
        rate = parse(text)
        current_app.extensions[key] = rate
    return rate


def seconds_until_reset(rate: RateLimitItem, key: tuple[str, ...]) -> int:
    """Whole seconds (at least one) until the counter under KEY leaves the limit."""
    reset = rate_limiter().get_window_stats(rate, *key).reset_time
    return max(1, math.ceil(reset - time.time()))
