"""OAuth applications: plain service functions, one commit per use case."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from oauthapp import audit
from oauthapp.accounts.service import NAME_MAX
from oauthapp.applications.client_settings import ClientSettings, check_client_settings, uri_changes
from oauthapp.audit import COMMAND_LINE, Actor
from oauthapp.exceptions import Conflict, InvalidInput, NotFound
from oauthapp.extensions import db
from oauthapp.models import (
    CustomerUser,
    Grant,
    Kind,
    OAuthApplication,
    Organization,
    User,
    owner_key_for,
    utcnow,
)
from oauthapp.notifications.dispatch import send_soon
from oauthapp.notifications.events import application_created as notify_application_created
from oauthapp.security.credentials import generate_client_id, generate_secret, hash_secret

DUPLICATE_NAME = "An application with this name already exists for this organization and owner."
PUBLIC_CLIENT = "A public client has no secret. Make it a Confidential Client first."


@dataclass(frozen=True)
class NewApplication:
    """A just-created application and its plain secret, which exists only in this object.

    A public client has no secret at all: client_secret is None.
    """

    application: OAuthApplication
    client_secret: str | None


def clean_application_name(value: str) -> str:
    """The stripped name, or InvalidInput with the reason."""
    name = (value or "").strip()
    if not name:
        raise InvalidInput("Application Name must not be blank.", "name")
    if len(name) > NAME_MAX:
        raise InvalidInput(f"Application Name must be at most {NAME_MAX} characters long.", "name")
    if any(ord(char) < 32 for char in name):
        raise InvalidInput("Application Name must not contain control characters.", "name")
    return name


def check_owner(
    kind: Kind, grant: Grant, organization: Organization, owner: User | CustomerUser | None
) -> None:
    """Client-credentials apps need an owner of the right kind in the organization; others none."""
    if grant != Grant.CLIENT_CREDENTIALS:
        if owner is not None:
            label = "Password" if grant == Grant.PASSWORD else "Authorization Code"
            raise InvalidInput(f"{label} applications have no owner.", "owner")
        return
    if owner is None:
        raise InvalidInput("Client Credentials applications need an owner.", "owner")
    expected = User if kind == Kind.BACKOFFICE else CustomerUser
    if not isinstance(owner, expected):
        raise InvalidInput(
            "Back-office applications are owned by users."
            if kind == Kind.BACKOFFICE
            else "Storefront applications are owned by customer users.",
            "owner",
        )
    member = (
        owner.role_in(organization.id) is not None
        if isinstance(owner, User)
        else owner.organization_id == organization.id
    )
    if not member:
        raise InvalidInput("The owner does not belong to the selected organization.", "owner")


def create_application(
    organization: Organization,
    name: str,
    grant: Grant | str,
    kind: Kind | str = Kind.BACKOFFICE,
    owner: User | CustomerUser | None = None,
    active: bool = True,
    actor: Actor = COMMAND_LINE,
    *,
    redirect_uris: Sequence[str] = (),
    confidential: bool = True,
    skip_consent: bool = False,
) -> NewApplication:
    """A new application with a fresh client id and, unless public, a secret stored hashed."""
    try:
        grant, kind = Grant(grant), Kind(kind)
    except ValueError as exc:
        raise InvalidInput(str(exc), "grant") from exc
    name = clean_application_name(name)
    check_owner(kind, grant, organization, owner)
    uris = check_client_settings(grant, redirect_uris, confidential, skip_consent)
    owner_key = owner_key_for(owner)
    if _name_taken(organization, kind, owner_key, name):
        raise Conflict(DUPLICATE_NAME, "name")
    secret = generate_secret() if confidential else None
    application = OAuthApplication(
        organization=organization,
        kind=kind.value,
        grant_type=grant.value,
        name=name,
        active=active,
        client_id=generate_client_id(),
        secret_hash=hash_secret(secret) if secret is not None else None,
        user=owner if isinstance(owner, User) else None,
        customer_user=owner if isinstance(owner, CustomerUser) else None,
        owner_key=owner_key,
        redirect_uris=uris,
        confidential=confidential,
        skip_consent=skip_consent,
    )
    db.session.add(application)
    try:
        queued = notify_application_created(application, actor)  # in the same transaction
        audit.record("application_created", application, actor)
        db.session.commit()
    except IntegrityError as exc:  # a concurrent create with the same name won the race
        db.session.rollback()
        raise Conflict(DUPLICATE_NAME, "name") from exc
    send_soon(queued)
    return NewApplication(application, secret)


def _name_taken(organization: Organization, kind: Kind, owner_key: str, name: str) -> bool:
    query = select(OAuthApplication.id).where(
        OAuthApplication.organization_id == organization.id,
        OAuthApplication.kind == kind.value,
        OAuthApplication.owner_key == owner_key,
        OAuthApplication.name == name,
    )
    return db.session.scalar(query) is not None


def get_by_client_id(client_id: str) -> OAuthApplication:
    """The application with that client id, or NotFound."""
    application = db.session.scalar(
        select(OAuthApplication).where(OAuthApplication.client_id == client_id)
    )
    if application is None:
        raise NotFound(f"Unknown client id: {client_id}", "client_id")
    return application


def set_active(
    application: OAuthApplication, active: bool, actor: Actor = COMMAND_LINE
) -> OAuthApplication:
    """Switch an application on or off; tokens of an inactive application stop working.

    A conditional update: of two switches racing the same way, only the one that changed the
    row is recorded in the audit trail.
    """
    changed = db.session.execute(
        update(OAuthApplication)
        .where(OAuthApplication.id == application.id, OAuthApplication.active.is_not(active))
        .values(active=active, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount:  # type: ignore[attr-defined]
        event = "application_activated" if active else "application_deactivated"
        audit.record(event, application, actor)
    db.session.commit()
    db.session.refresh(application)
    return application


def update_application(
    application: OAuthApplication,
    name: str,
    active: bool,
    actor: Actor = COMMAND_LINE,
    *,
    redirect_uris: Sequence[str] | None = None,
    confidential: bool | None = None,
    skip_consent: bool | None = None,
) -> OAuthApplication:
    """Rename and switch an application; its grant, owner and organization never change.

    The last three are for authorization-code applications; None leaves one as it is. Making
    a confidential client public drops its secret at once; a public client made confidential
    has no secret (and gets no token) until Regenerate Secret issues one, shown once.
    """
    name = clean_application_name(name)
    new = ClientSettings(redirect_uris, confidential, skip_consent).cleaned(application)
    if name != application.name and _name_taken(
        application.organization, Kind(application.kind), application.owner_key, name
    ):
        raise Conflict(DUPLICATE_NAME, "name")
    changes = _changes(application, name, active, new)
    application.name, application.active = name, active
    application.redirect_uris = list(new.redirect_uris or [])
    application.confidential, application.skip_consent = (
        bool(new.confidential),
        bool(new.skip_consent),
    )
    if not application.confidential:
        application.secret_hash = None
    if changes:
        audit.record("application_updated", application, actor, changes)
    try:
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise Conflict(DUPLICATE_NAME, "name") from exc
    return application


def _changes(application: OAuthApplication, name: str, active: bool, new: ClientSettings) -> str:
    changes = []
    if name != application.name:
        changes.append(f"name: {application.name} -> {name}")
    if active != application.active:
        changes.append(f"active: {application.active} -> {active}".lower())
    changes.extend(uri_changes(application.redirect_uris or [], list(new.redirect_uris or [])))
    if new.confidential != application.confidential:
        dropped = " (secret removed)" if application.secret_hash and not new.confidential else ""
        changes.append(
            f"confidential: {application.confidential} -> {new.confidential}".lower() + dropped
        )
    if new.skip_consent != application.skip_consent:
        changes.append(f"skip consent: {application.skip_consent} -> {new.skip_consent}".lower())
    return "; ".join(changes)


def regenerate_secret(application: OAuthApplication, actor: Actor = COMMAND_LINE) -> str:
    """A new secret for the application; the old one stops working at once."""
    if not application.confidential:
        raise InvalidInput(PUBLIC_CLIENT, "confidential")
    secret = generate_secret()
    application.secret_hash = hash_secret(secret)
    audit.record("secret_regenerated", application, actor)
    db.session.commit()
    return secret


def delete_application(application: OAuthApplication, actor: Actor = COMMAND_LINE) -> None:
    """Delete the application; its refresh tokens go with it and its access tokens stop working.

    Its events stay in the audit trail, with its client id and name.
    """
    audit.record("application_deleted", application, actor)
    db.session.delete(application)
    db.session.commit()
