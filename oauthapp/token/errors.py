"""OAuth errors of this server beyond Authlib's: grant refusals with hints, 503."""

from __future__ import annotations

from typing import Any

from authlib.oauth2.rfc6749.errors import (
    InvalidGrantError,
    OAuth2Error,
    UnsupportedGrantTypeError,
)


class GrantRefused(InvalidGrantError):
    """400 invalid_grant, with an optional hint saying why (disabled or locked account)."""

    def __init__(self, description: str, hint: str | None = None) -> None:
        super().__init__(description=description)
        self.hint = hint

    def get_body(self) -> list[tuple[str, Any]]:
        body: list[tuple[str, Any]] = super().get_body()
        if self.hint:
            body.append(("hint", self.hint))
        return body


class TemporarilyUnavailable(OAuth2Error):
    """503: keys missing or the database unreachable; the client should retry later."""

    error = "temporarily_unavailable"
    status_code = 503

    def get_headers(self) -> list[tuple[str, str]]:
        headers: list[tuple[str, str]] = super().get_headers()
        headers.append(("Retry-After", "30"))
        return headers


class UnsupportedGrant(UnsupportedGrantTypeError):
    """400 unsupported_grant_type, with a description a client developer can act on."""

    def __init__(self, description: str) -> None:
        super().__init__(None)
        self.description = description

    def get_error_description(self) -> str:
        return str(self.description)
