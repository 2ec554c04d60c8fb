"""Who may own a new client-credentials application: searched and checked one page at a time.

The create form's Users field and its JSON search offer the same accounts, by the form's rule:
back-office users of the organizations where the viewer may create applications they own (all
members where it is an ADMINISTRATOR, itself where it is a USER), or customer users of the
organizations it administers. Neither ever loads every account: an organization may hold
thousands.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import ColumnElement, and_, exists, false, func, or_, select

from oauthapp.applications.access import Access
from oauthapp.extensions import db
from oauthapp.models import CustomerUser, Kind, Organization, User, UserRole
from oauthapp.querystring import matching, positive_int

MAX_SEARCH_LENGTH = 255
PAGE_SIZE = 20  # suggestions per JSON page unless asked for another size
MAX_PAGE_SIZE = 50
FORM_OPTIONS = 50  # at most this many accounts in the form's Users list


@dataclass(frozen=True)
class OwnerChoice:
    """An account that may own the application, as the Users field and the search show it."""

    account: User | CustomerUser
    organization_ids: tuple[int, ...]  # where the viewer may create an application it owns

    @property
    def id(self) -> int:
        return self.account.id

    @property
    def label(self) -> str:
        """The username, or the customer user's name (its email without one)."""
        return self.account.display_name

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "email": self.account.email,
            "organizations": list(self.organization_ids),
        }


@dataclass(frozen=True)
class OwnerPage:
    """One page of the accounts matching a search, and how many match in all."""

    rows: list[OwnerChoice]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    def as_json(self) -> dict[str, Any]:
        return {
            "owners": [row.as_json() for row in self.rows],
            "total": self.total,
            "page": self.page,
            "per_page": self.per_page,
            "pages": self.pages,
        }


@dataclass(frozen=True)
class OwnerScope:
    """The viewer, the kind of application, and the organizations it may create one in."""

    access: Access
    kind: Kind
    organization_ids: tuple[int, ...]

    def administered(self) -> list[int]:
        return [org for org in self.organization_ids if self.access.administers(org)]

    def condition(self) -> ColumnElement[bool]:
        """A WHERE clause for the accounts the viewer may pick (User or CustomerUser rows)."""
        administered = self.administered()
        if self.kind == Kind.STOREFRONT:
            return CustomerUser.organization_id.in_(administered) if administered else false()
        others = [org for org in self.organization_ids if org not in administered]
        clauses: list[ColumnElement[bool]] = []
        if administered:
            clauses.append(User.id.in_(_members(administered)))
        if others:  # a USER there owns what it creates, and nothing else
            clauses.append(and_(User.id == self.access.user_id, User.id.in_(_members(others))))
        return or_(*clauses) if clauses else false()

    def choice(self, account: User | CustomerUser) -> OwnerChoice:
        """The account with the organizations (of this scope) it may own an application in."""
        if isinstance(account, CustomerUser):
            candidates = [account.organization_id]
        else:
            candidates = sorted(role.organization_id for role in account.roles)
        allowed = tuple(
            org
            for org in candidates
            if org in self.organization_ids and self.access.may_own_new(self.kind, org, account.id)
        )
        return OwnerChoice(account, allowed)


def _members(organization_ids: list[int]) -> Any:
    return select(UserRole.user_id).where(UserRole.organization_id.in_(organization_ids))


def _model(kind: Kind) -> type[User | CustomerUser]:
    model: type[User | CustomerUser] = User if kind == Kind.BACKOFFICE else CustomerUser
    return model


def _search_condition(kind: Kind, text: str) -> ColumnElement[bool]:
    if kind == Kind.BACKOFFICE:
        return matching(User.username, User.email, text=text)
    return matching(CustomerUser.email, CustomerUser.name, text=text)


