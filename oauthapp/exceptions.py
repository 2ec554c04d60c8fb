"""Errors that service functions raise; views and commands turn them into messages."""

from __future__ import annotations


class ServiceError(Exception):
    """A request that cannot be carried out; the message is meant for the user."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(ServiceError):
    """The named thing does not exist (or is not visible to the caller)."""


class Conflict(ServiceError):
    """The change would break a uniqueness rule."""


class InvalidInput(ServiceError):
    """A value is not acceptable."""
