"""Schemas more than one operation answers with: components of the document, named by `ref`."""

from __future__ import annotations

from typing import Any

PROBLEM_MEDIA_TYPE = "application/problem+json"
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
HTML = "text/html"


def ref(name: str) -> dict[str, str]:
    """A reference to the shared schema NAME (one of SCHEMAS)."""
    if name not in SCHEMAS:
        raise KeyError(f"no shared schema {name!r}: one of {', '.join(SCHEMAS)}")
    return {"$ref": f"#/components/schemas/{name}"}


def component(name: str, schema: dict[str, Any]) -> dict[str, str]:
    """Share SCHEMA as components/schemas/NAME (a model of its own in generated clients);
    a reference to it. A feature calls this where it defines the schema, at import."""
    if SCHEMAS.get(name, schema) != schema:
        raise ValueError(f"another schema is already named {name!r}")
    SCHEMAS[name] = schema
    return ref(name)


_STRING = {"type": "string"}
_INTEGER = {"type": "integer"}

OAUTH_ERROR: dict[str, Any] = {
    "type": "object",
    "description": "An OAuth error (RFC 6749 §5.2, RFC 6750 §3.1).",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "string",
            "examples": ["invalid_request", "invalid_client", "invalid_grant", "invalid_token"],
        },
        "error_description": {"type": "string", "description": "What went wrong, in English."},
        "hint": {"type": "string", "description": "Why an account was refused, e.g. locked."},
    },
}

TOKEN_RESPONSE: dict[str, Any] = {
    "type": "object",
    "description": "A successful token response (RFC 6749 §5.1).",
    "required": ["token_type", "expires_in", "access_token"],
    "properties": {
        "token_type": {"const": "Bearer"},
        "expires_in": {**_INTEGER, "description": "Seconds the access token lives."},
        "access_token": {**_STRING, "description": "A JWT (RFC 9068 profile, typ at+jwt)."},
        "refresh_token": {
            **_STRING,
            "description": "Password, refresh and authorization code grants, when enabled.",
        },
        "id_token": {**_STRING, "description": "With the openid scope: the ID token (a JWT)."},
        "scope": {**_STRING, "description": "The scopes granted, when there are any."},
    },
}

INTROSPECTION_RESPONSE: dict[str, Any] = {
    "type": "object",
    "description": "RFC 7662 §2.2. An inactive or unknown token answers only active: false.",
    "required": ["active"],
    "properties": {
        "active": {"type": "boolean"},
        "token_type": {"enum": ["Bearer", "refresh_token"]},
        "client_id": _STRING,
        "username": _STRING,
        "sub": {**_STRING, "description": "The acting account's id, as a string."},
        "iss": _STRING,
        "aud": _STRING,
        "exp": _INTEGER,
        "iat": _INTEGER,
        "nbf": _INTEGER,
        "jti": _STRING,
        "scope": _STRING,
        "org": {**_INTEGER, "description": "The application's organization id."},
    },
}

PROBLEM: dict[str, Any] = {
    "type": "object",
    "description": "Problem details (RFC 9457); `errors` holds the form's messages, each naming "
    "its member of the body (a JSON pointer) or its query parameter.",
    "properties": {
        "type": {"type": "string", "format": "uri-reference", "default": "about:blank"},
        "title": _STRING,
        "status": _INTEGER,
        "detail": _STRING,
        "instance": {"type": "string", "format": "uri-reference"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["detail"],
                "properties": {"pointer": _STRING, "parameter": _STRING, "detail": _STRING},
            },
        },
    },
}

SCHEMAS: dict[str, dict[str, Any]] = {
    "OAuthError": OAUTH_ERROR,
    "TokenResponse": TOKEN_RESPONSE,
    "IntrospectionResponse": INTROSPECTION_RESPONSE,
    "Problem": PROBLEM,
}

SECURITY_SCHEMES: dict[str, dict[str, Any]] = {
    "bearer": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "An access token from the token endpoint, in the Authorization header.",
    },
    "basic": {
        "type": "http",
        "scheme": "basic",
        "description": "Client authentication: client_id and client_secret (RFC 6749 §2.3.1).",
    },
}
# In `Operation.security`, this name stands for "no credentials in a header" (an alternative).
ANONYMOUS = "anonymous"

HEADERS: dict[str, dict[str, Any]] = {
    "WWW-Authenticate": {
        "description": "The challenge: Bearer with error and error_description (RFC 6750), or "
        'Basic realm="OAuth" when the client authenticated with HTTP Basic.',
        "schema": _STRING,
    },
    "Retry-After": {"description": "Seconds to wait before trying again.", "schema": _INTEGER},
    "Cache-Control": {
        "description": "no-store for anything with a token in it.",
        "schema": _STRING,
    },
}


def json_response(
    description: str, schema: dict[str, Any], *headers: str, media: str = JSON
) -> dict[str, Any]:
    """A Response Object with a JSON body and some of HEADERS."""
    response: dict[str, Any] = {"description": description, "content": {media: {"schema": schema}}}
    if headers:
        response["headers"] = {name: HEADERS[name] for name in headers}
    return response


def oauth_error(description: str, *headers: str) -> dict[str, Any]:
    """A Response Object for an OAuth error body (RFC 6749 §5.2 or RFC 6750 §3.1)."""
    return json_response(description, ref("OAuthError"), "Cache-Control", *headers)


def html_page(description: str) -> dict[str, Any]:
    """A Response Object for a page a person reads in a browser."""
    return {"description": description, "content": {HTML: {"schema": _STRING}}}


def redirect(description: str) -> dict[str, Any]:
    """A Response Object for a redirect."""
    location = {"description": "Where the browser goes next.", "schema": _STRING}
    return {"description": description, "headers": {"Location": location}}
