"""GET /openapi.json: the document, built once per process and served as the discovery
documents are (public, cacheable, readable from any allowed origin)."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Flask, Response, current_app, request

from oauthapp import get_settings
from oauthapp.openapi import documented
from oauthapp.openapi.document import build_document
from oauthapp.token.cors import add_cors_headers

blueprint = Blueprint("openapi", __name__)
_BUILT = "oauthapp.openapi.document"


@blueprint.get("/openapi.json")
@documented(
    summary="This document: OpenAPI 3.1 for every HTTP API of the server",
    tags=["Discovery"],
    operation_id="openapi",
    responses={200: ("The OpenAPI document", {"type": "object", "required": ["openapi"]})},
)
def openapi() -> Response:
    response = Response(document_bytes(current_app), mimetype="application/json")
    response.headers["Cache-Control"] = "public, max-age=300"
    response.add_etag()
    response.make_conditional(request)  # 304 for a client that has this version
    return add_cors_headers(response)


def document(app: Flask) -> dict[str, Any]:
    """The document of APP (parsed again from the bytes served: a copy the caller may keep)."""
    parsed: dict[str, Any] = json.loads(document_bytes(app))
    return parsed


def document_bytes(app: Flask) -> bytes:
    """The serialized document, built on first use; the routes do not change while serving."""
    built: bytes | None = app.extensions.get(_BUILT)
    if built is None:
        issuer = get_settings().oauth2_server.issuer
        built = json.dumps(build_document(app, issuer), ensure_ascii=False).encode("utf-8")
        app.extensions[_BUILT] = built
    return built
