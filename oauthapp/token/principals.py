"""Who a token acts for, checked against the database on every use."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, bindparam, exists, or_, select
from sqlalchemy.orm import aliased, joinedload, lazyload

from oauthapp.cache import cache
from oauthapp.cache.reads import lookup_connection
from oauthapp.cache.store import MISSING
from oauthapp.extensions import db
from oauthapp.models import (
    CustomerUser,
    Kind,
    OAuthApplication,
    Organization,
    RevokedAccessToken,
    User,
    UserRole,
)
from oauthapp.security.lockout import lock_in_force
from oauthapp.token.revocations import revoked_in_database


@dataclass(frozen=True)
class Principal:
    """The application a token was issued to and the account it acts for, as the APIs show them."""

    client_id: str
    kind: str
    organization_id: int
    organization_name: str
    account_id: int
    account_type: str  # "user" or "customer_user"
    account_name: str  # a user's username, a customer user's email


_MemberOrganization = aliased(Organization)


def member_of(user_id: Any, organization_id: Any) -> ColumnElement[bool]:
    """Whether a back-office user belongs to an organization: a role in it, or in the global
    organization (whose members count as members of all), the password grant's rule."""
    return exists().where(
        UserRole.user_id == user_id,
        _MemberOrganization.id == UserRole.organization_id,
        or_(_MemberOrganization.id == organization_id, _MemberOrganization.is_global),
    )


# Built once: every token request runs these, and building a statement with its loader
# options costs more than running it (SQLAlchemy's compiled cache still needs the cache key).
_APPLICATION_BY_CLIENT_ID = (
    select(OAuthApplication)
    .options(joinedload(OAuthApplication.user).options(lazyload(User.roles)))
    .where(OAuthApplication.client_id == bindparam("client_id"))
)
_USER_BY_ID = select(User).options(lazyload(User.roles)).where(User.id == bindparam("id"))
_MEMBER_BY_ID = (
    select(User, member_of(User.id, bindparam("organization_id")).label("member"))
    .options(lazyload(User.roles))
    .where(User.id == bindparam("id"))
)
_CUSTOMER_USER_BY_ID = select(CustomerUser).where(CustomerUser.id == bindparam("id"))
# Everything a use of an access token depends on, in one indexed round trip: the revocation,
# the application and its organization, and the account the token acts for (by primary key)
# with its membership of the application's organization.
_STANDING = (
    select(
        exists().where(RevokedAccessToken.jti == bindparam("jti")).label("revoked"),
        OAuthApplication.client_id,
        OAuthApplication.kind,
        OAuthApplication.active,
        Organization.id.label("organization_id"),
        Organization.name.label("organization_name"),
        Organization.enabled.label("organization_enabled"),
        User.id.label("user_id"),
        User.username,
        User.enabled.label("user_enabled"),
        User.locked.label("user_locked"),
        User.locked_at.label("user_locked_at"),
        member_of(User.id, OAuthApplication.organization_id).label("user_member"),
        CustomerUser.id.label("customer_user_id"),
        CustomerUser.organization_id.label("customer_user_organization_id"),
        CustomerUser.email,
        CustomerUser.enabled.label("customer_user_enabled"),
        CustomerUser.locked.label("customer_user_locked"),
        CustomerUser.locked_at.label("customer_user_locked_at"),
    )
    .select_from(OAuthApplication)
    .join(Organization, Organization.id == OAuthApplication.organization_id)
    .outerjoin(User, User.id == bindparam("account_id"))
    .outerjoin(CustomerUser, CustomerUser.id == bindparam("account_id"))
    .where(OAuthApplication.client_id == bindparam("client_id"))
)


class Revoked(Exception):
    """The access token was revoked."""


def load_application(client_id: str) -> OAuthApplication | None:
    """The application with its organization, without the owner's roles."""
    return db.session.scalar(_APPLICATION_BY_CLIENT_ID, {"client_id": client_id})


def load_account(kind: str, account_id: int) -> User | CustomerUser | None:
    """The back-office user or customer user a token of that kind acts for."""
    statement = _CUSTOMER_USER_BY_ID if kind == Kind.STOREFRONT else _USER_BY_ID
    account: User | CustomerUser | None = db.session.scalar(statement, {"id": account_id})
    return account


