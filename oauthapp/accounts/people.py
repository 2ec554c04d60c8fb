"""Users and customer users as the back-office lists and shows them: visibility, filter, pages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from oauthapp.applications.access import Access, customer_filter, user_filter
from oauthapp.extensions import db
from oauthapp.models import CustomerUser, Role, User, UserRole
from oauthapp.paging import Paginated
from oauthapp.querystring import matching, positive_int
from oauthapp.security.lockout import is_locked

PAGE_SIZE = 25
MAX_FILTER_LENGTH = 255

Row = TypeVar("Row", User, CustomerUser)


@dataclass(frozen=True)
class ListQuery:
    """What a list page was asked for: a substring filter and a page, both already checked."""

    q: str = ""
    page: int = 1

    def args(self, page: int | None = None) -> dict[str, Any]:
        """Query-string arguments for a link to this list, optionally on another page."""
        number = self.page if page is None else page
        args: dict[str, Any] = {"q": self.q, "page": number if number > 1 else None}
        return {key: value for key, value in args.items() if value}


@dataclass(frozen=True)
class ListPage(Paginated, Generic[Row]):
    """One page of a list, with what the pager needs."""

    per_page: ClassVar[int] = PAGE_SIZE
    rows: list[Row]
    total: int
    query: ListQuery


def parse_list_query(args: Mapping[str, str]) -> ListQuery:
    """The list query from request arguments; anything unusable falls back to the default."""
    q = args.get("q", "").replace("\x00", "").strip()[:MAX_FILTER_LENGTH]
    return ListQuery(q=q, page=positive_int(args.get("page")) or 1)


def _page(
    statement: Select[Row], query: ListQuery, order: Sequence[Any], load: Sequence[Any]
) -> ListPage[Row]:
    """Count, clamp the page to the last one, and load its rows (2 queries plus eager loads)."""
    total = db.session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    if query.page > pages:
        query = ListQuery(q=query.q, page=pages)
    page = statement.options(*load).order_by(*order).limit(PAGE_SIZE)
    rows = db.session.scalars(page.offset((query.page - 1) * PAGE_SIZE))
    return ListPage(rows=list(rows), total=total, query=query)


def list_users(access: Access, query: ListQuery) -> ListPage[User]:
    """One page of the back-office users the viewer may see, by username in any case."""
    statement = select(User).where(user_filter(access))
    if query.q:
        statement = statement.where(matching(User.username, User.email, text=query.q))
    return _page(
        statement,
        query,
        order=(func.lower(User.username), User.id),  # ix_users_lower_username
        load=(selectinload(User.roles).joinedload(UserRole.organization),),
    )


def list_customers(access: Access, query: ListQuery) -> ListPage[CustomerUser]:
    """One page of the customer users the viewer may see, by email in any case."""
    statement = select(CustomerUser).where(customer_filter(access))
    if query.q:
        statement = statement.where(matching(CustomerUser.email, CustomerUser.name, text=query.q))
    return _page(
        statement,
        query,
        order=(func.lower(CustomerUser.email), CustomerUser.id),  # ix_customer_users_lower_email
        load=(selectinload(CustomerUser.organization),),  # a join would re-sort the page
    )


def find_user(access: Access, user_id: int) -> User | None:
    """The user if it exists and the viewer may see it; None otherwise (a 404)."""
    return db.session.scalar(select(User).where(User.id == user_id, user_filter(access)))


def find_customer(access: Access, customer_id: int) -> CustomerUser | None:
    """The customer user if it exists and the viewer may see it; None otherwise (a 404)."""
    return db.session.scalar(
        select(CustomerUser).where(CustomerUser.id == customer_id, customer_filter(access))
    )


def visible_roles(access: Access, user: User) -> list[UserRole]:
    """The user's roles in organizations the viewer may see, by organization name."""
    roles = [
        role
        for role in user.roles
        if access.sees_all_organizations or role.organization_id in access.roles
    ]
    return sorted(roles, key=lambda role: role.organization.name)


def organization_names(access: Access, users: Sequence[User]) -> dict[int, list[str]]:
    """For each user id, the names of its organizations that the viewer may see."""
    return {
        user.id: [role.organization.name for role in visible_roles(access, user)] for user in users
    }


def may_unlock(access: Access, account: User | CustomerUser) -> bool:
    """Whether the viewer may unlock the account: an administrator of its organization (of one
    of a user's), or of the global organization."""
    if access.everywhere == Role.ADMINISTRATOR:
        return True
    if isinstance(account, CustomerUser):
        return access.administers(account.organization_id)
    return any(access.administers(role.organization_id) for role in account.roles)


def unlockable(access: Access, accounts: Sequence[User] | Sequence[CustomerUser]) -> set[int]:
    """The ids of the listed accounts that are locked and that the viewer may unlock."""
    return {
        account.id for account in accounts if is_locked(account) and may_unlock(access, account)
    }
