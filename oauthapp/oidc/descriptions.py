"""What userinfo and logout take and answer, for /openapi.json (SPEC §8)."""

from __future__ import annotations

from typing import Any

from oauthapp.openapi.schemas import FORM, component, html_page, oauth_error, redirect

_TEXT = {"type": "string"}
CLAIMS: dict[str, Any] = {
    "type": "object",
    "description": "sub, and the claims of the token's scopes (profile, email).",
    "required": ["sub"],
    "properties": {
        "sub": {**_TEXT, "description": "user:<id> or customer:<id>, as in the ID token."},
        "name": _TEXT,
        "preferred_username": _TEXT,
        "locale": _TEXT,
        "email": {**_TEXT, "format": "email"},
        "email_verified": {"type": "boolean"},
    },
}
USERINFO: dict[str, Any] = {
    "summary": "OpenID Connect userinfo: the claims of the token's scopes",
    "tags": ["OpenID Connect"],
    "operation_id": "userinfo",
    "security": ["bearer"],
}
USERINFO_RESPONSES: dict[int, Any] = {
    200: ("The claims (Cache-Control: no-store)", component("UserInfo", CLAIMS)),
    403: oauth_error("insufficient_scope: the token was not granted openid", "WWW-Authenticate"),
}

_LOGOUT_PARAMETERS = {
    "id_token_hint": "An ID token this server issued: who logs out, from which application.",
    "post_logout_redirect_uri": "One of the application's redirect URLs, to go back to.",
    "state": "Given back to the application with the redirect.",
}
LOGOUT: dict[str, Any] = {
    "summary": "RP-initiated logout (OpenID Connect), for a browser",
    "tags": ["OpenID Connect"],
    "operation_id": "logout",
    "parameters": [
        {"name": name, "in": "query", "required": False, "description": text, "schema": _TEXT}
        for name, text in _LOGOUT_PARAMETERS.items()
    ],
    "responses": {
        200: html_page("Without a hint: a page asking to confirm"),
        302: redirect("Logged out: back to the application, or to the logged-out page"),
        400: html_page("The hint or the redirect URL cannot be trusted"),
        503: html_page("The signing keys are unavailable to check the hint"),
    },
}
CONFIRM_LOGOUT: dict[str, Any] = {
    "summary": "Logout by form post: a relying party's, or the confirmation page's",
    "tags": ["OpenID Connect"],
    "operation_id": "confirm_logout",
    "request": {
        FORM: {
            "type": "object",
            "properties": {**{name: _TEXT for name in _LOGOUT_PARAMETERS}, "csrf_token": _TEXT},
        }
    },
    "responses": {
        302: redirect("Logged out"),
        400: html_page("No hint and no valid CSRF token, or a hint that cannot be trusted"),
        503: html_page("The signing keys are unavailable to check the hint"),
    },
}
LOGGED_OUT: dict[str, Any] = {
    "summary": "The page that says the user has been logged out",
    "tags": ["OpenID Connect"],
    "operation_id": "logged_out",
    "responses": {200: html_page("You have been logged out.")},
}
