"""Reading OAuth request bodies: form or JSON, small, flat, every parameter once."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from authlib.oauth2.rfc6749.errors import InvalidRequestError
from flask import Request

MAX_BODY = 64 * 1024
MAX_PARAMETERS = 64
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
SEND_AS = f"Send the body as {JSON} or {FORM} (Content-Type header)."


def read_parameters(request: Request) -> dict[str, str]:
    """The body's parameters, or InvalidRequestError saying what is wrong with it."""
    media_type = request.mimetype
    if media_type not in (FORM, JSON):
        raise InvalidRequestError(SEND_AS)
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise InvalidRequestError(f"The body must not exceed {MAX_BODY // 1024} KiB.")
    raw = request.stream.read(MAX_BODY + 1)
    if len(raw) > MAX_BODY:
        raise InvalidRequestError(f"The body must not exceed {MAX_BODY // 1024} KiB.")
    if media_type == FORM and raw.lstrip()[:1] == b"{":
        # JSON sent as a form: what `curl -d '{…}'` does without -H 'Content-Type: …'.
        raise InvalidRequestError(f"The body looks like JSON but was sent as a form. {SEND_AS}")
    pairs = _json_pairs(raw) if media_type == JSON else _form_pairs(raw)
    return _checked(pairs)


def _form_pairs(raw: bytes) -> list[tuple[str, Any]]:
    try:
        text = raw.decode("utf-8")
        return parse_qsl(
            text, keep_blank_values=True, errors="strict", max_num_fields=MAX_PARAMETERS
        )
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidRequestError("The form body is not valid UTF-8 form data.") from exc


def _json_pairs(raw: bytes) -> list[tuple[str, Any]]:
    try:
        # RFC 8259 §8.1: UTF-8 only; json.loads would sniff UTF-16 and UTF-32 from bytes.
        document = json.loads(
            raw.decode("utf-8"), object_pairs_hook=_pairs_object, parse_constant=_no_constant
        )
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError too
        raise InvalidRequestError("The body is not valid JSON.") from exc
    if not isinstance(document, _PairsObject):
        raise InvalidRequestError("The JSON body must be an object.")
    if len(document.pairs) > MAX_PARAMETERS:
        raise InvalidRequestError("The body has too many parameters.")
    return document.pairs


class _PairsObject(dict[str, Any]):
    """A JSON object that remembers every pair, so duplicates can be refused."""

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        super().__init__(pairs)
        self.pairs = pairs


def _pairs_object(pairs: list[tuple[str, Any]]) -> _PairsObject:
    return _PairsObject(pairs)


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _checked(pairs: list[tuple[str, Any]]) -> dict[str, str]:
    parameters: dict[str, str] = {}
    for name, value in pairs:
        if not isinstance(value, str):
            raise InvalidRequestError(f"The parameter {_shown(name)} must be a string.")
        if name in parameters:
            raise InvalidRequestError(f"The parameter {_shown(name)} is repeated.")
        if not _clean(name) or not _clean(value):
            raise InvalidRequestError("Parameters must be text without NUL characters.")
        parameters[name] = value
    return parameters


def _clean(text: str) -> bool:
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates from a JSON escape
        return False
    return True


def _shown(name: str) -> str:
    """A parameter name fit for an RFC 6749 error description (printable ASCII, no quotes)."""
    safe = "".join(char for char in name[:40] if 0x20 <= ord(char) <= 0x7E and char not in '"\\')
    return f"'{safe}'"
