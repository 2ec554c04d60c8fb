"""What client authentication needs of an application, kept in the process's cache.

A ClientView is a plain, immutable copy of the application row with its organization's and
owner's standing (enabled, locked, still a member of the organization): enough to check a
secret, refuse an inactive client and issue a client credentials token without asking the
database again until something about it changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import aliased

from oauthapp.cache import cache
from oauthapp.cache.reads import lookup_connection
from oauthapp.models import CustomerUser, Kind, OAuthApplication, Organization, User
from oauthapp.token.principals import member_of

_Customer = aliased(CustomerUser)
# One indexed round trip, past the ORM: the application, its organization and either owner
# (with the owner's membership of that organization).
_VIEW = (
    select(
        OAuthApplication.id,
        OAuthApplication.client_id,
        OAuthApplication.kind,
        OAuthApplication.grant_type,
        OAuthApplication.active,
        OAuthApplication.confidential,
        OAuthApplication.secret_hash,
        OAuthApplication.organization_id,
        OAuthApplication.last_used_at,
        OAuthApplication.granted_scopes,
        Organization.enabled.label("organization_enabled"),
        User.id.label("user_id"),
        User.enabled.label("user_enabled"),
        User.locked.label("user_locked"),
        User.locked_at.label("user_locked_at"),
        member_of(User.id, OAuthApplication.organization_id).label("user_member"),
        _Customer.id.label("customer_id"),
        _Customer.enabled.label("customer_enabled"),
        _Customer.locked.label("customer_locked"),
        _Customer.locked_at.label("customer_locked_at"),
        (_Customer.organization_id == OAuthApplication.organization_id).label("customer_member"),
    )
    .join(Organization, Organization.id == OAuthApplication.organization_id)
    .outerjoin(User, User.id == OAuthApplication.user_id)
    .outerjoin(_Customer, _Customer.id == OAuthApplication.customer_user_id)
    .where(OAuthApplication.client_id == bindparam("client_id"))
)


@dataclass(frozen=True)
class OwnerView:
    """The owning account of a client-credentials application, as far as tokens care."""

    id: int
    enabled: bool
    locked: bool
    locked_at: datetime | None
    member: bool  # of the application's organization (see principals.member_of)


@dataclass(frozen=True)
class ClientView:
    id: int
    client_id: str
    kind: str
    grant_type: str
    active: bool
    confidential: bool
    secret_hash: str | None
    organization_id: int
    organization_enabled: bool
    owner: OwnerView | None
    last_used_at: datetime | None
    granted_scopes: tuple[str, ...] = ()  # what its client-credentials requests may ask for

    @classmethod
    def of(cls, row: Any) -> ClientView:
        """The view of a _VIEW row: the owner is the user or customer user, as the kind says."""
        prefix = "customer" if row.kind == Kind.STOREFRONT else "user"
        owner_id = getattr(row, f"{prefix}_id")
        owner = None
        if owner_id is not None:
            owner = OwnerView(
                owner_id,
                getattr(row, f"{prefix}_enabled"),
                getattr(row, f"{prefix}_locked"),
                getattr(row, f"{prefix}_locked_at"),
                bool(getattr(row, f"{prefix}_member")),
            )
        return cls(
            id=row.id,
            client_id=row.client_id,
            kind=row.kind,
            grant_type=row.grant_type,
            active=row.active,
            confidential=row.confidential,
            secret_hash=row.secret_hash,
            organization_id=row.organization_id,
            organization_enabled=row.organization_enabled,
            owner=owner,
            last_used_at=row.last_used_at,
            granted_scopes=tuple(row.granted_scopes or ()),
        )


def client_view(client_id: str) -> ClientView | None:
    """The application with that client id, from the cache when it is fresh."""
    return cache().get("applications", client_id, lambda: _load(client_id))


def _load(client_id: str) -> ClientView | None:
    with lookup_connection() as connection:
        row = connection.execute(_VIEW, {"client_id": client_id}).first()
    return None if row is None else ClientView.of(row)
