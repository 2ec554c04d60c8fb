"""RP-initiated logout: who asks (from the id_token_hint), where to go after, whose session ends.

The hint is an ID token this server signed, possibly expired (a relying party often logs out
long after it signed in); its `aud` names the application. Only a redirect URL registered for
that application is followed, so the logout cannot be an open redirect.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jwt
from authlib.common.urls import add_params_to_uri
from flask_login import logout_user

from oauthapp import get_settings
from oauthapp.accounts.service import end_all_sessions
from oauthapp.authorize import sessions
from oauthapp.keys import KeyRing
from oauthapp.models import Grant, Kind, OAuthApplication, User
from oauthapp.oidc.claims import subject_of
from oauthapp.token.access_tokens import TOKEN_TYPE
from oauthapp.token.principals import load_application

MAX_HINT = 8192


class BadHint(Exception):
    """The id_token_hint is not an ID token this server issued to one of its applications."""


@dataclass(frozen=True)
class Hint:
    application: OAuthApplication
    subject: str


def read_hint(ring: KeyRing, hint: str) -> Hint:
    """The application and subject of an ID token signed by this server (expired or not)."""
    try:
        header = jwt.get_unverified_header(hint) if len(hint) <= MAX_HINT else {}
        found = ring.verification_key(header.get("kid"))
        if found is None or header.get("typ") == TOKEN_TYPE:
            raise BadHint("The id_token_hint was not issued by this server.")
        claims: dict[str, Any] = jwt.decode(
            hint,
            found[0],  # type: ignore[arg-type]
            algorithms=[found[1]],
            issuer=get_settings().oauth2_server.issuer,
            options={"verify_exp": False, "verify_aud": False, "require": ["aud", "sub"]},
        )
    except jwt.PyJWTError as exc:
        raise BadHint(f"The id_token_hint is invalid: {exc}") from exc
    client_id, subject = claims["aud"], claims["sub"]
    if not isinstance(client_id, str) or not isinstance(subject, str) or len(client_id) > 64:
        raise BadHint("The id_token_hint does not name one application.")
    application = load_application(client_id)
    if application is None or application.grant_type != Grant.AUTHORIZATION_CODE:
        raise BadHint("The id_token_hint names an unknown application.")
    return Hint(application, subject)


def post_logout_target(
    application: OAuthApplication, uri: str | None, state: str | None
) -> str | None:
    """Where to send the browser: URI (with STATE) if registered for the application."""
    if not uri or uri not in (application.redirect_uris or []):
        return None
    return add_params_to_uri(uri, [("state", state)]) if state else uri


def log_out(kind: Kind, subject: str | None = None) -> None:
    """End the session of that kind (only if it is SUBJECT's, when given), on every browser."""
    account = sessions.signed_in(kind)
    if account is None or (subject is not None and subject_of(account) != subject):
        return
    if isinstance(account, User):
        end_all_sessions(account)
        logout_user()
    else:
        sessions.log_out_customer()


def signed_in_anywhere() -> bool:
    return any(sessions.signed_in(kind) is not None for kind in Kind)