def _order(kind: Kind) -> tuple[Any, ...]:
    """By the label the list shows, whatever its case; the id settles ties."""
    if kind == Kind.BACKOFFICE:
        return func.lower(User.username), User.id
    label = func.coalesce(func.nullif(CustomerUser.name, ""), CustomerUser.email)
    return func.lower(label), CustomerUser.id


def search_owners(
    scope: OwnerScope, text: str = "", page: int = 1, per_page: int = PAGE_SIZE
) -> OwnerPage:
    """One page of the accounts in SCOPE whose username, name or email contains TEXT.

    One query reads the page and counts the matches (a window count: the accounts are scanned
    once, not once to count and again for the page), plus the roles of the page's users; a page
    past the end is the last one, which costs a count first.
    """
    model = _model(scope.kind)
    conditions = [scope.condition()]
    if text:
        conditions.append(_search_condition(scope.kind, text))
    found = _page(model, conditions, scope.kind, page, per_page)
    if not found and page > 1:
        total = db.session.scalar(select(func.count()).select_from(model).where(*conditions)) or 0
        page = max(1, -(-total // per_page))
        found = _page(model, conditions, scope.kind, page, per_page)
    total = found[0][1] if found else 0
    rows = [scope.choice(account) for account, _ in found]
    return OwnerPage(rows=rows, total=total, page=page, per_page=per_page)


def _page(
    model: type[User | CustomerUser],
    conditions: list[ColumnElement[bool]],
    kind: Kind,
    page: int,
    per_page: int,
) -> list[tuple[User | CustomerUser, int]]:
    """The accounts of one page, each with the number of all matching accounts."""
    statement = (
        select(model, func.count().over())
        .where(*conditions)
        .order_by(*_order(kind))
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    rows = [(account, total) for account, total in db.session.execute(statement)]
    return cast("list[tuple[User | CustomerUser, int]]", rows)


def organizations_without_owners(scope: OwnerScope) -> list[int]:
    """The scope's organizations where nobody may own a new application (one query at most).

    Where the viewer is an ADMINISTRATOR, an organization without a member (a customer user,
    for storefront applications); where it is a USER, one it does not belong to itself.
    """
    administered = scope.administered()
    found = {org for org in scope.organization_ids if org in scope.access.roles}
    found.difference_update(administered)
    if administered:
        member_of = (
            CustomerUser.organization_id
            if scope.kind == Kind.STOREFRONT
            else UserRole.organization_id
        )
        query = select(Organization.id).where(
            Organization.id.in_(administered), exists().where(member_of == Organization.id)
        )
        found.update(db.session.scalars(query))
    return [org for org in scope.organization_ids if org not in found]


def find_owner(scope: OwnerScope, owner_id: int | None) -> OwnerChoice | None:
    """The account with that id if the viewer may pick it in SCOPE; None otherwise."""
    if owner_id is None:
        return None
    model = _model(scope.kind)
    account = cast(
        "User | CustomerUser | None",
        db.session.scalar(select(model).where(model.id == owner_id, scope.condition())),
    )
    if account is None:
        return None
    found = scope.choice(account)
    return found if found.organization_ids else None


@dataclass(frozen=True)
class OwnerQuery:
    """What the search was asked: text, organization ("" for all offered), page and size."""

    text: str = ""
    organization: str = ""
    page: int = 1
    per_page: int = PAGE_SIZE


def clean_search_text(value: str | None) -> str:
    """Search text as typed, trimmed and cut to length; NUL bytes (which no name holds) dropped."""
    return (value or "").replace("\x00", "").strip()[:MAX_SEARCH_LENGTH]


def parse_owner_query(args: Mapping[str, str]) -> OwnerQuery:
    """The JSON search's arguments; an unusable page or size falls back to the default."""
    per_page = positive_int(args.get("per_page")) or PAGE_SIZE
    return OwnerQuery(
        text=clean_search_text(args.get("q")),
        organization=args.get("organization", "").strip(),
        page=positive_int(args.get("page")) or 1,
        per_page=min(per_page, MAX_PAGE_SIZE),
    )
