"""Failed client authentications, counted per client id and address, and per address.

`rate_limit.token_endpoint` applies to both counts. A client id that failed too often from an
address is refused there, even with the right secret, until the window passes; an address with
too many failures of any client ids gets 429 instead of 401 for every further failure. The
password grant's user log-ins are held to the address's `rate_limit.login` count of /login.
"""

from __future__ import annotations

from authlib.oauth2.rfc6749.errors import OAuth2Error
from flask import current_app
from limits import RateLimitItem

from oauthapp import audit, get_settings
from oauthapp.security import login_throttle
from oauthapp.security.rates import cached_rate, key_prefix, rate_limiter, seconds_until_reset

CLIENT_FAILURES = "Too many failed client authentications. Try again later."
LOGIN_FAILURES = "Too many failed log-ins from this address. Try again later."


class TooManyFailures(OAuth2Error):
    """429 while a client id or an address has failed to authenticate too often."""

    error = "too_many_requests"
    status_code = 429

    def __init__(self, retry_after: int, description: str = CLIENT_FAILURES) -> None:
        super().__init__(description)
        self.retry_after = retry_after

    def get_headers(self) -> list[tuple[str, str]]:
        headers: list[tuple[str, str]] = super().get_headers()
        headers.append(("Retry-After", str(self.retry_after)))
        return headers


def _rate() -> RateLimitItem:
    return cached_rate("token_endpoint", get_settings().rate_limit_token_endpoint)


def _pair(client_id: str, address: str) -> tuple[str, str, str, str]:
    return (key_prefix(), "token-client", client_id[:128], address)


def _address(address: str) -> tuple[str, str, str]:
    return (key_prefix(), "token-ip", address)


def _too_many(rate: RateLimitItem, key: tuple[str, ...]) -> TooManyFailures:
    return TooManyFailures(seconds_until_reset(rate, key))


def check(client_id: str, address: str) -> None:
    """Before accepting good credentials: refuse a client id that failed too often from here.

    One storage call. Other clients behind the same address, and the same client from
    another address, are not held back by these failures.
    """
    rate = _rate()
    key = _pair(client_id, address)
    try:
        allowed = rate_limiter().test(rate, *key)
    except Exception:  # storage down: authenticate without the limit rather than refuse everyone
        current_app.logger.warning("Rate-limit storage unavailable; token endpoint not limited")
        return
    if not allowed:
        raise _too_many(rate, key)


def register_failure(client_id: str, address: str) -> None:
    """Count a failed authentication for the client id from this address and for the address.

    Raise TooManyFailures once either count is over the limit: a guesser gets no more answers.
    """
    rate = _rate()
    for key in (_pair(client_id, address), _address(address)):
        try:
            within = rate_limiter().hit(rate, *key)
        except Exception:
            current_app.logger.warning("Rate-limit storage unavailable; failure not counted")
            return
        if not within:
            raise _too_many(rate, key)


def check_login(client_id: str, address: str) -> None:
    """Before a user's password is verified: refuse an address over `rate_limit.login`.

    The counter /login keeps, read once; the password grant's failures count there too
    (`login_throttle.register_failure`), so neither door gives a guesser more tries.
    """
    wait = login_throttle.blocked_for(address)
    if wait is not None:
        audit.record_failure("password_grant_throttled", client_id, address)
        raise TooManyFailures(wait, LOGIN_FAILURES)
