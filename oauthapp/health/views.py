"""GET /health/live and GET /health/ready (docs/operations.md)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from oauthapp.health.checks import failures

blueprint = Blueprint("health", __name__)


@blueprint.get("/health/live")
def live() -> Response:
    """The process answers; no dependency is touched."""
    return _no_store(jsonify(status="live"))


@blueprint.get("/health/ready")
def ready() -> Response:
    """200 while the database, the keys and (when configured) Redis work; else 503 naming them."""
    failed = failures()
    if failed:
        response = jsonify(status="unavailable", failed=failed)
        response.status_code = 503
        return _no_store(response)
    return _no_store(jsonify(status="ready"))


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response
