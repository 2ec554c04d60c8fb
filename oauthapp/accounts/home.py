"""What the back-office home page shows a user."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from oauthapp.accounts.service import organizations_of
from oauthapp.extensions import db
from oauthapp.models import OAuthApplication, Organization, Role, User


@dataclass(frozen=True)
class OrganizationRow:
    organization: Organization
    role: Role | None
    backoffice_apps: int
    storefront_apps: int


def organization_rows(user: User) -> list[OrganizationRow]:
    """The organizations the user may see, its role there and application counts (one query)."""
    organizations = organizations_of(user)
    ids = [org.id for org in organizations]
    counts: dict[tuple[int, str], int] = {}
    if ids:
        query = (
            select(OAuthApplication.organization_id, OAuthApplication.kind, func.count())
            .where(OAuthApplication.organization_id.in_(ids))
            .group_by(OAuthApplication.organization_id, OAuthApplication.kind)
        )
        counts = {(org_id, kind): count for org_id, kind, count in db.session.execute(query)}
    return [
        OrganizationRow(
            organization=org,
            role=user.role_in(org.id),
            backoffice_apps=counts.get((org.id, "backoffice"), 0),
            storefront_apps=counts.get((org.id, "storefront"), 0),
        )
        for org in organizations
    ]
