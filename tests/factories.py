"""Test data through the same service functions the product uses; call inside an app context."""

from __future__ import annotations

import itertools

from oauthapp.accounts import service as accounts
from oauthapp.applications import service as applications
from oauthapp.models import CustomerUser, Grant, Kind, OAuthApplication, Organization, Role, User

PASSWORD = "correct horse battery"
_sequence = itertools.count(1)


def make_org(name: str | None = None, is_global: bool = False) -> Organization:
    return accounts.create_organization(
        name or f"Organization {next(_sequence)}", is_global=is_global
    )


def make_user(
    username: str | None = None,
    orgs: list[Organization] | None = None,
    role: Role = Role.ADMINISTRATOR,
    password: str = PASSWORD,
    locale: str = "en",
) -> User:
    username = username or f"user{next(_sequence)}"
    names = [org.name for org in orgs] if orgs else [make_org().name]
    email = f"{username}@example.com"
    return accounts.create_user(username, email, password, names, role, locale)


def make_customer(
    email: str | None = None,
    org: Organization | None = None,
    password: str = PASSWORD,
    locale: str = "en",
) -> CustomerUser:
    email = email or f"customer{next(_sequence)}@example.com"
    org_name = (org or make_org()).name
    return accounts.create_customer_user(email, password, org_name, "Customer", locale)


def make_application(
    org: Organization | None = None,
    name: str | None = None,
    grant: Grant = Grant.CLIENT_CREDENTIALS,
    kind: Kind = Kind.BACKOFFICE,
    owner: User | CustomerUser | None = None,
    active: bool = True,
) -> tuple[OAuthApplication, str]:
    """An application and its plain secret."""
    org = org or make_org()
    if owner is None and grant == Grant.CLIENT_CREDENTIALS:
        owner = make_user(orgs=[org]) if kind == Kind.BACKOFFICE else make_customer(org=org)
    new = applications.create_application(
        org, name or f"App {next(_sequence)}", grant, kind, owner, active
    )
    return new.application, new.client_secret


def make_code_application(
    org: Organization | None = None,
    kind: Kind = Kind.BACKOFFICE,
    redirect_uris: tuple[str, ...] = ("https://app.example/cb",),
    confidential: bool = True,
    skip_consent: bool = False,
    active: bool = True,
) -> tuple[OAuthApplication, str | None]:
    """An authorization-code application and its plain secret (None for a public client)."""
    new = applications.create_application(
        org or make_org(),
        f"App {next(_sequence)}",
        Grant.AUTHORIZATION_CODE,
        kind,
        None,
        active,
        redirect_uris=redirect_uris,
        confidential=confidential,
        skip_consent=skip_consent,
    )
    return new.application, new.client_secret
