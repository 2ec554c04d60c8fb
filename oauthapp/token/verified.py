"""Access tokens already verified by this process, remembered so a reused token is not
verified again: a signature, once checked, stays good; only time, audience and key can change.

On each use the remembered claims are checked again for expiry (with the same leeway), the
audience asked for and the signing key's standing in the current key ring. The entries live
in the process's cache, emptied by any change (SPEC §9); a token never verified is never
remembered, so made-up tokens cannot fill it.
"""

from __future__ import annotations

import time
from typing import Any

from oauthapp.cache import cache
from oauthapp.cache.store import MISSING
from oauthapp.keys import KeyRing
from oauthapp.token import access_tokens

AREA = "verified"


def verify(
    ring: KeyRing, token: str, *, issuer: str, expected_audience: list[str]
) -> dict[str, Any]:
    """access_tokens.verify(), from memory when this process verified the token before."""
    store = cache()
    generation = store.current()
    key = (ring.kid, token)
    found = store.entry(AREA, key, generation)
    if found is not MISSING:
        claims, kid = found
        if _still_good(ring, claims, kid, expected_audience):
            store.count(AREA, hit=True)
            return dict(claims)
    claims = access_tokens.verify(ring, token, issuer=issuer, expected_audience=expected_audience)
    store.count(AREA, hit=False)
    kid = access_tokens.key_id(token)
    store.put(AREA, key, (dict(claims), kid), generation)
    return claims


def _still_good(ring: KeyRing, claims: dict[str, Any], kid: Any, audiences: list[str]) -> bool:
    now = time.time()
    if claims["exp"] + access_tokens.LEEWAY <= now or claims["nbf"] - access_tokens.LEEWAY > now:
        return False
    return claims["aud"] in audiences and ring.verification_key(kid) is not None
