"""CORS for browser clients of the token endpoint and the APIs (oauth2_server...cors)."""

from __future__ import annotations

from flask import Response, request

from oauthapp import get_settings

BASE_HEADERS = ("Authorization", "Content-Type")


def allowed_origin() -> str | None:
    """The Access-Control-Allow-Origin value for this request, or None (no CORS headers)."""
    origin = request.headers.get("Origin")
    if not origin:
        return None
    origins = get_settings().oauth2_server.authorization_server.cors.allow_origins
    if "*" in origins:
        return "*"
    return origin if origin in origins else None


def add_cors_headers(response: Response) -> Response:
    """Let an allowed origin read the response (and the error details in it)."""
    origin = allowed_origin()
    if origin is not None:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Expose-Headers"] = "WWW-Authenticate, Retry-After"
    if origin != "*":
        response.vary.add("Origin")
    return response


def preflight(methods: str) -> Response:
    """The answer to an OPTIONS request: what an allowed origin may send."""
    response = Response(status=204)
    response.headers["Allow"] = methods
    origin = allowed_origin()
    if origin != "*":
        response.vary.add("Origin")
    if origin is not None:
        cors = get_settings().oauth2_server.authorization_server.cors
        response.headers["Access-Control-Allow-Origin"] = origin
        headers = dict.fromkeys((*BASE_HEADERS, *cors.allow_headers))
        response.headers["Access-Control-Allow-Methods"] = methods
        response.headers["Access-Control-Allow-Headers"] = ", ".join(headers)
        response.headers["Access-Control-Max-Age"] = str(cors.preflight_max_age)
    return response