def load_member(
    kind: str, account_id: int, organization_id: int
) -> tuple[User | CustomerUser | None, bool]:
    """The account a token of that kind acts for, and whether it belongs to the organization
    (one round trip)."""
    if kind == Kind.STOREFRONT:
        customer = db.session.scalar(_CUSTOMER_USER_BY_ID, {"id": account_id})
        return customer, customer is not None and customer.organization_id == organization_id
    parameters = {"id": account_id, "organization_id": organization_id}
    row = db.session.execute(_MEMBER_BY_ID, parameters).first()
    return (None, False) if row is None else (row[0], bool(row[1]))


def principal_for(claims: dict[str, Any], jti: str = "") -> Principal | None:
    """The principal of verified claims, if its application is active and its account enabled,
    not locked and still a member of the application's organization.

    With JTI, raise Revoked if that access token was revoked (checked in the same query).
    """
    try:
        account_id = int(claims["sub"])
    except (TypeError, ValueError):
        account_id = 0
    client_id = claims["client_id"]
    standing, revoked = _standing(client_id, account_id, jti)
    if revoked:
        raise Revoked
    row = standing[0]
    if row is None:  # the application is gone
        return None
    if not account_id or not row.active or not row.organization_enabled:
        return None
    account = _account(row)
    if account is None:
        return None
    account_type, name = account
    return Principal(
        client_id=row.client_id,
        kind=row.kind,
        organization_id=row.organization_id,
        organization_name=row.organization_name,
        account_id=account_id,
        account_type=account_type,
        account_name=name,
    )


def _standing(client_id: str, account_id: int, jti: str) -> tuple[tuple[Any, ...], bool]:
    """The standing row (in a 1-tuple; (None,) if the application is gone) and whether JTI was
    revoked: from the cache while it is fresh, else in one round trip, then kept."""
    store = cache()
    generation = store.current()
    key = (client_id, account_id)
    standing = store.entry("standing", key, generation)
    revoked = store.entry("revoked", jti, generation) if jti else False
    if standing is not MISSING and revoked is not MISSING:
        store.count("standing", hit=True)
        return standing, revoked
    store.count("standing", hit=False)
    # Past the ORM, and outside a transaction when the request has none: plain rows will do.
    with lookup_connection() as connection:
        parameters = {"jti": jti, "client_id": client_id, "account_id": account_id}
        row = connection.execute(_STANDING, parameters).first()
    found: tuple[Any, ...]
    if row is None:
        # No application: a revocation still says more than "inactive".
        found, revoked_now = (None,), bool(jti) and revoked_in_database(jti)
    else:
        found, revoked_now = (row,), bool(row.revoked)
    store.put("standing", key, found, generation)
    if jti:
        store.put("revoked", jti, revoked_now, generation)
    return found, revoked_now


def standing_problem(claims: dict[str, Any]) -> str:
    """Why principal_for() refused these claims, in the client developer's words."""
    try:
        account_id = int(claims["sub"])
    except (TypeError, ValueError):
        account_id = 0
    row = _standing(claims["client_id"], account_id, "")[0][0]
    if row is None:
        return "The application no longer exists."
    if not row.active:
        return "The application is inactive."
    if not row.organization_enabled:
        return "The organization is disabled."
    storefront = row.kind == Kind.STOREFRONT
    if (row.customer_user_id if storefront else row.user_id) is None:
        return "The user no longer exists."
    if not (row.customer_user_enabled if storefront else row.user_enabled):
        return "The user is disabled."
    member = (
        row.customer_user_organization_id == row.organization_id if storefront else row.user_member
    )
    if not member:
        return "The user is no longer a member of the application's organization."
    return "The user is locked."


def _account(row: Any) -> tuple[str, str] | None:
    """The account's type and name from a standing row, if it exists, is enabled and unlocked,
    and belongs to the application's organization."""
    if row.kind == Kind.STOREFRONT:
        if row.customer_user_id is None or not row.customer_user_enabled:
            return None
        if row.customer_user_organization_id != row.organization_id:
            return None
        if lock_in_force(row.customer_user_locked, row.customer_user_locked_at):
            return None
        return "customer_user", row.email
    if row.user_id is None or not row.user_enabled or not row.user_member:
        return None
    if lock_in_force(row.user_locked, row.user_locked_at):
        return None
    return "user", row.username
