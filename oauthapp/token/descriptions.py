"""What the token service's endpoints take and answer, for /openapi.json (SPEC §3, §4, §7)."""

from __future__ import annotations

from typing import Any

from oauthapp.openapi.schemas import (
    ANONYMOUS,
    FORM,
    JSON,
    component,
    json_response,
    oauth_error,
    ref,
)

_TEXT = {"type": "string"}
CLIENT_AUTHENTICATION = {
    "client_id": {**_TEXT, "description": "With client_secret: client_secret_post."},
    "client_secret": {**_TEXT, "description": "Never together with HTTP Basic."},
}


def _grant(
    name: str, title: str, description: str, required: tuple[str, ...], **extra: Any
) -> dict[str, Any]:
    return {
        "title": title,
        "description": description,
        "type": "object",
        "required": ["grant_type", *required],
        "properties": {"grant_type": {"const": name}, **extra, **CLIENT_AUTHENTICATION},
    }


TOKEN_REQUEST: dict[str, Any] = {
    "description": "The grant's parameters; every parameter once, as a string.",
    "oneOf": [
        _grant(
            "client_credentials",
            "ClientCredentialsGrant",
            "The application acts for its owner; no refresh token.",
            (),
            scope={**_TEXT, "description": "Only scopes granted to the application."},
        ),
        _grant(
            "password",
            "PasswordGrant",
            "Back-office users log in by username, customer users by email.",
            ("username", "password"),
            username=_TEXT,
            password={**_TEXT, "format": "password"},
        ),
        _grant(
            "refresh_token",
            "RefreshTokenGrant",
            "A new pair; the refresh token sent stops working (rotation).",
            ("refresh_token",),
            refresh_token=_TEXT,
            scope={**_TEXT, "description": "No wider than the scope granted."},
        ),
        _grant(
            "authorization_code",
            "AuthorizationCodeGrant",
            "A code from the authorization endpoint, with its PKCE verifier.",
            ("code",),
            code=_TEXT,
            redirect_uri={**_TEXT, "description": "Required when the authorize request had one."},
            code_verifier={**_TEXT, "minLength": 43, "maxLength": 128},
        ),
    ],
}

TOKEN_PARAMETERS: dict[str, Any] = {
    "type": "object",
    "required": ["token"],
    "properties": {
        "token": {**_TEXT, "minLength": 1},
        "token_type_hint": {"enum": ["access_token", "refresh_token"]},
        **CLIENT_AUTHENTICATION,
    },
}

CLIENT_ERRORS = {
    400: oauth_error("invalid_request, unsupported_token_type, …"),
    401: oauth_error("invalid_client: the client did not authenticate", "WWW-Authenticate"),
    429: oauth_error("too_many_requests: too many failed client authentications", "Retry-After"),
    503: oauth_error("temporarily_unavailable: keys or database unavailable", "Retry-After"),
}
CLIENT_SECURITY = ["basic", ANONYMOUS]  # HTTP Basic, or the credentials in the body

TOKEN: dict[str, Any] = {
    "summary": "Issue tokens: client credentials, password, refresh token, authorization code",
    "tags": ["OAuth 2.0"],
    "operation_id": "token",
    "request": {FORM: TOKEN_REQUEST, JSON: TOKEN_REQUEST},
    "responses": {
        200: json_response(
            "The tokens (Cache-Control: no-store)", ref("TokenResponse"), "Cache-Control"
        ),
        **CLIENT_ERRORS,
        400: oauth_error("invalid_request, invalid_grant, invalid_scope or unsupported_grant_type"),
    },
    "security": CLIENT_SECURITY,
}

REVOKE: dict[str, Any] = {
    "summary": "Revoke an access or refresh token of this client (RFC 7009)",
    "tags": ["OAuth 2.0"],
    "operation_id": "revoke",
    "request": {FORM: TOKEN_PARAMETERS, JSON: TOKEN_PARAMETERS},
    "responses": {
        200: ("Revoked, or unknown: the answer is the same", {"type": "object"}),
        **CLIENT_ERRORS,
    },
    "security": CLIENT_SECURITY,
}

