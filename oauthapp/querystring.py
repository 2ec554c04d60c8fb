"""Reading values that people type or edit in URLs: never an error, at worst the default."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func, or_

MAX_ID_DIGITS = 9  # fits every integer column, and no int() of a huge string


def positive_int(value: str | None) -> int | None:
    """The value as a positive integer of at most nine ASCII digits, or None."""
    if not value or not value.isascii() or not value.isdigit() or len(value) > MAX_ID_DIGITS:
        return None
    number = int(value)
    return number if number > 0 else None


def contains_pattern(text: str) -> str:
    """A LIKE pattern (escape character \\) for values containing the text, in lower case."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def matching(*columns: Any, text: str) -> ColumnElement[bool]:
    """Any of the columns contains the text, whatever its case; % and _ match themselves."""
    pattern = contains_pattern(text)
    return or_(*(func.lower(column).like(pattern, escape="\\") for column in columns))
