"""account locks that expire, session versions that end sessions, outbox render errors

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 14:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TABLES = ("users", "customer_users")


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("locked_at", sa.DateTime(timezone=True), nullable=True))
            batch_op.add_column(
                sa.Column("session_version", sa.Integer(), server_default="0", nullable=False)
            )
    with op.batch_alter_table("mail_outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("render_error", sa.Text(), server_default="", nullable=False))


def downgrade():
    with op.batch_alter_table("mail_outbox", schema=None) as batch_op:
        batch_op.drop_column("render_error")
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("session_version")
            batch_op.drop_column("locked_at")