INTROSPECT: dict[str, Any] = {
    "summary": "Whether a token of this client's organization is active, and its claims",
    "tags": ["OAuth 2.0"],
    "operation_id": "introspect",
    "request": {FORM: TOKEN_PARAMETERS, JSON: TOKEN_PARAMETERS},
    "responses": {
        200: ("The token's state (RFC 7662)", ref("IntrospectionResponse")),
        **CLIENT_ERRORS,
    },
    "security": CLIENT_SECURITY,
}

_URL = {"type": "string", "format": "uri"}
_LIST = {"type": "array", "items": _TEXT}
SERVER_METADATA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 8414 authorization server metadata.",
    "required": ["issuer", "token_endpoint", "jwks_uri", "grant_types_supported"],
    "properties": {
        "issuer": _URL,
        "authorization_endpoint": _URL,
        "token_endpoint": _URL,
        "jwks_uri": _URL,
        "revocation_endpoint": _URL,
        "introspection_endpoint": _URL,
        "grant_types_supported": _LIST,
        "response_types_supported": _LIST,
        "scopes_supported": _LIST,
        "code_challenge_methods_supported": _LIST,
        "token_endpoint_auth_methods_supported": _LIST,
    },
}
OPENID_CONFIGURATION: dict[str, Any] = {
    **SERVER_METADATA,
    "description": "OpenID Connect discovery: the RFC 8414 metadata and the OpenID fields.",
    "required": [*SERVER_METADATA["required"], "userinfo_endpoint", "subject_types_supported"],
    "properties": {
        **SERVER_METADATA["properties"],
        "userinfo_endpoint": _URL,
        "end_session_endpoint": _URL,
        "subject_types_supported": _LIST,
        "id_token_signing_alg_values_supported": _LIST,
        "claims_supported": _LIST,
    },
}
RESOURCE_METADATA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9728 protected resource metadata.",
    "required": ["resource", "authorization_servers"],
    "properties": {
        "resource": _URL,
        "authorization_servers": {"type": "array", "items": _URL},
        "bearer_methods_supported": _LIST,
        "scopes_supported": _LIST,
    },
}
JWKS: dict[str, Any] = {
    "type": "object",
    "description": "The public signing keys (RFC 7517), each with its kid.",
    "required": ["keys"],
    "properties": {
        "keys": {
            "type": "array",
            "items": {"type": "object", "required": ["kty", "kid"], "properties": {
                "kty": _TEXT, "kid": _TEXT, "alg": _TEXT, "use": _TEXT,
            }},
        }
    },
}  # fmt: skip


def discovery(summary: str, operation_id: str, name: str, schema: dict[str, Any]) -> dict[str, Any]:
    """The operation of a public discovery document, whose schema is shared as NAME."""
    return {
        "summary": summary,
        "tags": ["Discovery"],
        "operation_id": operation_id,
        "responses": {200: (summary, component(name, schema))},
    }


SERVER_METADATA_DOCUMENT = discovery(
    "Authorization server metadata", "server_metadata", "ServerMetadata", SERVER_METADATA
)
OPENID_CONFIGURATION_DOCUMENT = discovery(
    "OpenID Connect discovery", "openid_configuration", "OpenIDConfiguration", OPENID_CONFIGURATION
)
API_RESOURCE_DOCUMENT = discovery(
    "Back-office API resource metadata", "api_resource", "ResourceMetadata", RESOURCE_METADATA
)
FRONTEND_RESOURCE_DOCUMENT = discovery(
    "Storefront API resource metadata", "frontend_resource", "ResourceMetadata", RESOURCE_METADATA
)
JWKS_DOCUMENT = discovery("The public signing keys", "jwks", "JWKS", JWKS)
JWKS_DOCUMENT["responses"][503] = CLIENT_ERRORS[503]
