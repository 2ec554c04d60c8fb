"""The OpenID Connect endpoints' paths (SPEC §8), for the routes and the discovery document."""

USERINFO_PATH = "/oauth2/userinfo"
LOGOUT_PATH = "/oauth2/logout"
