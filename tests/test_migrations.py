"""Alembic migrations build the schema from empty on SQLite and PostgreSQL, matching the models."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import bindparam, inspect, select, text

from oauthapp import create_app
from oauthapp.extensions import db
from oauthapp.models import Grant, OutboxMessage, RefreshToken, utcnow
from oauthapp.models.base import UTCDateTime, include_object
from tests.conftest import TEST_DATABASE_URL
from tests.factories import make_application

# SQLite's reflection skips indexes on expressions (lower(name)…), and so does the comparison.
pytestmark = [
    pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index"),
    pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based"),
]

TABLES = {
    "organizations",
    "users",
    "user_roles",
    "customer_users",
    "oauth_applications",
    "oauth_refresh_tokens",
    "oauth_revoked_access_tokens",
}


def build(tmp_path: Path, url: str, **extra: Any) -> Flask:
    return create_app({"database": {"url": url}, "secret_key_file": str(tmp_path / "key"), **extra})


def assert_schema_matches_models(app: Flask) -> None:
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": include_object})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def assert_round_trip(app: Flask) -> None:
    with app.app_context():
        upgrade()
        assert set(inspect(db.engine).get_table_names()) >= TABLES
        downgrade(revision="base")
        assert not TABLES & set(inspect(db.engine).get_table_names())
        upgrade()
    assert_schema_matches_models(app)


_OLD_TOKEN = text(
    "INSERT INTO oauth_refresh_tokens (token_hash, application_id, family_id, access_token_jti,"
    " scope, access_token_expires_at, expires_at, revoked, created_at)"
    " VALUES (:hash, :application, :family, :hash, '', :at, :at, :false, :at)"
).bindparams(bindparam("at", type_=UTCDateTime()))


def assert_families_get_their_beginning(app: Flask) -> None:
    """0008 gives each stored token its family's beginning: its oldest token still stored."""
    now = utcnow()
    ages = {"a1": ("a", 30), "a2": ("a", 20), "a3": ("a", 10), "b1": ("b", 5)}
    with app.app_context():
        upgrade(revision="0007")
        application, _ = make_application(grant=Grant.PASSWORD)
        for token_hash, (family, days) in ages.items():
            db.session.execute(_OLD_TOKEN, {"hash": token_hash, "application": application.id,
                                            "family": family, "at": now - timedelta(days=days),
                                            "false": False})  # fmt: skip
        db.session.commit()
        upgrade()
        stored = select(RefreshToken.token_hash, RefreshToken.family_created_at)
        began = {token_hash: at for token_hash, at in db.session.execute(stored)}
    oldest = {"a": now - timedelta(days=30), "b": now - timedelta(days=5)}
    assert began == {token_hash: oldest[family] for token_hash, (family, _) in ages.items()}


_OLD_MESSAGE = text(
    "INSERT INTO mail_outbox (event, template, locale, recipient, subject, body_text, body_html,"
    " status, attempts, last_error, render_error, created_at, next_attempt_at, application_id)"
    " VALUES ('oauth_application_created', 'user_oauth_application_created', 'en', :to, 's',"
    " 't', '', 'sent', 1, '', '', :at, :at, :application)"
).bindparams(bindparam("at", type_=UTCDateTime()))


def assert_outbox_rows_get_their_application_name(app: Flask) -> None:
    """0012 gives each stored message the name of its application; none without one."""
    with app.app_context():
        upgrade(revision="0010")
        application, _ = make_application(name="Nightly export", grant=Grant.PASSWORD)
        for recipient, application_id in (
            ("a@example.com", application.id),
            ("b@example.com", None),
        ):
            db.session.execute(
                _OLD_MESSAGE, {"to": recipient, "at": utcnow(), "application": application_id}
            )
        db.session.commit()
        upgrade()
        stored = select(OutboxMessage.recipient, OutboxMessage.application_name)
        names = {recipient: name for recipient, name in db.session.execute(stored)}
    assert names == {"a@example.com": "Nightly export", "b@example.com": None}


def test_sqlite_upgrade_from_empty_matches_the_models(tmp_path: Path) -> None:
    app = build(tmp_path, f"sqlite:///{tmp_path / 'fresh.sqlite'}")
    assert_round_trip(app)


def test_sqlite_0008_gives_stored_families_their_beginning(tmp_path: Path) -> None:
    assert_families_get_their_beginning(build(tmp_path, f"sqlite:///{tmp_path / 'old.sqlite'}"))


def test_sqlite_0012_names_the_application_of_stored_mail(tmp_path: Path) -> None:
    assert_outbox_rows_get_their_application_name(
        build(tmp_path, f"sqlite:///{tmp_path / 'old.sqlite'}")
    )


def test_indexes_serve_the_token_endpoint_and_grid_lookups(tmp_path: Path) -> None:
    app = build(tmp_path, f"sqlite:///{tmp_path / 'fresh.sqlite'}")
    with app.app_context():
        upgrade()
        inspector = inspect(db.engine)
        indexed = {tuple(ix["column_names"]) for ix in inspector.get_indexes("oauth_applications")}
        unique = {
            tuple(uq["column_names"])
            for uq in inspector.get_unique_constraints("oauth_applications")
        }
        refresh_unique = {
            tuple(uq["column_names"])
            for uq in inspector.get_unique_constraints("oauth_refresh_tokens")
        }
    assert ("client_id",) in unique
    assert ("kind", "organization_id", "name") in indexed
    assert ("kind", "active") in indexed
    assert ("organization_id",) in indexed
    assert ("token_hash",) in refresh_unique


@pytest.fixture
def scratch_schema(tmp_path: Path) -> Iterator[str]:
    """A throw-away PostgreSQL schema, so the shared test schema is left alone."""
    schema = f"migrations_{uuid.uuid4().hex[:8]}"
    app = build(tmp_path, TEST_DATABASE_URL)
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    yield schema
    with app.app_context():
        with db.engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        db.engine.dispose()


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="needs OAUTHAPP_TEST_DATABASE_URL (PostgreSQL)")
def test_postgresql_upgrade_from_empty_matches_the_models(
    tmp_path: Path, scratch_schema: str
) -> None:
    separator = "&" if "?" in TEST_DATABASE_URL else "?"
    url = f"{TEST_DATABASE_URL}{separator}options=-csearch_path%3D{scratch_schema}"
    app = build(tmp_path, url)
    assert_round_trip(app)
    with app.app_context():
        db.engine.dispose()


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="needs OAUTHAPP_TEST_DATABASE_URL (PostgreSQL)")
def test_postgresql_0008_gives_stored_families_their_beginning(
    tmp_path: Path, scratch_schema: str
) -> None:
    separator = "&" if "?" in TEST_DATABASE_URL else "?"
    url = f"{TEST_DATABASE_URL}{separator}options=-csearch_path%3D{scratch_schema}"
    app = build(tmp_path, url)
    assert_families_get_their_beginning(app)
    with app.app_context():
        db.engine.dispose()


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="needs OAUTHAPP_TEST_DATABASE_URL (PostgreSQL)")
def test_postgresql_0012_names_the_application_of_stored_mail(
    tmp_path: Path, scratch_schema: str
) -> None:
    separator = "&" if "?" in TEST_DATABASE_URL else "?"
    url = f"{TEST_DATABASE_URL}{separator}options=-csearch_path%3D{scratch_schema}"
    app = build(tmp_path, url)
    assert_outbox_rows_get_their_application_name(app)
    with app.app_context():
        db.engine.dispose()
