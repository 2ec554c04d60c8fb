"""ID tokens for the authorization code grant, on Authlib's OpenID Connect extension.

Signed with the key ring's current key (its kid in the header, the configured algorithm);
at_hash is the left half of the access token's hash by that algorithm (SHA-512 for EdDSA,
as OpenID Connect says for Ed25519). An ID token lives as long as an access token, so the
retired keys a rotation keeps (SPEC §9, retired_keys.py) verify it for its whole life.
"""

from __future__ import annotations

from typing import Any

from authlib.oidc.core.grants import OpenIDCode
from authlib.oidc.core.grants.util import generate_id_token, is_openid_scope, validate_nonce
from joserfc.jwk import ECKey, OKPKey, RSAKey
from sqlalchemy import exists, select

from oauthapp import get_settings
from oauthapp.extensions import db
from oauthapp.keys import KeyRing, keys
from oauthapp.models import AuthorizationCode, utcnow
from oauthapp.oidc.claims import user_claims

JOSE_KEYS: dict[str, Any] = {"RS256": RSAKey, "ES256": ECKey, "EdDSA": OKPKey}


class IDToken(OpenIDCode):
    """Adds the id_token to code-grant responses whose scope has openid, and refuses a nonce
    that an unexpired code of the same client already carries."""

    def __call__(self, grant: Any) -> None:
        # Authlib's prompt hook is left out: the authorize view decides login and consent.
        grant.register_hook("after_create_token_response", self.process_token)
        if is_openid_scope(grant.request.payload.scope):
            grant.register_hook("after_validate_authorization_request_payload", self.check_nonce)

    def check_nonce(self, grant: Any, redirect_uri: str) -> None:
        validate_nonce(grant.request, self.exists_nonce, self.require_nonce)

    def exists_nonce(self, nonce: str, request: Any) -> bool:
        """Whether an unexpired code of this client is bound to that nonce (a replay)."""
        query = select(
            exists().where(
                AuthorizationCode.application_id == request.client.id,
                AuthorizationCode.nonce == nonce,
                AuthorizationCode.expires_at > utcnow(),
            )
        )
        return bool(db.session.scalar(query))

    def encode_id_token(self, token: dict[str, Any], request: Any) -> str:
        code: AuthorizationCode = request.authorization_code
        return sign_id_token(
            keys().ring(),
            token,
            client_id=request.client.client_id,
            claims=user_claims(request.user, token["scope"]),
            auth_time=int(code.auth_time.timestamp()),
            nonce=code.nonce,
        )


def sign_id_token(
    ring: KeyRing,
    token: dict[str, Any],
    *,
    client_id: str,
    claims: dict[str, Any],
    auth_time: int,
    nonce: str | None,
) -> str:
    """An ID token for the access token in TOKEN, signed with the ring's current key."""
    settings = get_settings().oauth2_server
    id_token: str = generate_id_token(
        token,
        claims,
        JOSE_KEYS[ring.algorithm].import_key(ring.private_key),
        iss=settings.issuer,
        aud=client_id,
        alg=ring.algorithm,
        exp=settings.authorization_server.access_token_lifetime,
        nonce=nonce,
        auth_time=auth_time,
        kid=ring.kid,
    )
    return id_token
