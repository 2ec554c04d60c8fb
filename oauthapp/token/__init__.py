"""The token service: /oauth2-token, revocation, introspection, metadata and JWKS."""
