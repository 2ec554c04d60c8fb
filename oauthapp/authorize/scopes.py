"""The scopes a user may grant to an authorization-code application, with what each shares.

One registry: the authorize request, the consent page, the metadata and (next) OpenID Connect
all read it, so a new scope is one entry here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scope:
    name: str
    shares: str  # what the consent page says the application gets, in plain words


REGISTRY: dict[str, Scope] = {
    scope.name: scope
    for scope in (
        Scope("openid", "Your account identifier, to sign you in"),
        Scope("profile", "Your name, username and language"),
        Scope("email", "Your email address"),
    )
}
MAX_SCOPE_LENGTH = 1024  # the column that keeps a granted scope


class UnknownScope(ValueError):
    """A requested scope this server does not offer."""


def parse_scope(text: str | None) -> tuple[str, ...]:
    """The requested scopes, without duplicates, in registry order; UnknownScope otherwise."""
    if not text:
        return ()
    if len(text) > MAX_SCOPE_LENGTH:
        raise UnknownScope("The scope parameter is too long.")
    requested = set(text.split(" "))
    requested.discard("")
    unknown = requested - REGISTRY.keys()
    if unknown:
        raise UnknownScope("The scope may hold only: " + ", ".join(REGISTRY) + ".")
    return tuple(name for name in REGISTRY if name in requested)


def scope_text(scopes: tuple[str, ...] | list[str]) -> str:
    """The space-separated form stored in codes, consents and tokens."""
    return " ".join(scopes)


def split(text: str) -> set[str]:
    return {name for name in text.split(" ") if name}


def descriptions(scopes: tuple[str, ...]) -> list[str]:
    """What each scope shares, for the consent page."""
    return [REGISTRY[name].shares for name in scopes]
