"""index the grid: its default order, and (PostgreSQL) the name-contains filter

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 14:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TRIGRAM_INDEX = "ix_oauth_applications_name_trgm"  # listed in models.base.DATABASE_ONLY_INDEXES


def upgrade():
    op.create_index("ix_oauth_applications_kind_name", "oauth_applications", ["kind", "name", "id"])
    if op.get_bind().dialect.name == "postgresql":
        _create_trigram_index()


def _create_trigram_index():
    """A trigram index lets "name contains" use an index; it needs the pg_trgm extension.

    A database user that may not create the extension still gets a working (slower) grid.
    """
    bind = op.get_bind()
    savepoint = bind.begin_nested()
    try:
        bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError:
        savepoint.rollback()
        return
    savepoint.commit()
    # The extension may live in a schema outside the search path: name its operator class fully.
    schema = bind.scalar(
        sa.text(
            "SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'pg_trgm'"
        )
    )
    bind.execute(
        sa.text(
            f"CREATE INDEX {TRIGRAM_INDEX} ON oauth_applications "
            f"USING gin (lower(name) {schema}.gin_trgm_ops)"
        )
    )


def downgrade():
    op.execute(f"DROP INDEX IF EXISTS {TRIGRAM_INDEX}")
    op.drop_index("ix_oauth_applications_kind_name", table_name="oauth_applications")
