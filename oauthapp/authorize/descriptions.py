"""What the authorization endpoint takes and answers, for /openapi.json (SPEC §7)."""

from __future__ import annotations

from typing import Any

from oauthapp.openapi.schemas import FORM, html_page, redirect

_TEXT = {"type": "string"}
_PARAMETERS: list[tuple[str, bool, dict[str, Any]]] = [
    ("response_type", True, {"const": "code"}),
    ("client_id", True, _TEXT),
    ("redirect_uri", False, {**_TEXT, "description": "One of the registered redirect URLs."}),
    ("state", False, _TEXT),
    ("scope", False, {**_TEXT, "description": "openid, profile, email."}),
    ("nonce", False, _TEXT),
    ("code_challenge", False, {**_TEXT, "description": "Required for public clients."}),
    ("code_challenge_method", False, {"const": "S256"}),
    ("prompt", False, {"enum": ["none", "login", "consent"]}),
    ("max_age", False, {"type": "integer", "minimum": 0}),
]
PARAMETERS = [
    {"name": name, "in": "query", "required": required, "schema": schema}
    for name, required, schema in _PARAMETERS
]
_REDIRECT = redirect(
    "To the login page; or to the redirect URL with code, state and iss, or with error, "
    "error_description, state and iss"
)
_UNTRUSTED = html_page("Unknown or inactive client, or a redirect URL not registered")

AUTHORIZE: dict[str, Any] = {
    "summary": "The authorization endpoint: the browser leg of the authorization code grant",
    "tags": ["OAuth 2.0"],
    "operation_id": "authorize",
    "methods": ["GET"],
    "parameters": PARAMETERS,
    "responses": {200: html_page("The consent page"), 302: _REDIRECT, 400: _UNTRUSTED},
}
DECIDE: dict[str, Any] = {
    "summary": "The consent page's answer: Grant or Cancel",
    "tags": ["OAuth 2.0"],
    "operation_id": "authorize_decision",
    "methods": ["POST"],
    "parameters": PARAMETERS,
    "request": {
        FORM: {
            "type": "object",
            "required": ["csrf_token"],
            "properties": {"csrf_token": _TEXT, "decision": {"enum": ["grant", "cancel"]}},
        }
    },
    "responses": {302: _REDIRECT, 400: html_page("A missing or expired CSRF token, or as GET")},
}
