"""Remembered consents, and what a user revokes from the Authorized Applications list."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from oauthapp import audit
from oauthapp.authorize.scopes import REGISTRY, split
from oauthapp.extensions import db
from oauthapp.models import (
    AuthorizationCode,
    Consent,
    CustomerUser,
    OAuthApplication,
    RefreshToken,
    User,
    owner_key_for,
    utcnow,
)
from oauthapp.token.revocations import revoke_access_token


@dataclass(frozen=True)
class Authorized:
    """One line of a user's Authorized Applications list."""

    application_id: int
    name: str
    organization: str
    scopes: tuple[str, ...]
    granted_at: str


def find_consent(application: OAuthApplication, account: User | CustomerUser) -> Consent | None:
    return db.session.scalar(
        select(Consent).where(
            Consent.application_id == application.id,
            Consent.subject_key == owner_key_for(account),
        )
    )


def covers(
    application: OAuthApplication, account: User | CustomerUser, scopes: tuple[str, ...]
) -> bool:
    """Whether the account already granted the application at least these scopes."""
    consent = find_consent(application, account)
    return consent is not None and set(scopes) <= split(consent.scope)


def grant_consent(
    application: OAuthApplication,
    account: User | CustomerUser,
    scopes: tuple[str, ...],
    actor: audit.Actor,
) -> None:
    """Remember the grant (adding to earlier scopes) and record it; commits."""
    for _ in range(2):  # a concurrent first grant: add to the row it made
        consent = find_consent(application, account)
        if consent is None:
            consent = Consent(
                application_id=application.id,
                subject_key=owner_key_for(account),
                user_id=account.id if isinstance(account, User) else None,
                customer_user_id=account.id if isinstance(account, CustomerUser) else None,
                scope="",
            )
            db.session.add(consent)
        granted = split(consent.scope) | set(scopes)
        consent.scope = " ".join(name for name in REGISTRY if name in granted)
        consent.granted_at = utcnow()
        audit.record("consent_granted", application, actor, _scope_detail(scopes))
        try:
            db.session.commit()
            return
        except IntegrityError:
            db.session.rollback()


def record_denial(
    application: OAuthApplication, scopes: tuple[str, ...], actor: audit.Actor
) -> None:
    """The user pressed Cancel; commits."""
    audit.record("consent_denied", application, actor, _scope_detail(scopes))
    db.session.commit()


def _scope_detail(scopes: tuple[str, ...]) -> str:
    return "scope: " + (" ".join(scopes) or "(none)")


def authorized_applications(account: User | CustomerUser) -> list[Authorized]:
    """The applications the account granted, by name."""
    rows = db.session.scalars(
        select(Consent)
        .join(Consent.application)
        .where(Consent.subject_key == owner_key_for(account))
        .order_by(OAuthApplication.name, OAuthApplication.id)
    )
    return [
        Authorized(
            consent.application_id,
            consent.application.name,
            consent.application.organization.name,
            tuple(name for name in REGISTRY if name in split(consent.scope)),
            consent.granted_at.strftime("%Y-%m-%d %H:%M UTC"),
        )
        for consent in rows
    ]


def revoke_access(application_id: int, account: User | CustomerUser, actor: audit.Actor) -> bool:
    """Forget the consent and revoke the account's tokens for that application; commits.

    False if the account had not granted it (nothing changes).
    """
    consent = db.session.scalar(
        select(Consent).where(
            Consent.application_id == application_id,
            Consent.subject_key == owner_key_for(account),
        )
    )
    if consent is None:
        return False
    application = consent.application
    _revoke_tokens(application, account)
    db.session.execute(delete(Consent).where(Consent.id == consent.id))
    audit.record("consent_revoked", application, actor)
    db.session.commit()
    return True


def _revoke_tokens(application: OAuthApplication, account: User | CustomerUser) -> None:
    """Every live refresh token of the account for the application, with its access token,
    and the access tokens its codes gave."""
    now = utcnow()
    mine = (
        RefreshToken.user_id == account.id
        if isinstance(account, User)
        else RefreshToken.customer_user_id == account.id
    )
    alive = db.session.execute(
        select(RefreshToken.access_token_jti, RefreshToken.access_token_expires_at).where(
            RefreshToken.application_id == application.id, mine, RefreshToken.revoked.is_(False)
        )
    ).all()
    db.session.execute(
        update(RefreshToken)
        .where(RefreshToken.application_id == application.id, mine, RefreshToken.revoked.is_(False))
        .values(revoked=True)
        .execution_options(synchronize_session=False)
    )
    code_owner = (
        AuthorizationCode.user_id == account.id
        if isinstance(account, User)
        else AuthorizationCode.customer_user_id == account.id
    )
    from_codes = db.session.execute(
        select(AuthorizationCode.access_token_jti, AuthorizationCode.access_token_expires_at).where(
            AuthorizationCode.application_id == application.id,
            code_owner,
            AuthorizationCode.access_token_expires_at > now,
        )
    ).all()
    for jti, expires_at in [*alive, *from_codes]:
        if jti and expires_at:
            revoke_access_token(jti, expires_at)
