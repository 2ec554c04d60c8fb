"""Request bodies: a JSON object whose members have the right types, as form data.

The back-office's WTForms forms validate what the API receives, so a value gets the same
message in both; this module only checks what a form cannot (JSON types, unknown members) and
turns the object into the form data a browser would have posted.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from flask import Request
from werkzeug.datastructures import MultiDict

from oauthapp.admin_api.problems import Problem, invalid

NOT_JSON = "Send the body as application/json."
MALFORMED = "The body is not valid JSON."
NOT_OBJECT = "The body must be a JSON object."
UNKNOWN = "This field is not expected."
READ_ONLY = "This field cannot be changed."
MAX_ID = 2**31 - 1
TYPE_NAMES = {str: "string", bool: "boolean", int: "integer", list: "array of strings"}

# The members a create accepts, and their JSON types (None: null allowed too).
CREATE_FIELDS: dict[str, tuple[type, bool]] = {
    "organization_id": (int, True),
    "name": (str, False),
    "grant": (str, False),
    "kind": (str, False),
    "owner_id": (int, True),
    "active": (bool, False),
    "redirect_uris": (list, False),
    "confidential": (bool, False),
    "skip_consent": (bool, False),
}
UPDATE_FIELDS = {
    name: CREATE_FIELDS[name]
    for name in ("name", "active", "redirect_uris", "confidential", "skip_consent")
}
FIXED_FIELDS = ("organization_id", "grant", "kind", "owner_id")  # fixed once created


def json_object(request: Request) -> dict[str, Any]:
    """The request's JSON object, or a 415 or 400 problem."""
    if request.mimetype != "application/json":
        raise Problem(415, NOT_JSON)
    try:
        body = json.loads(request.get_data(cache=True))
    except (ValueError, RecursionError):  # JSONDecodeError and UnicodeDecodeError too
        raise Problem(400, MALFORMED) from None
    if not isinstance(body, dict):
        raise Problem(400, NOT_OBJECT)
    return body


def checked(body: Mapping[str, Any], fields: Mapping[str, tuple[type, bool]]) -> dict[str, Any]:
    """BODY if each member is known and of its type; else a 422 naming each wrong member."""
    errors: dict[str, list[str]] = {}
    for name, value in body.items():
        if name not in fields:
            errors[name] = [READ_ONLY if name in FIXED_FIELDS else UNKNOWN]
            continue
        kind, nullable = fields[name]
        if not _of_type(value, kind, nullable):
            errors[name] = [f"This value should be of type {TYPE_NAMES[kind]}."]
        elif kind is int and value is not None and not 0 < value <= MAX_ID:
            errors[name] = [f"This value should be between 1 and {MAX_ID}."]
    if errors:
        raise invalid(errors)
    return dict(body)


def _of_type(value: Any, kind: type, nullable: bool) -> bool:
    if value is None:
        return nullable
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind is list:
        return isinstance(value, list) and all(isinstance(item, str) for item in value)
    return isinstance(value, kind)


def form_data(values: Mapping[str, Any]) -> MultiDict[str, str]:
    """What a browser would post for these values: checked boxes as "y", lists as repeats."""
    data: MultiDict[str, str] = MultiDict()
    for name, value in values.items():
        if isinstance(value, bool):
            if value:
                data.add(name, "y")
        elif isinstance(value, list):
            for item in value:
                data.add(name, item)
        elif value is not None:
            data.add(name, str(value))
    return data
