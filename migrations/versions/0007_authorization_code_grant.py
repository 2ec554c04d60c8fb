"""authorization code grant: redirect URLs, public clients, codes and consents

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 14:12:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

GRANTS_BEFORE = "grant_type IN ('client_credentials', 'password')"
GRANTS_AFTER = "grant_type IN ('client_credentials', 'password', 'authorization_code')"


def upgrade():
    with op.batch_alter_table("oauth_applications", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("redirect_uris", sa.JSON(), server_default="[]", nullable=False)
        )
        batch_op.add_column(
            sa.Column("confidential", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("skip_consent", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.alter_column("secret_hash", existing_type=sa.String(length=128), nullable=True)
        batch_op.drop_constraint(op.f("ck_oauth_applications_grant_type"), type_="check")
        batch_op.create_check_constraint("grant_type", GRANTS_AFTER)

    with op.batch_alter_table("oauth_refresh_tokens", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("scope", sa.String(length=1024), server_default="", nullable=False)
        )

    op.create_table(
        "oauth_authorization_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=128), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("redirect_uri", sa.Text(), nullable=False),
        sa.Column("redirect_uri_sent", sa.Boolean(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("customer_user_id", sa.Integer(), nullable=True),
        sa.Column("scope", sa.String(length=1024), nullable=False),
        sa.Column("nonce", sa.String(length=512), nullable=True),
        sa.Column("code_challenge", sa.String(length=128), nullable=True),
        sa.Column("code_challenge_method", sa.String(length=16), nullable=True),
        sa.Column("auth_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refresh_family_id", sa.String(length=64), nullable=True),
        sa.Column("access_token_jti", sa.String(length=64), nullable=True),
        sa.Column("access_token_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["oauth_applications.id"],
            name=op.f("fk_oauth_authorization_codes_application_id_oauth_applications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["customer_user_id"],
            ["customer_users.id"],
            name=op.f("fk_oauth_authorization_codes_customer_user_id_customer_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_oauth_authorization_codes_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oauth_authorization_codes")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_oauth_authorization_codes_code_hash")),
    )
    for column in ("application_id", "customer_user_id", "expires_at", "user_id"):
        op.create_index(
            op.f(f"ix_oauth_authorization_codes_{column}"), "oauth_authorization_codes", [column]
        )

    op.create_table(
        "oauth_consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("subject_key", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("customer_user_id", sa.Integer(), nullable=True),
        sa.Column("scope", sa.String(length=1024), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["oauth_applications.id"],
            name=op.f("fk_oauth_consents_application_id_oauth_applications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["customer_user_id"],
            ["customer_users.id"],
            name=op.f("fk_oauth_consents_customer_user_id_customer_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_oauth_consents_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oauth_consents")),
        sa.UniqueConstraint("application_id", "subject_key", name="uq_oauth_consents_subject"),
    )
    for column in ("application_id", "customer_user_id", "user_id"):
        op.create_index(op.f(f"ix_oauth_consents_{column}"), "oauth_consents", [column])


def downgrade():
    op.drop_table("oauth_consents")
    op.drop_table("oauth_authorization_codes")
    with op.batch_alter_table("oauth_refresh_tokens", schema=None) as batch_op:
        batch_op.drop_column("scope")
    op.execute("DELETE FROM oauth_applications WHERE grant_type = 'authorization_code'")
    with op.batch_alter_table("oauth_applications", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_oauth_applications_grant_type"), type_="check")
        batch_op.create_check_constraint("grant_type", GRANTS_BEFORE)
        batch_op.alter_column("secret_hash", existing_type=sa.String(length=128), nullable=False)
        batch_op.drop_column("skip_consent")
        batch_op.drop_column("confidential")
        batch_op.drop_column("redirect_uris")
