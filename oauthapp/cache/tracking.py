"""Noticing, in the session that makes it, every change to state the caches hold.

Flushed ORM objects, ORM UPDATE/DELETE statements and textual DML on the watched tables count;
columns no cache reads (last use, login counters, session versions, password hashes) do not.
On PostgreSQL the change is announced with NOTIFY inside the transaction, so other processes
hear of it exactly when it commits; after the commit this process forgets at once.
"""

from __future__ import annotations

import re
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import event, inspect, text
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from oauthapp.cache.feeds import CHANNEL, REVOCATIONS, STATE

WATCHED = frozenset(
    {
        "oauth_applications",
        "organizations",
        "users",
        "customer_users",
        "user_roles",
        "revoked_access_tokens",
    }
)
# Columns of watched tables that no cache holds: writing only these changes nothing cached.
UNCACHED = frozenset(
    {
        "last_used_at",
        "updated_at",
        "failed_logins",
        "session_version",
        "password_hash",
        "locale",
    }
)
_PENDING = "oauthapp.cache.pending"  # in session.info: the topics this transaction changed
_NOTIFY = text(f"SELECT pg_notify('{CHANNEL}', :topic)")
_TEXT_DML = re.compile(
    r"^\s*(?:insert\s+into|update|delete\s+from)\s+\"?(\w+)", re.IGNORECASE | re.MULTILINE
)


def changed(session: Session, topic: str = STATE) -> None:
    """Record that this session's transaction changes cached state of TOPIC (and announce it:
    on PostgreSQL with a NOTIFY that is delivered when, and only if, the transaction commits)."""
    pending: set[str] = session.info.setdefault(_PENDING, set())
    if topic in pending:
        return
    pending.add(topic)
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(_NOTIFY, {"topic": topic})


def _topic(table: str | None) -> str:
    return REVOCATIONS if table == "revoked_access_tokens" else STATE


def _state_pending(session: Session) -> bool:
    return STATE in session.info.get(_PENDING, ())


def _table(entity: Any) -> str | None:
    table = getattr(entity, "__tablename__", None)
    return table if isinstance(table, str) else None


def _dirty_matters(instance: Any) -> bool:
    state = inspect(instance)
    for attribute in state.mapper.column_attrs:
        if attribute.key in UNCACHED:
            continue
        if state.attrs[attribute.key].history.has_changes():
            return True
    return False


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, flush_context: UOWTransaction) -> None:
    if _state_pending(session):
        return
    for instance in (*session.new, *session.deleted):
        table = _table(type(instance))
        if table in WATCHED:
            changed(session, _topic(table))
    for instance in session.dirty:
        table = _table(type(instance))
        if table in WATCHED and _dirty_matters(instance):
            changed(session, _topic(table))


@event.listens_for(Session, "do_orm_execute")
def _on_execute(state: ORMExecuteState) -> None:
    if state.is_select or _state_pending(state.session):
        return
    if state.is_update or state.is_delete or state.is_insert:
        table = getattr(state.statement, "table", None)
        name = getattr(table, "name", None)
        if name not in WATCHED:
            return
        if state.is_update and _only_uncached(state.statement):
            return
        changed(state.session, _topic(name))
        return
    sql = getattr(state.statement, "text", None)
    if isinstance(sql, str):
        for name in _TEXT_DML.findall(sql):
            if name.lower() in WATCHED:
                changed(state.session, _topic(name.lower()))


def _only_uncached(statement: Any) -> bool:
    values = getattr(statement, "_values", None)
    if not values:
        return False
    names = {getattr(key, "key", key) for key in values}
    return all(isinstance(name, str) and name in UNCACHED for name in names)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    topics = session.info.pop(_PENDING, None)
    if topics and has_app_context():
        found = current_app.extensions.get("oauthapp.cache")
        if found is not None:  # this process applies its own change at once
            found.feed.committed(topics)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)
