"""Authorization codes: random, stored as keyed hashes, single use, bound to their request."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, bindparam, select, update

from oauthapp.extensions import db
from oauthapp.models import AuthorizationCode, CustomerUser, OAuthApplication, User, utcnow
from oauthapp.security.credentials import hash_secret
from oauthapp.token.issuing import Tokens
from oauthapp.token.refresh_tokens import revoke_family
from oauthapp.token.revocations import revoke_access_token

PURPOSE = "authorization-code"
CODE_BYTES = 32  # 256 bits

_TABLE = cast(Table, AuthorizationCode.__table__)


@dataclass(frozen=True)
class CodeRequest:
    """What a code is bound to, as the authorize request settled it."""

    application: OAuthApplication
    account: User | CustomerUser
    redirect_uri: str
    redirect_uri_sent: bool
    scope: str
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    auth_time: datetime


def issue_code(bound: CodeRequest, lifetime: int) -> str:
    """Store a new code (committed) and return its only plain copy."""
    plain = secrets.token_urlsafe(CODE_BYTES)
    now = utcnow()
    account = bound.account
    db.session.add(
        AuthorizationCode(
            code_hash=hash_secret(plain, PURPOSE),
            application_id=bound.application.id,
            redirect_uri=bound.redirect_uri,
            redirect_uri_sent=bound.redirect_uri_sent,
            user_id=account.id if isinstance(account, User) else None,
            customer_user_id=account.id if isinstance(account, CustomerUser) else None,
            scope=bound.scope,
            nonce=bound.nonce,
            code_challenge=bound.code_challenge,
            code_challenge_method=bound.code_challenge_method,
            auth_time=bound.auth_time,
            expires_at=now + timedelta(seconds=lifetime),
            created_at=now,
        )
    )
    db.session.commit()
    return plain


def find_code(plain: str) -> AuthorizationCode | None:
    """The stored code for a presented one, whatever its state."""
    if len(plain) > 256:
        return None
    return db.session.scalar(
        select(AuthorizationCode).where(AuthorizationCode.code_hash == hash_secret(plain, PURPOSE))
    )


_SPEND = (
    update(_TABLE)
    .where(_TABLE.c.id == bindparam("code_id"), _TABLE.c.used_at.is_(None))
    .values(
        used_at=bindparam("now"),
        refresh_family_id=bindparam("family"),
        access_token_jti=bindparam("token_jti"),
        access_token_expires_at=bindparam("token_expires_at"),
    )
)


def spend_code(code: AuthorizationCode, tokens: Tokens) -> bool:
    """Mark the code used and note what it gave, atomically: of concurrent uses one gets True."""
    result = db.session.connection().execute(
        _SPEND,
        {
            "code_id": code.id,
            "now": utcnow(),
            "family": tokens.family_id,
            "token_jti": tokens.access.jti,
            "token_expires_at": tokens.access_expires_at,
        },
    )
    return result.rowcount == 1


def revoke_code_tokens(code_id: int) -> None:
    """Revoke what a code gave: its refresh family and its access token (not committed)."""
    row = db.session.execute(
        select(
            AuthorizationCode.refresh_family_id,
            AuthorizationCode.access_token_jti,
            AuthorizationCode.access_token_expires_at,
        ).where(AuthorizationCode.id == code_id)
    ).first()
    if row is None:
        return
    if row.refresh_family_id:
        revoke_family(row.refresh_family_id)
    if row.access_token_jti and row.access_token_expires_at:
        revoke_access_token(row.access_token_jti, row.access_token_expires_at)
