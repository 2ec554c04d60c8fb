"""Who a token acts for, checked against the database on every use."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload, lazyload

from oauthapp.extensions import db
from oauthapp.models import CustomerUser, Kind, OAuthApplication, User


@dataclass(frozen=True)
class Principal:
    """The application a token was issued to and the account it acts for."""

    application: OAuthApplication
    account: User | CustomerUser


def load_application(client_id: str) -> OAuthApplication | None:
    """The application with its organization, without the owner's roles."""
    return db.session.scalar(
        select(OAuthApplication)
        .options(joinedload(OAuthApplication.user).options(lazyload(User.roles)))
        .where(OAuthApplication.client_id == client_id)
    )


def load_account(kind: str, account_id: int) -> User | CustomerUser | None:
    """The back-office user or customer user a token of that kind acts for."""
    if kind == Kind.STOREFRONT:
        return db.session.get(CustomerUser, account_id)
    return db.session.scalar(
        select(User).options(lazyload(User.roles)).where(User.id == account_id)
    )


def principal_for(claims: dict[str, Any]) -> Principal | None:
    """The principal of verified claims, if its application is active and its account enabled."""
    application = load_application(claims["client_id"])
    if application is None or not application.active:
        return None
    if not application.organization.enabled:
        return None
    try:
        account_id = int(claims["sub"])
    except (TypeError, ValueError):
        return None
    account = load_account(application.kind, account_id)
    if account is None or not account.enabled:
        return None
    return Principal(application, account)
