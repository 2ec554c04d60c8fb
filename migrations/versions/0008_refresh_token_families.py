"""refresh token families remember when they began (refresh_token_absolute_lifetime)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 17:50:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# A family began no later than its oldest token still stored.
BACKFILL = """
    UPDATE oauth_refresh_tokens SET family_created_at = (
        SELECT MIN(family.created_at) FROM oauth_refresh_tokens AS family
        WHERE family.family_id = oauth_refresh_tokens.family_id
    )
"""


def upgrade():
    with op.batch_alter_table("oauth_refresh_tokens", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("family_created_at", sa.DateTime(timezone=True), nullable=True)
        )
    op.execute(BACKFILL)
    with op.batch_alter_table("oauth_refresh_tokens", schema=None) as batch_op:
        batch_op.alter_column(
            "family_created_at", existing_type=sa.DateTime(timezone=True), nullable=False
        )


def downgrade():
    with op.batch_alter_table("oauth_refresh_tokens", schema=None) as batch_op:
        batch_op.drop_column("family_created_at")
