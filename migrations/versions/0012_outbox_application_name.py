"""the mail outbox keeps the name of the application each message is about

Messages already point to their application (application_id, set to NULL when the application
is deleted). The name is kept beside it, so the Outbox still says which application a message
was about after the application is gone; existing rows get the current name of theirs.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 20:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("mail_outbox") as batch_op:
        batch_op.add_column(sa.Column("application_name", sa.String(length=255), nullable=True))
    op.execute(
        "UPDATE mail_outbox SET application_name = (SELECT oauth_applications.name"
        " FROM oauth_applications WHERE oauth_applications.id = mail_outbox.application_id)"
        " WHERE application_id IS NOT NULL"
    )


def downgrade():
    with op.batch_alter_table("mail_outbox") as batch_op:
        batch_op.drop_column("application_name")
