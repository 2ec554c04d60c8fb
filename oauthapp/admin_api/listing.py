"""The list's query string: filters and page, checked strictly (a bad value is a 400)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from oauthapp.admin_api.bodies import MAX_ID
from oauthapp.admin_api.problems import Problem
from oauthapp.admin_api.service import ListQuery
from oauthapp.models import Grant, Kind

MAX_PER_PAGE = 100
MAX_NAME = 255
BAD_QUERY = "The query string is not valid: see errors."
PARAMETERS: list[dict[str, Any]] = [
    {"name": "name", "in": "query", "schema": {"type": "string", "maxLength": MAX_NAME},
     "description": "Part of the application's name (any case)."},
    {"name": "organization_id", "in": "query", "schema": {"type": "integer", "minimum": 1}},
    {"name": "active", "in": "query", "schema": {"type": "boolean"}},
    {"name": "kind", "in": "query", "schema": {"enum": [kind.value for kind in Kind]}},
    {"name": "grant", "in": "query", "schema": {"enum": [grant.value for grant in Grant]}},
    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
    {"name": "per_page", "in": "query",
     "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": 25}},
]  # fmt: skip


def parse_list_query(args: Mapping[str, str]) -> ListQuery:
    """The list query of ARGS, or a 400 problem naming each bad parameter."""
    errors: dict[str, list[str]] = {}

    def number(name: str, default: int | None, most: int = MAX_ID) -> int | None:
        value = args.get(name)
        if value is None:
            return default
        if not (value.isascii() and value.isdigit() and 0 < int(value) <= most):
            errors[name] = [f"This value should be an integer between 1 and {most}."]
            return default
        return int(value)

    def choice(name: str, allowed: tuple[str, ...]) -> str:
        value = args.get(name, "")
        if value and value not in allowed:
            errors[name] = [f"This value should be one of: {', '.join(allowed)}."]
            return ""
        return value

    name = args.get("name", "")
    if len(name) > MAX_NAME or "\x00" in name:
        errors["name"] = [f"This value should have {MAX_NAME} characters or less, and no NUL."]
    active = choice("active", ("true", "false"))
    query = ListQuery(
        name=name.strip(),
        organization_id=number("organization_id", None),
        active=None if not active else active == "true",
        kind=choice("kind", tuple(kind.value for kind in Kind)),
        grant=choice("grant", tuple(grant.value for grant in Grant)),
        page=number("page", 1) or 1,
        per_page=number("per_page", 25, MAX_PER_PAGE) or 25,
    )
    if errors:
        raise Problem(400, BAD_QUERY, errors, in_query=True)
    return query
