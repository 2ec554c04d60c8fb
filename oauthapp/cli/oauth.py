"""`oauth` commands: keys, applications and clean-up."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime

import click
from flask.cli import AppGroup

from oauthapp import get_settings
from oauthapp.accounts import service as accounts
from oauthapp.applications import scopes
from oauthapp.applications import service as applications
from oauthapp.cache import announce as announce_change
from oauthapp.cli.errors import reports_errors
from oauthapp.exceptions import InvalidInput, NotFound
from oauthapp.keys import KeyFileError, check_keys, generate_keys
from oauthapp.maintenance import cleanup as cleanup_expired
from oauthapp.models import CustomerUser, Grant, Kind, User
from oauthapp.retired_keys import rotate_keys

oauth = AppGroup("oauth", help="Manage signing keys and OAuth applications.")


@oauth.command("generate-keys")
def generate_keys_command() -> None:
    """Write the signing key pair if neither key file exists."""
    settings = get_settings()
    auth = settings.oauth2_server.authorization_server
    private, public = auth.private_key, settings.oauth2_server.public_key
    try:
        created = generate_keys(private, public, auth.signing_algorithm)
    except (KeyFileError, OSError) as exc:
        raise click.ClickException(str(exc)) from exc
    if created:
        click.echo(
            f"Wrote {auth.signing_algorithm} private key {private} (mode 0600)"
            f" and public key {public}."
        )
    else:
        click.echo(f"Key files already exist ({private}, {public}); nothing was changed.")


@oauth.command("rotate-keys")
def rotate_keys_command() -> None:
    """Sign with a new key from now on; publish the old public key while its tokens live."""
    settings = get_settings()
    auth = settings.oauth2_server.authorization_server
    try:
        rotation = rotate_keys(
            auth.private_key,
            settings.oauth2_server.public_key,
            auth.signing_algorithm,
            keep_for=auth.access_token_lifetime,
        )
    except (KeyFileError, OSError) as exc:
        raise click.ClickException(
            f"{exc} Rotation needs a working key pair: run `flask --app app oauth generate-keys` "
            "if there is none, or see `flask --app app oauth check-keys`."
        ) from exc
    announce_change()  # every serving process looks at the key files again at once
    retire_at = datetime.fromtimestamp(rotation.until, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    click.echo(f"New signing key {rotation.new_kid} is in use.")
    click.echo(
        f"The previous key {rotation.old_kid} stays in the JWKS until {retire_at};"
        " `oauth cleanup` removes it after that."
    )


@oauth.command("check-keys")
def check_keys_command() -> None:
    """Exit 0 if both keys are readable and the private key is 0600; else print the problem."""
    settings = get_settings()
    auth = settings.oauth2_server.authorization_server
    status = check_keys(auth.private_key, settings.oauth2_server.public_key, auth.signing_algorithm)
    for problem in status.problems:
        click.echo(problem, err=True)
    if status.available and not status.mode_ok:
        click.echo(
            f"The private key {auth.private_key} must have mode 0600 (chmod 600 it).", err=True
        )
    if not status.ok:
        sys.exit(1)
    click.echo("Keys are in place.")


@oauth.command("create-app")
@click.option("--org", "organization", required=True, help="Organization name.")
@click.option("--name", required=True, help="Application name.")
@click.option("--grant", type=click.Choice([grant.value for grant in Grant]), required=True)
@click.option("--owner", help="Owner: a username, or a customer email with --storefront.")
@click.option("--storefront", is_flag=True, help="A storefront application (customer users).")
@click.option("--inactive", is_flag=True, help="Create it switched off.")
@click.option(
    "--redirect-uri",
    "redirect_uris",
    multiple=True,
    help="A redirect URL of an authorization_code application (repeat for more).",
)
@click.option("--public", is_flag=True, help="A public client: no secret, PKCE required.")
@click.option("--skip-consent", is_flag=True, help="Do not ask users to grant access.")
@click.option(
    "--json", "as_json", is_flag=True, help="Print id, client_id and client_secret as JSON."
)
@reports_errors
def create_app_command(
    organization: str,
    name: str,
    grant: str,
    owner: str | None,
    storefront: bool,
    inactive: bool,
    redirect_uris: tuple[str, ...],
    public: bool,
    skip_consent: bool,
    as_json: bool,
) -> None:
    """Create an application and print its client id and secret (shown only this once)."""
    kind = Kind.STOREFRONT if storefront else Kind.BACKOFFICE
    org = accounts.get_organization(organization)
    new = applications.create_application(
        org, name, Grant(grant), kind, _find_owner(owner, kind), active=not inactive,
        redirect_uris=redirect_uris, confidential=not public, skip_consent=skip_consent,
    )  # fmt: skip
    application = new.application
    if as_json:
        click.echo(json.dumps({"id": application.id, "client_id": application.client_id,
                               "client_secret": new.client_secret}))  # fmt: skip
        return
    click.echo(f"Created {kind.value} application {application.name!r} (id {application.id}).")
    click.echo(f"Client ID:     {application.client_id}")
    if new.client_secret is None:
        click.echo("This is a public client: it has no secret and must use PKCE.")
        return
    click.echo(f"Client Secret: {new.client_secret}")
    click.echo("Copy the Client Secret now: it cannot be shown again.")


def _find_owner(owner: str | None, kind: Kind) -> User | CustomerUser | None:
    """The owner among the right kind of accounts; naming the mistake if it is the other kind."""
    if owner is None:
        return None
    primary, other = (
        (accounts.get_user, accounts.get_customer_user)
        if kind == Kind.BACKOFFICE
        else (accounts.get_customer_user, accounts.get_user)
    )
    try:
        return primary(owner)
    except NotFound:
        try:
            other(owner)
        except NotFound:
            raise NotFound(f"Unknown owner: {owner}", "owner") from None
    if kind == Kind.BACKOFFICE:
        raise InvalidInput(
            f"{owner} is a customer user: use --storefront for its applications.", "owner"
        )
    raise InvalidInput(
        f"{owner} is a back-office user: storefront applications are owned by customer users."
    )


@oauth.command("activate")
@click.argument("client_id")
@reports_errors
def activate(client_id: str) -> None:
    """Switch an application on."""
    applications.set_active(applications.get_by_client_id(client_id), True)
    click.echo(f"Activated application {client_id}.")


@oauth.command("deactivate")
@click.argument("client_id")
@reports_errors
def deactivate(client_id: str) -> None:
    """Switch an application off; its tokens stop working at once."""
    applications.set_active(applications.get_by_client_id(client_id), False)
    click.echo(f"Deactivated application {client_id}.")


@oauth.command("grant-scope")
@click.argument("client_id")
@click.argument("scope")
@reports_errors
def grant_scope(client_id: str, scope: str) -> None:
    """Let a client-credentials application ask for SCOPE (applications:manage)."""
    application = applications.get_by_client_id(client_id)
    if scopes.grant_scope(application, scope):
        click.echo(f"Granted {scope} to application {client_id}.")
    else:
        click.echo(f"Application {client_id} already has {scope}; nothing was changed.")


@oauth.command("revoke-scope")
@click.argument("client_id")
@click.argument("scope")
@reports_errors
def revoke_scope(client_id: str, scope: str) -> None:
    """Stop an application asking for SCOPE; its tokens lose what the scope allowed at once."""
    application = applications.get_by_client_id(client_id)
    if scopes.revoke_scope(application, scope):
        click.echo(f"Revoked {scope} from application {client_id}.")
    else:
        click.echo(f"Application {client_id} does not have {scope}; nothing was changed.")


@oauth.command("cleanup")
def cleanup() -> None:
    """Delete expired tokens and revocations, ownerless applications, old mail and usage."""
    counts = cleanup_expired()
    click.echo(f"Deleted {counts.refresh_tokens} expired refresh tokens.")
    click.echo(f"Deleted {counts.authorization_codes} expired authorization codes.")
    click.echo(f"Deleted {counts.revoked_access_tokens} expired revocation records.")
    click.echo(f"Deleted {counts.orphaned_applications} applications whose owner no longer exists.")
    click.echo(f"Deleted {counts.sent_messages} sent email messages older than 30 days.")
    click.echo(f"Deleted {counts.retired_keys} retired signing keys whose tokens have expired.")
    click.echo(f"Deleted {counts.usage_counts} hourly token usage counts older than 90 days.")
    click.echo(f"Deleted {counts.idempotency_keys} expired idempotency keys.")
