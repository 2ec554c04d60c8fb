"""RFC 9457 problem details: every error of the management API, in one shape."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask import Response, json

MEDIA_TYPE = "application/problem+json"
TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    410: "Gone",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    500: "Internal Server Error",
    503: "Service Unavailable",
}
VALIDATION_FAILED = "The request body is not valid: see errors."


class Problem(Exception):
    """An error answer: STATUS, DETAIL for people, and per field (a JSON pointer) messages."""

    def __init__(
        self,
        status: int,
        detail: str,
        errors: Mapping[str, Sequence[str]] | None = None,
        headers: Mapping[str, str] | None = None,
        in_query: bool = False,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = {name: list(messages) for name, messages in (errors or {}).items()}
        self.headers = dict(headers or {})
        self.in_query = in_query

    def response(self) -> Response:
        return problem_response(self.status, self.detail, self.errors, self.headers, self.in_query)


def invalid(errors: Mapping[str, Sequence[str]], detail: str = VALIDATION_FAILED) -> Problem:
    """422 with the messages of each field."""
    return Problem(422, detail, errors)


def problem_response(
    status: int,
    detail: str,
    errors: Mapping[str, Sequence[str]] | None = None,
    headers: Mapping[str, str] | None = None,
    in_query: bool = False,
) -> Response:
    """The problem details document with its media type; never cached.

    Each message names its member of the body (a JSON pointer, "" for the whole body) or, with
    IN_QUERY, its query parameter."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = [
            {"parameter": name, "detail": message}
            if in_query
            else {"pointer": f"/{name}" if name else "", "detail": message}
            for name, messages in errors.items()
            for message in messages
        ]
    response = Response(json.dumps(body), status=status, mimetype=MEDIA_TYPE)
    response.headers["Cache-Control"] = "no-store"
    response.headers.update(headers or {})
    return response
