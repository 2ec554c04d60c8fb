"""`demo`: idempotently seed organizations, users and applications to try the product with."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from oauthapp import get_settings
from oauthapp.accounts import service as accounts
from oauthapp.applications import service as applications
from oauthapp.cli.errors import reports_errors
from oauthapp.exceptions import NotFound
from oauthapp.extensions import db
from oauthapp.models import CustomerUser, Grant, Kind, OAuthApplication, Organization, Role, User

GLOBAL_ORG = "Main Organization"
STORE_ORG = "Acme Retail"
ADMIN = "admin"
USER = "jane"  # the back-office user of the password-grant examples in docs/api.md
CUSTOMER = "customer@example.com"
DEMO_REDIRECT_URI = "http://127.0.0.1:8400/callback"  # a local client's loopback listener
APPS = (
    ("Demo back-office integration", Grant.CLIENT_CREDENTIALS, Kind.BACKOFFICE),
    ("Demo mobile app", Grant.PASSWORD, Kind.BACKOFFICE),
    ("Demo storefront integration", Grant.CLIENT_CREDENTIALS, Kind.STOREFRONT),
    ("Demo storefront app", Grant.PASSWORD, Kind.STOREFRONT),
    ("Demo web app", Grant.AUTHORIZATION_CODE, Kind.BACKOFFICE),
    ("Demo desktop app", Grant.AUTHORIZATION_CODE, Kind.BACKOFFICE),
)
PUBLIC = {"Demo desktop app"}  # a native client: no secret, PKCE only (docs/api.md's example)


@click.command("demo")
@with_appcontext
@reports_errors
def demo() -> None:
    """Seed a demo (safe to run again) and print how to log in."""
    passwords = _credentials_file()
    main = _global_organization()
    store = _organization(STORE_ORG)
    admin = db.session.scalar(select(User).where(User.username == ADMIN))
    if admin is None:
        passwords[ADMIN] = secrets.token_urlsafe(12)
        admin = accounts.create_user(
            ADMIN,
            "admin@example.com",
            passwords[ADMIN],
            [main.name, STORE_ORG],
            Role.ADMINISTRATOR,
        )
    if db.session.scalar(select(User.id).where(User.username == USER)) is None:
        passwords[USER] = secrets.token_urlsafe(12)
        accounts.create_user(USER, "jane@example.com", passwords[USER], [main.name, STORE_ORG])
    customer = db.session.scalar(select(CustomerUser).where(CustomerUser.email == CUSTOMER))
    if customer is None:
        passwords[CUSTOMER] = secrets.token_urlsafe(12)
        customer = accounts.create_customer_user(
            CUSTOMER, passwords[CUSTOMER], STORE_ORG, "Demo Customer"
        )
    _save_credentials(passwords)
    for name, grant, kind in APPS:
        org = main if kind == Kind.BACKOFFICE else store
        owner = admin if kind == Kind.BACKOFFICE else customer
        _application(org, name, grant, kind, owner)
    click.echo("")
    click.echo(f"Back-office: {get_settings().oauth2_server.issuer}/login")
    click.echo(f"  username: {ADMIN}")
    click.echo(
        f"  password: {passwords.get(ADMIN, '(unknown: the admin was not created by demo)')}"
    )
    click.echo(f"Back-office user: {USER} / {passwords.get(USER, '(unknown)')}")
    click.echo(f"Customer user: {CUSTOMER} / {passwords.get(CUSTOMER, '(unknown)')}")
    click.echo(f"(These demo passwords are kept in {_path()}.)")


def _global_organization() -> Organization:
    """The existing global organization if there is one, else the demo's own."""
    existing = db.session.scalar(select(Organization).where(Organization.is_global))
    return existing or _organization(GLOBAL_ORG, is_global=True)


def _organization(name: str, is_global: bool = False) -> Organization:
    try:
        return accounts.get_organization(name)
    except NotFound:
        created = accounts.create_organization(name, is_global=is_global)
        click.echo(f"Created organization {name!r}.")
        return created


def _application(
    org: Organization, name: str, grant: Grant, kind: Kind, owner: User | CustomerUser | None
) -> None:
    exists = db.session.scalar(
        select(OAuthApplication.id).where(
            OAuthApplication.organization_id == org.id,
            OAuthApplication.kind == kind.value,
            OAuthApplication.name == name,
        )
    )
    if exists is not None:
        return
    uris = [DEMO_REDIRECT_URI] if grant == Grant.AUTHORIZATION_CODE else []
    owner = owner if grant == Grant.CLIENT_CREDENTIALS else None  # the others have none
    new = applications.create_application(
        org, name, grant, kind, owner, redirect_uris=uris, confidential=name not in PUBLIC
    )
    click.echo(f"Created {kind.value} {grant.value} application {name!r}:")
    click.echo(f"  client_id:     {new.application.client_id}")
    if uris:
        click.echo(f"  redirect_uri:  {DEMO_REDIRECT_URI}")
    if new.client_secret is None:
        click.echo("  (a public client: no secret)")
    else:
        click.echo(f"  client_secret: {new.client_secret}  (shown only now)")


def _path() -> Path:
    return get_settings().secret_key_file.parent / "demo_credentials"


def _credentials_file() -> dict[str, str]:
    path = _path()
    if not path.exists():
        return {}
    lines = path.read_text(encoding="utf-8").splitlines()
    return dict(line.split("\t", 1) for line in lines if "\t" in line)


def _save_credentials(passwords: dict[str, str]) -> None:
    path = _path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.writelines(f"{login}\t{password}\n" for login, password in passwords.items())
