"""The account page an application page was opened from: where to return, and how to name it.

"Add Application" and the row actions of the OAuth Applications block on a user's, a customer
user's or the My User page carry that page's path (`next`); the create form, its POST, the
one-time page after it and the confirmations keep it. Only those pages are accepted, only as
local paths (oauthapp.accounts.redirects.safe_next) and only when the viewer may see the
account: anything else is ignored, never followed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple
from urllib.parse import urlsplit

from flask import current_app, request, url_for
from werkzeug.exceptions import HTTPException

from oauthapp.accounts.people import find_customer, find_user
from oauthapp.accounts.redirects import safe_next
from oauthapp.applications.access import Access


class Crumb(NamedTuple):
    """One step of a breadcrumb trail; without a URL it is a heading, not a link."""

    label: str
    url: str | None = None


@dataclass(frozen=True)
class Origin:
    """An account page to return to: its path and the breadcrumbs that lead to it."""

    path: str
    trail: tuple[Crumb, ...]

    @property
    def name(self) -> str:
        """The page's own name: the username, the customer user's email or "My User"."""
        return self.trail[-1].label


def origin_of(access: Access, target: str | None) -> Origin | None:
    """The account page TARGET names, if the viewer may see it; None for anything else."""
    path = safe_next(target)
    if path is None:
        return None
    route = urlsplit(path).path
    if request.script_root and route.startswith(request.script_root + "/"):
        route = route[len(request.script_root) :]  # served under a prefix: url_for's paths
    try:
        adapter = current_app.url_map.bind("localhost")
        endpoint, args = adapter.match(route, method="GET")
    except HTTPException:  # no such page, or a redirect to another address
        return None
    if endpoint == "accounts.profile":
        return Origin(url_for(endpoint), (Crumb("My User", url_for(endpoint)),))
    if endpoint == "accounts.user":
        user = find_user(access, args["user_id"])
        return _origin(
            (Crumb("System"), Crumb("User Management"), Crumb("Users", url_for("accounts.users"))),
            user.username if user else None,
            url_for(endpoint, **args),
        )
    if endpoint == "accounts.customer_user":
        customer = find_customer(access, args["customer_id"])
        return _origin(
            (Crumb("Customers"), Crumb("Customer Users", url_for("accounts.customer_users"))),
            customer.email if customer else None,
            url_for(endpoint, **args),
        )
    return None


def _origin(parents: tuple[Crumb, ...], name: str | None, path: str) -> Origin | None:
    return Origin(path, (*parents, Crumb(name, path))) if name is not None else None
