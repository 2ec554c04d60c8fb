"""What the create form may offer a user: organizations and owners."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from oauthapp.applications.access import Access, creatable_organizations
from oauthapp.extensions import db
from oauthapp.models import CustomerUser, Kind, Organization, User, UserRole


@dataclass
class CreationChoices:
    """The organizations and owners offered on the create form, and a preset owner, if any."""

    kind: Kind
    organizations: list[Organization]
    owners: dict[int, tuple[User | CustomerUser, list[int]]] = field(default_factory=dict)
    preset_owner: User | CustomerUser | None = None

    def organization(self, organization_id: int | None) -> Organization | None:
        return next((org for org in self.organizations if org.id == organization_id), None)

    def owner(self, owner_id: int | None) -> User | CustomerUser | None:
        found = self.owners.get(owner_id) if owner_id is not None else None
        return found[0] if found else None


def creation_choices(access: Access, kind: Kind, preset_owner_id: int | None) -> CreationChoices:
    """What the user may choose; with a preset owner, only that owner and its organizations.

    A preset owner the user may not create for leaves no organization to choose.
    """
    organizations = creatable_organizations(access, kind)
    choices = CreationChoices(kind, organizations)
    ids = [org.id for org in organizations]
    if not ids:
        return choices
    owners: dict[int, tuple[User | CustomerUser, list[int]]] = dict(
        _customer_owners(ids) if kind == Kind.STOREFRONT else _user_owners(access, ids)
    )
    if preset_owner_id is not None:
        owners = {key: value for key, value in owners.items() if key == preset_owner_id}
        allowed = set(owners[preset_owner_id][1]) if owners else set()
        choices.organizations = [org for org in organizations if org.id in allowed]
        choices.preset_owner = owners[preset_owner_id][0] if owners else None
    choices.owners = {
        key: (owner, [org for org in orgs if access.may_own_new(kind, org, key)])
        for key, (owner, orgs) in owners.items()
    }
    choices.owners = {key: value for key, value in choices.owners.items() if value[1]}
    return choices


def _user_owners(access: Access, organization_ids: list[int]) -> dict[int, tuple[User, list[int]]]:
    members = select(UserRole.user_id).where(UserRole.organization_id.in_(organization_ids))
    query = select(User).where(User.id.in_(members))
    if not any(access.administers(org) for org in organization_ids):
        query = query.where(User.id == access.user_id)  # a USER owns what it creates
    query = query.options(selectinload(User.roles)).order_by(User.username)
    wanted = set(organization_ids)
    return {
        user.id: (
            user,
            sorted(role.organization_id for role in user.roles if role.organization_id in wanted),
        )
        for user in db.session.scalars(query)
    }


def _customer_owners(organization_ids: list[int]) -> dict[int, tuple[CustomerUser, list[int]]]:
    query = (
        select(CustomerUser)
        .where(CustomerUser.organization_id.in_(organization_ids))
        .order_by(CustomerUser.email)
    )
    return {
        customer.id: (customer, [customer.organization_id])
        for customer in db.session.scalars(query)
    }
