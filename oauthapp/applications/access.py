"""Who may see and manage which OAuth applications and accounts.

An ADMINISTRATOR manages every application of its organizations; a USER only the applications
it owns. A role in the global organization applies to every organization.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, false, or_, select

from oauthapp.extensions import db
from oauthapp.models import (
    CustomerUser,
    Kind,
    OAuthApplication,
    Organization,
    Role,
    User,
    UserRole,
)


@dataclass(frozen=True)
class Access:
    """What one back-office user may do, worked out once per request."""

    user_id: int
    everywhere: Role | None  # the role in the global organization, if any
    roles: dict[int, Role]  # organization id -> role, for the user's own organizations

    @property
    def sees_all_organizations(self) -> bool:
        return self.everywhere is not None

    def role_in(self, organization_id: int) -> Role | None:
        if self.everywhere == Role.ADMINISTRATOR:
            return Role.ADMINISTRATOR
        return self.roles.get(organization_id) or self.everywhere

    def administers(self, organization_id: int) -> bool:
        return self.role_in(organization_id) == Role.ADMINISTRATOR

    def may_manage(self, application: OAuthApplication) -> bool:
        """Whether this user may view, edit, switch or delete the application."""
        role = self.role_in(application.organization_id)
        if role == Role.ADMINISTRATOR:
            return True
        return role == Role.USER and application.user_id == self.user_id

    def may_own_new(self, kind: Kind, organization_id: int, owner_id: int | None) -> bool:
        """Whether this user may create an application of that kind for that owner there."""
        role = self.role_in(organization_id)
        if role == Role.ADMINISTRATOR:
            return True
        return role == Role.USER and kind == Kind.BACKOFFICE and owner_id == self.user_id

    def application_filter(self) -> ColumnElement[bool]:
        """A WHERE clause for the applications this user may manage."""
        if self.everywhere == Role.ADMINISTRATOR:
            return OAuthApplication.id.is_not(None)
        admin = [org for org, role in self.roles.items() if role == Role.ADMINISTRATOR]
        member = [org for org, role in self.roles.items() if role == Role.USER]
        own = OAuthApplication.user_id == self.user_id
        clauses: list[ColumnElement[bool]] = []
        if admin:
            clauses.append(OAuthApplication.organization_id.in_(admin))
        if self.everywhere == Role.USER:
            clauses.append(own)
        elif member:
            clauses.append(and_(OAuthApplication.organization_id.in_(member), own))
        return or_(*clauses) if clauses else false()

    def organization_filter(self) -> ColumnElement[bool]:
        """A WHERE clause for the organizations this user may see."""
        if self.sees_all_organizations:
            return Organization.id.is_not(None)
        return Organization.id.in_(list(self.roles)) if self.roles else false()


def access_of(user: User) -> Access:
    """The access rules for a back-office user."""
    roles = {role.organization_id: Role(role.role) for role in user.roles}
    global_roles = [Role(role.role) for role in user.roles if role.organization.is_global]
    everywhere = None
    if global_roles:
        everywhere = Role.ADMINISTRATOR if Role.ADMINISTRATOR in global_roles else Role.USER
    return Access(user_id=user.id, everywhere=everywhere, roles=roles)


def visible_organizations(access: Access) -> list[Organization]:
    """The organizations the user may see, by name."""
    query = select(Organization).where(access.organization_filter()).order_by(Organization.name)
    return list(db.session.scalars(query))


def creatable_organizations(access: Access, kind: Kind) -> list[Organization]:
    """The organizations in which the user may create applications of that kind."""
    organizations = visible_organizations(access)
    if kind == Kind.STOREFRONT:
        return [org for org in organizations if access.administers(org.id)]
    return [org for org in organizations if access.role_in(org.id) is not None]


def find_application(access: Access, application_id: int) -> OAuthApplication | None:
    """The application if it exists and the user may manage it; None otherwise (a 404)."""
    query = select(OAuthApplication).where(
        OAuthApplication.id == application_id, access.application_filter()
    )
    return db.session.scalar(query)


def user_filter(access: Access) -> ColumnElement[bool]:
    """A WHERE clause for the back-office users this user may see: members of its organizations."""
    if access.sees_all_organizations:
        return User.id.is_not(None)
    members = select(UserRole.user_id).where(UserRole.organization_id.in_(list(access.roles)))
    return User.id.in_(members)


def customer_filter(access: Access) -> ColumnElement[bool]:
    """A WHERE clause for the customer users this user may see."""
    if access.sees_all_organizations:
        return CustomerUser.id.is_not(None)
    return CustomerUser.organization_id.in_(list(access.roles)) if access.roles else false()


def may_add_for(access: Access, owner: User | CustomerUser) -> bool:
    """Whether the user may create a client-credentials application owned by that account."""
    if isinstance(owner, CustomerUser):
        return access.may_own_new(Kind.STOREFRONT, owner.organization_id, owner.id)
    return any(
        access.may_own_new(Kind.BACKOFFICE, role.organization_id, owner.id) for role in owner.roles
    )
