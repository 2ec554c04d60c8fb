"""Building token responses: sign the access token, add a refresh token, note the use."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import update

from oauthapp import get_settings
from oauthapp.cache import cache
from oauthapp.extensions import db
from oauthapp.keys import KeyFileError, keys
from oauthapp.models import Grant, OAuthApplication, utcnow
from oauthapp.token import access_tokens
from oauthapp.token.refresh_tokens import issue_refresh_token

LAST_USED_PRECISION = timedelta(minutes=1)


class Client(Protocol):
    """What issuing needs of an application: the model, or its cached ClientView."""

    @property
    def id(self) -> int: ...
    @property
    def client_id(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def organization_id(self) -> int: ...
    @property
    def last_used_at(self) -> datetime | None: ...


class Subject(Protocol):
    """The account a token acts for: a user, a customer user, or a cached owner."""

    @property
    def id(self) -> int: ...


@dataclass(frozen=True)
class Tokens:
    """A token response's body and what the server must remember about it."""

    body: dict[str, Any]
    access: access_tokens.IssuedToken
    family_id: str | None  # the refresh token's family, when one was issued
    wrote: bool  # whether anything was added to the session

    @property
    def access_expires_at(self) -> datetime:
        return datetime.fromtimestamp(self.access.expires_at, UTC)


def token_response(
    application: Client,
    account: Subject,
    *,
    with_refresh_token: bool,
    family_id: str | None = None,
    family_created_at: datetime | None = None,
    scope: str = "",
    refresh_scope: str | None = None,
) -> dict[str, Any]:
    """The RFC 6749 §5.1 body for a new access token (and refresh token); commits if it wrote."""
    tokens = issue_tokens(
        application, account, with_refresh_token=with_refresh_token, family_id=family_id,
        family_created_at=family_created_at, scope=scope, refresh_scope=refresh_scope,
    )  # fmt: skip
    if tokens.wrote:
        db.session.commit()
    return tokens.body


def issue_tokens(
    application: Client,
    account: Subject,
    *,
    with_refresh_token: bool,
    family_id: str | None = None,
    family_created_at: datetime | None = None,
    scope: str = "",
    refresh_scope: str | None = None,
) -> Tokens:
    """Sign the access token and add the refresh token and last use (not committed).

    The refresh token joins FAMILY_ID (begun at FAMILY_CREATED_AT) or begins a family, and
    keeps refresh_scope (what was granted; by default the access token's).
    """
    settings = get_settings()
    auth = settings.oauth2_server.authorization_server
    access = access_tokens.issue(
        keys().ring(),
        issuer=settings.oauth2_server.issuer,
        kind=application.kind,
        subject=account.id,
        client_id=application.client_id,
        organization_id=application.organization_id,
        lifetime=auth.access_token_lifetime,
        scope=scope,
    )
    body: dict[str, Any] = {
        "token_type": "Bearer",
        "expires_in": access.lifetime,
        "access_token": access.token,
    }
    if scope:
        body["scope"] = scope
    wrote, family = False, None
    if with_refresh_token and auth.enable_refresh_token:
        family = family_id or secrets.token_urlsafe(24)
        body["refresh_token"] = issue_refresh_token(
            application,
            account,
            access,
            auth.refresh_token_lifetime,
            family,
            scope if refresh_scope is None else refresh_scope,
            family_created_at,
        )
        wrote = True
    wrote = note_use(application) or wrote
    return Tokens(body, access, family, wrote)


def note_use(application: Client) -> bool:
    """Set last used at, to the minute: at most one write per application, minute and process.

    The application may be a cached view whose last_used_at predates this process's own
    writes, so the process remembers the minute it last wrote for each application.
    """
    now = utcnow().replace(second=0, microsecond=0)
    noted = cache().noted  # application id -> the minute this process last wrote
    last = max(filter(None, (application.last_used_at, noted.get(application.id))), default=None)
    if last is not None and now - last < LAST_USED_PRECISION:
        return False
    if len(noted) >= 100_000:
        noted.clear()
    noted[application.id] = now
    db.session.execute(
        update(OAuthApplication)
        .where(
            OAuthApplication.id == application.id,
            # Another process may have noted this minute already.
            (OAuthApplication.last_used_at < now) | OAuthApplication.last_used_at.is_(None),
        )
        # Naming updated_at keeps its onupdate default from firing: use is not an edit.
        .values(last_used_at=now, updated_at=OAuthApplication.updated_at)
        .execution_options(synchronize_session=False)
    )
    return True


def temporary_access_token(application: OAuthApplication) -> access_tokens.IssuedToken | None:
    """An access token for a new client-credentials application's owner, shown once (as Oro does).

    None when there is nothing to show: another grant, no owner, inactive, or no usable keys.
    """
    owner = application.owner
    if application.grant_type != Grant.CLIENT_CREDENTIALS or owner is None:
        return None
    if not application.active:
        return None
    try:
        ring = keys().ring()
    except KeyFileError:
        return None
    settings = get_settings()
    return access_tokens.issue(
        ring,
        issuer=settings.oauth2_server.issuer,
        kind=application.kind,
        subject=owner.id,
        client_id=application.client_id,
        organization_id=application.organization_id,
        lifetime=settings.oauth2_server.authorization_server.access_token_lifetime,
    )
