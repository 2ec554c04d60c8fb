"""`orgs`, `users` and `customers` commands."""

from __future__ import annotations

from collections.abc import Callable

import click
from flask.cli import AppGroup

from oauthapp.accounts import service
from oauthapp.cli.errors import reports_errors
from oauthapp.models import CustomerUser, Role, User

orgs = AppGroup("orgs", help="Manage organizations.")
users = AppGroup("users", help="Manage back-office users.")
customers = AppGroup("customers", help="Manage customer (storefront) users.")

locale_option = click.option(
    "--locale", default="en", show_default=True, help="Language of the account's email, e.g. de."
)
password_option = click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="Asked for when omitted.",
)


@orgs.command("create")
@click.argument("name")
@click.option("--global", "is_global", is_flag=True, help="Its users see every organization.")
@reports_errors
def create_org(name: str, is_global: bool) -> None:
    """Create an organization."""
    organization = service.create_organization(name, is_global=is_global)
    click.echo(f"Created organization {organization.name!r} (id {organization.id}).")


@orgs.command("disable")
@click.argument("name")
@reports_errors
def disable_org(name: str) -> None:
    """Disable an organization: its applications get no tokens."""
    service.set_organization_enabled(name, False)
    click.echo(f"Disabled organization {name!r}.")


@orgs.command("enable")
@click.argument("name")
@reports_errors
def enable_org(name: str) -> None:
    """Enable an organization."""
    service.set_organization_enabled(name, True)
    click.echo(f"Enabled organization {name!r}.")


@users.command("create")
@click.argument("username")
@click.option("--email", required=True)
@password_option
@click.option("--org", "organizations", multiple=True, required=True, help="Repeat for several.")
@click.option(
    "--role",
    type=click.Choice([role.value for role in Role]),
    default=Role.USER.value,
    show_default=True,
)
@locale_option
@reports_errors
def create_user(
    username: str,
    email: str,
    password: str,
    organizations: tuple[str, ...],
    role: str,
    locale: str,
) -> None:
    """Create a back-office user with ROLE in each organization."""
    user = service.create_user(username, email, password, organizations, Role(role), locale)
    click.echo(f"Created user {user.username!r} (id {user.id}).")


@customers.command("create")
@click.argument("email")
@password_option
@click.option("--org", "organization", required=True)
@click.option("--name", default="", help="Display name.")
@locale_option
@reports_errors
def create_customer(email: str, password: str, organization: str, name: str, locale: str) -> None:
    """Create a customer user of one organization."""
    customer = service.create_customer_user(email, password, organization, name, locale)
    click.echo(f"Created customer user {customer.email!r} (id {customer.id}).")


SWITCHES: dict[str, tuple[str, str, Callable[[User | CustomerUser], None]]] = {
    "disable": (
        "Disabled",
        "Disable {label}.",
        lambda account: service.set_enabled(account, False),
    ),
    "enable": ("Enabled", "Enable {label}.", lambda account: service.set_enabled(account, True)),
    "unlock": ("Unlocked", "Unlock {label} locked by failed logins.", service.unlock_account),
}


def add_switches(
    group: AppGroup, label: str, metavar: str, lookup: Callable[[str], User | CustomerUser]
) -> None:
    """disable, enable and unlock commands for one kind of account."""
    for name, (done, help_text, apply) in SWITCHES.items():

        @group.command(name, help=help_text.format(label=f"a {label}"))
        @click.argument("login", metavar=metavar)
        @reports_errors
        def switch(login: str, done: str = done, apply: Callable[..., None] = apply) -> None:
            apply(lookup(login))
            click.echo(f"{done} {label} {login!r}.")


def add_set_password(
    group: AppGroup, label: str, metavar: str, lookup: Callable[[str], User | CustomerUser]
) -> None:
    """The set-password command for one kind of account."""

    @group.command("set-password", help=f"Set the password of a {label}; ends its sessions.")
    @click.argument("login", metavar=metavar)
    @password_option
    @reports_errors
    def set_password(login: str, password: str) -> None:
        service.set_password(lookup(login), password)
        click.echo(f"Set the password of {label} {login!r}; its sessions have ended.")


add_switches(users, "user", "USERNAME", service.get_user)
add_switches(customers, "customer user", "EMAIL", service.get_customer_user)
add_set_password(users, "user", "USERNAME", service.get_user)
add_set_password(customers, "customer user", "EMAIL", service.get_customer_user)
