"""OpenID Connect: ID tokens, userinfo and RP-initiated logout (SPEC §8)."""
