"""What an authorize request needs next: a login, the consent page, or its code."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from authlib.oauth2.rfc6749.errors import AccessDeniedError, OAuth2Error

from oauthapp.authorize.consents import covers
from oauthapp.models import CustomerUser, OAuthApplication, User


class Step(enum.Enum):
    LOGIN = "login"
    CONSENT = "consent"
    ISSUE = "issue"


class LoginRequired(OAuth2Error):
    error = "login_required"


class ConsentRequired(OAuth2Error):
    error = "consent_required"


@dataclass(frozen=True)
class Situation:
    """The browser's session as the request found it."""

    account: User | CustomerUser | None
    auth_time: int  # epoch seconds of its login
    fresh_login: bool  # the login was just made for this flow
    now: int


def prompts(prompt: str | None) -> set[str]:
    return set((prompt or "").split(" ")) - {""}


def next_step(
    application: OAuthApplication,
    scopes: tuple[str, ...],
    asked: set[str],
    max_age: int | None,
    situation: Situation,
) -> Step:
    """The step to take, or LoginRequired / ConsentRequired / AccessDeniedError to redirect."""
    account = situation.account
    if account is None or _needs_login(asked, max_age, situation):
        if "none" in asked:
            raise LoginRequired("The user must log in.")
        return Step.LOGIN
    if not may_use(application, account):
        raise AccessDeniedError("This account may not use this application.")
    if application.skip_consent:
        return Step.ISSUE
    if "consent" in asked or not covers(application, account, scopes):
        if "none" in asked:
            raise ConsentRequired("The user must grant access to the application.")
        return Step.CONSENT
    return Step.ISSUE


def _needs_login(asked: set[str], max_age: int | None, situation: Situation) -> bool:
    if situation.fresh_login:
        return False
    if "login" in asked:
        return True
    return max_age is not None and situation.now - situation.auth_time > max_age


def may_use(application: OAuthApplication, account: User | CustomerUser) -> bool:
    """Customer users of the application's organization; users who are members of it (or of
    the global organization), as for the password grant."""
    if isinstance(account, CustomerUser):
        return account.organization_id == application.organization_id
    return any(
        role.organization_id == application.organization_id or role.organization.is_global
        for role in account.roles
    )
