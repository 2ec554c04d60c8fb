"""Scopes an administrator grants to client-credentials applications (SPEC §10)."""

from __future__ import annotations

from oauthapp import audit
from oauthapp.audit import COMMAND_LINE, Actor
from oauthapp.exceptions import InvalidInput
from oauthapp.extensions import db
from oauthapp.models import Grant, Kind, OAuthApplication

MANAGE = "applications:manage"
GRANTABLE = {MANAGE: "Manage OAuth applications through the management API"}
ONLY_CLIENT_CREDENTIALS = "Scopes are granted to back-office Client Credentials applications only."


def check_scope(scope: str) -> str:
    """The scope if it may be granted, or InvalidInput naming those that may."""
    if scope not in GRANTABLE:
        raise InvalidInput(
            f"Unknown scope: {scope} (grantable: {', '.join(sorted(GRANTABLE))}).", "scope"
        )
    return scope


def may_have_scopes(application: OAuthApplication) -> bool:
    """Whether the application's tokens may carry granted scopes: its owner is a user."""
    return (
        application.grant_type == Grant.CLIENT_CREDENTIALS and application.kind == Kind.BACKOFFICE
    )


def grant_scope(application: OAuthApplication, scope: str, actor: Actor = COMMAND_LINE) -> bool:
    """Let the application ask for SCOPE; False if it already could."""
    return _switch(application, check_scope(scope), True, actor)


def revoke_scope(application: OAuthApplication, scope: str, actor: Actor = COMMAND_LINE) -> bool:
    """Stop the application asking for SCOPE; its tokens that carry it stop working for it.

    False if it had not been granted."""
    return _switch(application, check_scope(scope), False, actor)


def _switch(application: OAuthApplication, scope: str, granted: bool, actor: Actor) -> bool:
    if not may_have_scopes(application):
        raise InvalidInput(ONLY_CLIENT_CREDENTIALS, "scope")
    current = list(application.granted_scopes or [])
    if (scope in current) == granted:
        return False
    application.granted_scopes = (
        [*current, scope] if granted else [name for name in current if name != scope]
    )
    audit.record("scope_granted" if granted else "scope_revoked", application, actor, scope)
    db.session.commit()
    return True
