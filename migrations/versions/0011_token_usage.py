"""token usage: tokens issued and requests refused per application and hour

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 20:15:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "oauth_token_usage",
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued", sa.Integer(), nullable=False),
        sa.Column("refused", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["oauth_applications.id"],
            name=op.f("fk_oauth_token_usage_application_id_oauth_applications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("application_id", "hour", name=op.f("pk_oauth_token_usage")),
    )
    op.create_index(op.f("ix_oauth_token_usage_hour"), "oauth_token_usage", ["hour"])


def downgrade():
    op.drop_table("oauth_token_usage")
