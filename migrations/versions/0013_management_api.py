"""management API: scopes granted to applications, and idempotency keys

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 20:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    # A plain ALTER TABLE, not a batch copy: SQLite's copy would lose the lower(name) indexes.
    op.add_column(
        "oauth_applications",
        sa.Column("granted_scopes", sa.JSON(), server_default="[]", nullable=False),
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("acting_application_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=True),
        sa.Column("completed", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["acting_application_id"],
            ["oauth_applications.id"],
            name=op.f("fk_idempotency_keys_acting_application_id_oauth_applications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["oauth_applications.id"],
            name=op.f("fk_idempotency_keys_application_id_oauth_applications"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_keys")),
        sa.UniqueConstraint(
            "acting_application_id",
            "key",
            name=op.f("uq_idempotency_keys_acting_application_id_key"),
        ),
    )
    for column in ("application_id", "created_at"):
        op.create_index(op.f(f"ix_idempotency_keys_{column}"), "idempotency_keys", [column])


def downgrade():
    op.drop_table("idempotency_keys")
    if op.get_bind().dialect.name == "sqlite":  # SQLite 3.35+ drops a column in place
        op.execute("ALTER TABLE oauth_applications DROP COLUMN granted_scopes")
    else:
        op.drop_column("oauth_applications", "granted_scopes")
