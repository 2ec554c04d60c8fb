"""remember when the access token issued with a refresh token expires

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 11:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("oauth_refresh_tokens", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "access_token_expires_at",
                sa.DateTime(timezone=True),
                nullable=False,
                # Existing rows: assume their access tokens live as long as the refresh token.
                server_default=sa.text("'1970-01-01 00:00:00+00:00'"),
            )
        )
    op.execute("UPDATE oauth_refresh_tokens SET access_token_expires_at = expires_at")
    with op.batch_alter_table("oauth_refresh_tokens", schema=None) as batch_op:
        batch_op.alter_column("access_token_expires_at", server_default=None)


def downgrade():
    with op.batch_alter_table("oauth_refresh_tokens", schema=None) as batch_op:
        batch_op.drop_column("access_token_expires_at")
