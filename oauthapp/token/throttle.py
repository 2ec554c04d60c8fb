"""Failed client authentications, counted per client id and per IP (rate_limit.token_endpoint)."""

from __future__ import annotations

import math
import time

from authlib.oauth2.rfc6749.errors import OAuth2Error
from flask import current_app
from limits import RateLimitItem, parse

from oauthapp import get_settings
from oauthapp.extensions import limiter


class TooManyFailures(OAuth2Error):
    """429 while a client id or an address has failed to authenticate too often."""

    error = "too_many_requests"
    status_code = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__("Too many failed client authentications. Try again later.")
        self.retry_after = retry_after

    def get_headers(self) -> list[tuple[str, str]]:
        headers: list[tuple[str, str]] = super().get_headers()
        headers.append(("Retry-After", str(self.retry_after)))
        return headers


def _rate() -> RateLimitItem:
    rate = current_app.extensions.get("oauthapp.token_rate")
    if rate is None:
        rate = parse(get_settings().rate_limit_token_endpoint)
        current_app.extensions["oauthapp.token_rate"] = rate
    return rate


def _keys(client_id: str, address: str) -> list[tuple[str, str, str]]:
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX", "") or "oauthapp"
    return [(prefix, "token-client", client_id[:128]), (prefix, "token-ip", address)]


def check(client_id: str, address: str) -> None:
    """Raise TooManyFailures while either counter is over the limit."""
    rate = _rate()
    try:
        for key in _keys(client_id, address):
            if not limiter.limiter.test(rate, *key):
                reset = limiter.limiter.get_window_stats(rate, *key).reset_time
                raise TooManyFailures(max(1, math.ceil(reset - time.time())))
    except TooManyFailures:
        raise
    except Exception:  # storage down: authenticate without the limit rather than refuse everyone
        current_app.logger.warning("Rate-limit storage unavailable; token endpoint not limited")


def register_failure(client_id: str, address: str) -> None:
    """Count one failed client authentication against both counters."""
    rate = _rate()
    try:
        for key in _keys(client_id, address):
            limiter.limiter.hit(rate, *key)
    except Exception:
        current_app.logger.warning("Rate-limit storage unavailable; failure not counted")
