"""Failed log-ins counted per address (`rate_limit.login`), on top of the per-account lockout.

The lockout protects one account; this stops one address from trying many accounts. /login and
the token endpoint's password grant count in, and are held back by, the same counter.
"""

from __future__ import annotations

from flask import current_app
from limits import RateLimitItem

from oauthapp import get_settings
from oauthapp.security.rates import cached_rate, key_prefix, rate_limiter, seconds_until_reset

MESSAGE = "Too many failed log-ins from your address. Please wait {seconds} seconds and try again."


def _rate() -> RateLimitItem:
    return cached_rate("login", get_settings().rate_limit_login)


def _key(address: str) -> tuple[str, str, str]:
    return (key_prefix(), "login-ip", address)


def blocked_for(address: str) -> int | None:
    """Seconds until this address may try again, or None if it may now."""
    rate = _rate()
    try:
        if rate_limiter().test(rate, *_key(address)):
            return None
        return seconds_until_reset(rate, _key(address))
    except Exception:  # storage down: the per-account lockout still holds
        current_app.logger.warning("Rate-limit storage unavailable; log-ins not limited")
        return None


def register_failure(address: str) -> None:
    try:
        rate_limiter().hit(_rate(), *_key(address))
    except Exception:
        current_app.logger.warning("Rate-limit storage unavailable; failed log-in not counted")
