"""case-insensitive name sorting: indexes on lower(name), lower(username), lower(email)

The grid sorts application names, and the users and customer users lists usernames and emails,
whatever their case. These indexes serve those orders as the plain ones served the old order.
On SQLite, lower() is the product's own (it folds every letter, as PostgreSQL's does), which
every connection of the product registers: change these tables through the product only.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 18:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

LOWER_NAME = sa.text("lower(name)")


def upgrade():
    op.drop_index("ix_oauth_applications_kind_name", table_name="oauth_applications")
    op.create_index(
        "ix_oauth_applications_kind_lower_name", "oauth_applications", ["kind", LOWER_NAME, "id"]
    )
    op.create_index(
        "ix_oauth_applications_grid_lower_name",
        "oauth_applications",
        ["kind", "organization_id", LOWER_NAME, "id"],
    )
    op.create_index("ix_users_lower_username", "users", [sa.text("lower(username)"), "id"])
    op.create_index(
        "ix_customer_users_lower_email", "customer_users", [sa.text("lower(email)"), "id"]
    )


def downgrade():
    op.drop_index("ix_customer_users_lower_email", table_name="customer_users")
    op.drop_index("ix_users_lower_username", table_name="users")
    op.drop_index("ix_oauth_applications_grid_lower_name", table_name="oauth_applications")
    op.drop_index("ix_oauth_applications_kind_lower_name", table_name="oauth_applications")
    op.create_index("ix_oauth_applications_kind_name", "oauth_applications", ["kind", "name", "id"])
