"""The rules for the redirect URLs of authorization-code applications (RFC 6749, RFC 8252).

One function decides for the back-office form, the command line and the management API.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import SplitResult, urlsplit

from oauthapp.exceptions import InvalidInput

FIELD = "redirect_uris"
MAX_REDIRECT_URIS = 20
MAX_REDIRECT_URI_LENGTH = 2000
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
REQUIRED = "At least one redirect URL should be specified."
TOO_MANY = f"At most {MAX_REDIRECT_URIS} redirect URLs may be registered."
TOO_LONG = (
    f"This redirect URL is too long. It should have {MAX_REDIRECT_URI_LENGTH} characters or less."
)
SPACES = "A redirect URL must not contain spaces or control characters."
NOT_A_URL = "This is not a valid URL."
RELATIVE = "A redirect URL must be absolute, such as https://app.example/callback."
FRAGMENT = "A redirect URL must not contain a fragment (#…)."
USERINFO = "A redirect URL must not contain a user name or password."
NO_HOST = "An https redirect URL must name a host."
PLAIN_HTTP = (
    "An http redirect URL is allowed only on a loopback host (localhost, 127.0.0.1 or [::1]); "
    "use https."
)
CUSTOM_SCHEME = (
    "Any scheme other than https or http must be a private-use scheme containing a dot, "
    "such as com.example.app:/callback."
)
_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*:", re.IGNORECASE)


class InvalidRedirectUris(InvalidInput):
    """Redirect URLs that may not be registered; problems maps a row (None: the list) to why."""

    def __init__(self, problems: dict[int | None, str], uris: list[str]) -> None:
        row, message = next(iter(problems.items()))
        super().__init__(message if row is None else f"{uris[row]!r}: {message}", FIELD)
        self.problems = problems


def clean_redirect_uris(values: Iterable[str]) -> list[str]:
    """The URLs stripped, blanks and repeats left out, in order; InvalidRedirectUris otherwise.

    Problems are keyed by the position in values, so a form can show each next to its row.
    """
    uris = [(value or "").strip() for value in values]
    problems: dict[int | None, str] = {}
    kept: list[str] = []
    for row, uri in enumerate(uris):
        if not uri or uri in kept:
            continue
        problem = redirect_uri_problem(uri)
        if problem:
            problems[row] = problem
        kept.append(uri)
    if not kept:
        problems[None] = REQUIRED
    elif len(kept) > MAX_REDIRECT_URIS:
        problems[None] = TOO_MANY
    if problems:
        raise InvalidRedirectUris(problems, uris)
    return kept


def redirect_uri_problem(uri: str) -> str | None:
    """Why this one URL may not be registered, or None when it may."""
    if len(uri) > MAX_REDIRECT_URI_LENGTH:
        return TOO_LONG
    if any(char.isspace() or ord(char) < 32 or ord(char) == 127 for char in uri):
        return SPACES
    if not _SCHEME.match(uri):
        return RELATIVE
    if "#" in uri:
        return FRAGMENT
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018 (raises ValueError for a port that is not a number)
    except ValueError:
        return NOT_A_URL
    return _scheme_problem(parts)


def _scheme_problem(parts: SplitResult) -> str | None:
    scheme = parts.scheme.lower()
    if parts.username is not None or parts.password is not None:
        return USERINFO
    if scheme == "https":
        return None if parts.hostname else NO_HOST
    if scheme == "http":
        return None if parts.hostname in LOOPBACK_HOSTS else PLAIN_HTTP
    return None if "." in scheme else CUSTOM_SCHEME
