"""The applications grid: filters, sorting and paging read from the query string."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import aliased, joinedload

from oauthapp.applications.access import Access
from oauthapp.extensions import db
from oauthapp.models import CustomerUser, Grant, Kind, OAuthApplication, Organization, User
from oauthapp.paging import Paginated
from oauthapp.querystring import matching, positive_int

PAGE_SIZES = (10, 25, 50, 100)
DEFAULT_PAGE_SIZE = 25
FEW_MATCHES = 5000  # a name search matching at most this many rows sorts them (PostgreSQL)
MAX_FILTER_LENGTH = 255
STATUSES = ("active", "inactive")
GRANTS = tuple(grant.value for grant in Grant)

_Owner = aliased(User)
_Customer = aliased(CustomerUser)
# Names sort as people read them, whatever their case ("alpha" before "Beta"), on SQLite as on
# PostgreSQL; ix_oauth_applications_kind_lower_name serves the default order.
SORTS: dict[str, Any] = {
    "name": func.lower(OAuthApplication.name),
    "client_id": OAuthApplication.client_id,
    "organization": func.lower(Organization.name),
    "grant": OAuthApplication.grant_type,
    "owner": func.lower(func.coalesce(_Owner.username, _Customer.email)),
    "active": OAuthApplication.active,
    "last_used": OAuthApplication.last_used_at,
    "created": OAuthApplication.created_at,
}
NULLABLE_SORTS = frozenset({"owner", "last_used"})


@dataclass(frozen=True)
class GridQuery:
    """What the user asked the grid for; every value already checked."""

    name: str = ""
    organization: int | None = None
    status: str = ""
    grant: str = ""
    sort: str = "name"
    descending: bool = False
    page: int = 1
    per_page: int = DEFAULT_PAGE_SIZE

    def args(self, **changes: Any) -> dict[str, Any]:
        """Query-string arguments for a link to this view with some values changed."""
        query = replace(self, **changes)
        args: dict[str, Any] = {
            "name": query.name,
            "organization": query.organization,
            "status": query.status,
            "grant": query.grant,
            "sort": query.sort if query.sort != "name" or query.descending else "",
            "dir": "desc" if query.descending else "",
            "page": query.page if query.page > 1 else None,
            "per_page": query.per_page if query.per_page != DEFAULT_PAGE_SIZE else None,
        }
        return {key: value for key, value in args.items() if value not in ("", None)}

    @property
    def filtered(self) -> bool:
        return bool(self.name or self.organization or self.status or self.grant)


@dataclass(frozen=True)
class GridPage(Paginated):
    rows: list[OAuthApplication]
    total: int
    query: GridQuery

    @property
    def page_size(self) -> int:
        return self.query.per_page


def parse_grid_query(args: Mapping[str, str]) -> GridQuery:
    """The grid query from request arguments; anything unusable falls back to the default."""
    status = args.get("status", "")
    grant = args.get("grant", "")
    sort = args.get("sort", "name")
    per_page = positive_int(args.get("per_page"))
    return GridQuery(
        name=args.get("name", "").strip()[:MAX_FILTER_LENGTH].replace("\x00", ""),
        organization=positive_int(args.get("organization")),
        status=status if status in STATUSES else "",
        grant=grant if grant in GRANTS else "",
        sort=sort if sort in SORTS else "name",
        descending=args.get("dir") == "desc",
        page=positive_int(args.get("page")) or 1,
        per_page=per_page if per_page in PAGE_SIZES else DEFAULT_PAGE_SIZE,
    )


def load_grid(access: Access, kind: Kind, query: GridQuery) -> GridPage:
    """One page of the applications the user may manage, with organization and owner.

    Three cheap queries whatever the table's size: the count, the ids of the page (sorted on
    an index where it can be), and those rows with their organization and owner.
    """
    conditions = _conditions(access, kind, query)
    count = select(func.count()).select_from(OAuthApplication).where(*conditions)
    total = db.session.scalar(count) or 0
    pages = max(1, -(-total // query.per_page))
    if query.page > pages:
        query = replace(query, page=pages)
    ids = list(
        db.session.scalars(
            _joined_for(query.sort, select(OAuthApplication.id))
            .where(*_found_first(conditions, query, total))
            .order_by(_order(query), *_tie(query))
            .limit(query.per_page)
            .offset((query.page - 1) * query.per_page)
        )
    )
    found = {row.id: row for row in db.session.scalars(_rows(ids))} if ids else {}
    return GridPage(rows=[found[id_] for id_ in ids if id_ in found], total=total, query=query)


def _found_first(
    conditions: list[ColumnElement[bool]], query: GridQuery, total: int
) -> list[ColumnElement[bool]]:
    """The page's conditions; on PostgreSQL, for a name search that matched few rows, as "one
    of the rows the search found", the search run first through the trigram index.

    Otherwise PostgreSQL may walk the whole name-order index, testing every name, until it has
    a page: 170 ms of 100,000 names for a search whose matches sort last, where finding the
    few hundred matches and sorting them takes 5. With many matches the walk stops early, and
    is kept."""
    if not query.name or total > FEW_MATCHES or db.session.get_bind().dialect.name != "postgresql":
        return conditions
    found = select(OAuthApplication.id).where(*conditions).cte("found").prefix_with("MATERIALIZED")
    return [OAuthApplication.id.in_(select(found.c.id))]


def _order(query: GridQuery) -> Any:
    """The sort column; empty values (never used, no owner) count as the smallest everywhere."""
    column = SORTS[query.sort]
    if query.sort in NULLABLE_SORTS:  # others keep a plain order, which their indexes serve
        return column.desc().nulls_last() if query.descending else column.asc().nulls_first()
    return column.desc() if query.descending else column.asc()


def _tie(query: GridQuery) -> list[Any]:
    """Equal values by name (whatever the case), then in creation order; but names descending
    are the exact reverse of names ascending, which the index on (kind, lower(name), id) reads
    backwards."""
    if query.sort == "name":
        return [OAuthApplication.id.desc() if query.descending else OAuthApplication.id.asc()]
    if query.sort == "client_id":  # unique: no ties
        return []
    return [func.lower(OAuthApplication.name).asc(), OAuthApplication.id.asc()]


def _conditions(access: Access, kind: Kind, query: GridQuery) -> list[ColumnElement[bool]]:
    conditions = [OAuthApplication.kind == kind.value, access.application_filter()]
    if query.name:
        conditions.append(matching(OAuthApplication.name, text=query.name))
        conditions.extend(_read_names_from_the_index())
    if query.organization:
        conditions.append(OAuthApplication.organization_id == query.organization)
    if query.status:
        conditions.append(OAuthApplication.active.is_(query.status == "active"))
    if query.grant:
        conditions.append(OAuthApplication.grant_type == query.grant)
    return conditions


def _read_names_from_the_index() -> list[ColumnElement[bool]]:
    """On SQLite, a condition true of every name that points the planner at the index on
    (kind, lower(name), id), which holds every name already folded. Without it the count of a
    name search walks another index and folds 100,000 names in Python, four times slower.
    PostgreSQL's trigram index serves the search, and needs no such help."""
    if db.session.get_bind().dialect.name != "sqlite":
        return []
    return [func.lower(OAuthApplication.name) >= ""]


def _joined_for(sort: str, statement: Select[Any]) -> Select[Any]:
    """Only the joins the sort order needs."""
    if sort == "organization":
        return statement.join(OAuthApplication.organization)
    if sort == "owner":
        return statement.outerjoin(_Owner, OAuthApplication.user).outerjoin(
            _Customer, OAuthApplication.customer_user
        )
    return statement


def _rows(ids: list[int]) -> Select[Any]:
    return (
        select(OAuthApplication)
        .where(OAuthApplication.id.in_(ids))
        .options(
            joinedload(OAuthApplication.organization),
            joinedload(OAuthApplication.user),
            joinedload(OAuthApplication.customer_user),
        )
    )


def owned_applications(access: Access, kind: Kind, owner_id: int) -> list[OAuthApplication]:
    """The applications of one owner that the user may manage, for an account's OAuth block."""
    column = (
        OAuthApplication.user_id if kind == Kind.BACKOFFICE else OAuthApplication.customer_user_id
    )
    query = (
        select(OAuthApplication)
        .where(OAuthApplication.kind == kind.value, column == owner_id)
        .where(access.application_filter())
        .order_by(func.lower(OAuthApplication.name), OAuthApplication.id)
    )
    return list(db.session.scalars(query))
