"""Discovery documents: RFC 8414 server metadata and the JWKS."""

from __future__ import annotations

from typing import Any

from oauthapp import get_settings
from oauthapp.keys import KeyRing

AUTH_METHODS = ["client_secret_basic", "client_secret_post"]


def server_metadata() -> dict[str, Any]:
    """What a client needs to find and call every endpoint of this server."""
    settings = get_settings()
    issuer = settings.oauth2_server.issuer
    base = issuer.rstrip("/")
    auth = settings.oauth2_server.authorization_server
    grants = ["client_credentials", "password"]
    if auth.enable_refresh_token:
        grants.append("refresh_token")
    return {
        "issuer": issuer,
        "token_endpoint": f"{base}/oauth2-token",
        "jwks_uri": f"{base}/.well-known/jwks.json",
        "revocation_endpoint": f"{base}/oauth2/revoke",
        "introspection_endpoint": f"{base}/oauth2/introspect",
        "grant_types_supported": grants,
        "response_types_supported": [],
        "token_endpoint_auth_methods_supported": AUTH_METHODS,
        "revocation_endpoint_auth_methods_supported": AUTH_METHODS,
        "introspection_endpoint_auth_methods_supported": AUTH_METHODS,
    }


def jwks(ring: KeyRing) -> dict[str, Any]:
    """The public signing key(s), each with its kid."""
    return {"keys": ring.jwks()}
