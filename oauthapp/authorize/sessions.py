"""Who is signed in for each kind of application, and since when.

Back-office users sign in through Flask-Login (/login); customer users through
/customer/user/login, under session keys of their own that carry their session_version, so
that a logout (which bumps it) ends every session of that customer. The time of each login is
kept for max_age, and a login made to finish an authorize request is marked fresh, so that
prompt=login and max_age send the browser to log in once, not again and again.
"""

from __future__ import annotations

import time
from typing import Any

from flask import Flask, g, request, session
from flask_login import current_user, logout_user, user_logged_in
from sqlalchemy import update

from oauthapp.authorize.requests import authorize_target
from oauthapp.extensions import db
from oauthapp.models import CustomerUser, Kind, User

CUSTOMER_ID = "customer_user_id"
CUSTOMER_VERSION = "customer_session_version"
AUTH_TIME = {Kind.BACKOFFICE: "auth_time", Kind.STOREFRONT: "customer_auth_time"}
FRESH = {Kind.BACKOFFICE: "oauth_fresh_login", Kind.STOREFRONT: "customer_oauth_fresh_login"}


def init_app(app: Flask) -> None:
    user_logged_in.connect(_backoffice_login, app)


def _backoffice_login(sender: Any, user: User, **extra: Any) -> None:
    note_login(Kind.BACKOFFICE)


def note_login(kind: Kind) -> None:
    """Remember when the login happened, and whether it was made for an authorize request."""
    session[AUTH_TIME[kind]] = int(time.time())
    if authorize_target(request.form.get("next")):
        session[FRESH[kind]] = True


def take_fresh_login(kind: Kind) -> bool:
    """Whether a login was just made for an authorize request (asked once)."""
    return bool(session.pop(FRESH[kind], False))


def auth_time(kind: Kind) -> int:
    """When the session's login of that kind happened (epoch seconds; 0 if unknown)."""
    value = session.get(AUTH_TIME[kind], 0)
    return value if isinstance(value, int) else 0


def signed_in(kind: Kind) -> User | CustomerUser | None:
    """The account signed in for that kind of application, if any."""
    if kind == Kind.STOREFRONT:
        return current_customer()
    if current_user.is_authenticated:
        user: User = current_user._get_current_object()
        return user
    return None


def sign_out(kind: Kind) -> None:
    """End this browser's session of that kind only (for a forced new login)."""
    if kind == Kind.STOREFRONT:
        _forget_customer()
    else:
        logout_user()


def current_customer() -> CustomerUser | None:
    """The customer user of this session, while enabled, unlocked and of the current version."""
    if "customer" not in g:
        g.customer = _load_customer()
        if g.customer is None and CUSTOMER_ID in session:  # logged out elsewhere, disabled…
            _forget_customer()
    customer: CustomerUser | None = g.customer
    return customer


def _load_customer() -> CustomerUser | None:
    customer_id, version = session.get(CUSTOMER_ID), session.get(CUSTOMER_VERSION)
    if not isinstance(customer_id, int) or not isinstance(version, int):
        return None
    customer = db.session.get(CustomerUser, customer_id)
    if customer is None or not customer.enabled or customer.locked:
        return None
    if customer.session_version != version:
        return None
    return customer


def log_in_customer(customer: CustomerUser) -> None:
    """Start a customer session (the back-office session of the same browser is left alone)."""
    session[CUSTOMER_ID] = customer.id
    session[CUSTOMER_VERSION] = customer.session_version
    g.customer = customer
    note_login(Kind.STOREFRONT)


def log_out_customer() -> None:
    """End this customer's sessions everywhere: its session version moves on."""
    customer = current_customer()
    if customer is not None:
        db.session.execute(
            update(CustomerUser)
            .where(CustomerUser.id == customer.id)
            .values(session_version=CustomerUser.session_version + 1)
        )
        db.session.commit()
    _forget_customer()


def _forget_customer() -> None:
    for key in (CUSTOMER_ID, CUSTOMER_VERSION, AUTH_TIME[Kind.STOREFRONT], FRESH[Kind.STOREFRONT]):
        session.pop(key, None)
    g.customer = None
