"""Alembic migrations build the schema from empty on SQLite and PostgreSQL, matching the models."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from oauthapp import create_app
from oauthapp.extensions import db
from oauthapp.models.base import include_object
from tests.conftest import TEST_DATABASE_URL

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


def test_sqlite_upgrade_from_empty_matches_the_models(tmp_path: Path) -> None:
    app = build(tmp_path, f"sqlite:///{tmp_path / 'fresh.sqlite'}")
    assert_round_trip(app)


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
