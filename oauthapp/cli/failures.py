"""What an operator should do next when a command fails for want of a database, a schema or
keys: one line on stderr and exit status 1, never a traceback."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from typing import Any

import click
from flask import current_app
from flask.cli import ScriptInfo
from flask.ctx import AppContext
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from oauthapp import get_settings
from oauthapp.extensions import db
from oauthapp.keys import KeyFileError

UPGRADE = "run `flask --app app db upgrade`"
_NO_TABLE = ("no such table", "undefinedtable", "does not exist")
_NO_COLUMN = ("no such column", "undefinedcolumn", "has no column")


def explained(callback: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a command's callback: database and key failures become one actionable line."""
    if getattr(callback, "_explained", False):  # the commands are module-level: wrap once
        return callback

    @functools.wraps(callback)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return callback(*args, **kwargs)
        except SQLAlchemyError as exc:
            with _app_context():  # the command's own context has ended with the error
                _rollback()
                message = database_problem(exc)
            raise click.ClickException(message) from None
        except KeyFileError as exc:
            raise click.ClickException(
                f"{exc} Run `flask --app app oauth generate-keys`, or fix the key paths in "
                "config.yml (oauth2_server.authorization_server.private_key, "
                "oauth2_server.resource_server.public_key)."
            ) from None

    wrapper._explained = True  # type: ignore[attr-defined]
    return wrapper


def database_problem(exc: SQLAlchemyError) -> str:
    """The cause in one line, and the next step."""
    cause = " ".join(str(getattr(exc, "orig", None) or exc).split())
    lowered = cause.lower() + type(getattr(exc, "orig", exc)).__name__.lower()
    where = _database_name()
    if "database" in lowered and "does not exist" in lowered:
        return f"The database {where} does not exist: create it (createdb) or fix database.url."
    if (isinstance(exc, DBAPIError) and exc.connection_invalidated) or _unreachable(lowered):
        return f"Cannot connect to the database {where} ({cause}): start it, or fix database.url."
    if any(mark in lowered for mark in _NO_COLUMN):
        return f"The database schema is behind this version{_revisions()}: {UPGRADE}."
    if any(mark in lowered for mark in _NO_TABLE):
        return f"The database {where} has no schema yet{_revisions()}: {UPGRADE}."
    return f"Database error ({cause}); check database.url, then {UPGRADE}."


def _unreachable(lowered: str) -> bool:
    marks = ("connection refused", "could not connect", "unable to open database", "timeout")
    return any(mark in lowered for mark in marks)


def _database_name() -> str:
    try:
        return f"'{db.engine.url.render_as_string(hide_password=True)}'"
    except Exception:  # no engine: the name from the settings
        return f"'{get_settings().database_url}'"


def _revisions() -> str:
    """' (at 0005, this version needs 0007)', or '' when that cannot be told."""
    try:
        from alembic.script import ScriptDirectory

        config = current_app.extensions["migrate"].migrate.get_config()
        head = ScriptDirectory.from_config(config).get_current_head()
    except Exception:
        return ""
    try:
        with db.engine.connect() as connection:
            current = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception:
        current = None
    return f" (at {current or 'no migration'}, this version needs {head})"


def _rollback() -> None:
    with contextlib.suppress(Exception):  # the connection is gone as well: nothing to undo
        db.session.rollback()


def _app_context() -> AppContext:
    return click.get_current_context().ensure_object(ScriptInfo).load_app().app_context()


def explain_all(group: click.Group) -> None:
    """Wrap every command of GROUP and its subgroups."""
    for command in group.commands.values():
        if isinstance(command, click.Group):
            explain_all(command)
        elif command.callback is not None:
            command.callback = explained(command.callback)
