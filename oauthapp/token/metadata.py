"""Discovery documents: RFC 8414 server metadata (and OpenID Connect discovery, built on it),
RFC 9728 resource metadata, the JWKS."""

from __future__ import annotations

from typing import Any

from oauthapp import get_settings
from oauthapp.applications.scopes import GRANTABLE
from oauthapp.authorize.requests import AUTHORIZE_PATH
from oauthapp.authorize.scopes import REGISTRY
from oauthapp.keys import KeyRing
from oauthapp.models import Kind
from oauthapp.oidc.claims import CLAIMS_SUPPORTED
from oauthapp.oidc.paths import LOGOUT_PATH, USERINFO_PATH
from oauthapp.token.access_tokens import audience
from oauthapp.token.code_grant import PROMPTS

AUTH_METHODS = ["client_secret_basic", "client_secret_post"]
# Public authorization-code clients send their client_id alone at the token endpoint.
TOKEN_AUTH_METHODS = [*AUTH_METHODS, "none"]
RESOURCE_PATHS = {Kind.BACKOFFICE: "api", Kind.STOREFRONT: "api/frontend"}


def server_metadata() -> dict[str, Any]:
    """What a client needs to find and call every endpoint of this server."""
    settings = get_settings()
    issuer = settings.oauth2_server.issuer
    base = issuer.rstrip("/")
    auth = settings.oauth2_server.authorization_server
    grants = ["authorization_code", "client_credentials", "password"]
    if auth.enable_refresh_token:
        grants.append("refresh_token")
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{base}{AUTHORIZE_PATH}",
        "token_endpoint": f"{base}/oauth2-token",
        "jwks_uri": f"{base}/.well-known/jwks.json",
        "revocation_endpoint": f"{base}/oauth2/revoke",
        "introspection_endpoint": f"{base}/oauth2/introspect",
        "grant_types_supported": grants,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": [*REGISTRY, *GRANTABLE],
        "authorization_response_iss_parameter_supported": True,
        "token_endpoint_auth_methods_supported": TOKEN_AUTH_METHODS,
        "revocation_endpoint_auth_methods_supported": AUTH_METHODS,
        "introspection_endpoint_auth_methods_supported": AUTH_METHODS,
    }


def openid_configuration() -> dict[str, Any]:
    """OpenID Connect discovery: the RFC 8414 document plus what relying parties need."""
    settings = get_settings()
    base = settings.oauth2_server.issuer.rstrip("/")
    return {
        **server_metadata(),
        "userinfo_endpoint": f"{base}{USERINFO_PATH}",
        "end_session_endpoint": f"{base}{LOGOUT_PATH}",
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [
            settings.oauth2_server.authorization_server.signing_algorithm
        ],
        "claims_supported": CLAIMS_SUPPORTED,
        "claim_types_supported": ["normal"],
        "prompt_values_supported": list(PROMPTS),
        "claims_parameter_supported": False,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
    }


def resource_metadata_url(kind: Kind) -> str:
    """Where the RFC 9728 document of an API is (its 401s point there)."""
    base = get_settings().oauth2_server.issuer.rstrip("/")
    return f"{base}/.well-known/oauth-protected-resource/{RESOURCE_PATHS[kind]}"


def resource_metadata(kind: Kind) -> dict[str, Any]:
    """RFC 9728 protected resource metadata of the back-office or storefront API."""
    issuer = get_settings().oauth2_server.issuer
    return {
        "resource": audience(issuer, kind),
        "authorization_servers": [issuer],
        "bearer_methods_supported": ["header"],
        # The management API is part of the back-office API, for client-credentials tokens.
        "scopes_supported": [*REGISTRY, *(GRANTABLE if kind == Kind.BACKOFFICE else ())],
    }


def jwks(ring: KeyRing) -> dict[str, Any]:
    """The public signing key(s), each with its kid."""
    return {"keys": ring.jwks()}
