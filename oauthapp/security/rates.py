"""Rate limits kept in the limiter's storage (memory, or Redis shared by every process)."""

from __future__ import annotations

import math
import time

from flask import current_app
from limits import RateLimitItem, parse

from oauthapp.extensions import limiter


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
    reset = limiter.limiter.get_window_stats(rate, *key).reset_time
    return max(1, math.ceil(reset - time.time()))
