"""Session versions: bumping an account's version ends every session that carries an older one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import update

from oauthapp.extensions import db

if TYPE_CHECKING:  # the models import the lockout rule, which ends sessions
    from oauthapp.models import CustomerUser, User

# The session key under which a login keeps the account's version; a small integer, no secret.
SESSION_KEY = "_session_version"


def end_sessions(account: User | CustomerUser) -> None:
    """End all of the account's sessions by bumping its version; the caller commits."""
    model = type(account)
    # One UPDATE, so concurrent bumps are all counted and none is lost.
    db.session.execute(
        update(model)
        .where(model.id == account.id)
        .values(session_version=model.session_version + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(account, ["session_version"])
