"""OAuth applications."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    false,
    func,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from oauthapp.models.accounts import CustomerUser, Organization, User
from oauthapp.models.base import Base, UTCDateTime, utcnow


class Grant(enum.StrEnum):
    CLIENT_CREDENTIALS = "client_credentials"
    PASSWORD = "password"  # noqa: S105 (a grant name)
    AUTHORIZATION_CODE = "authorization_code"


class Kind(enum.StrEnum):
    BACKOFFICE = "backoffice"
    STOREFRONT = "storefront"


class OAuthApplication(Base):
    """A client of the token endpoint; its secret is stored only as a keyed hash."""

    __tablename__ = "oauth_applications"
    __table_args__ = (
        # owner_key is "" for applications without an owner, so the rule holds for them too.
        UniqueConstraint(
            "organization_id", "kind", "owner_key", "name", name="uq_oauth_applications_name"
        ),
        CheckConstraint("kind IN ('backoffice', 'storefront')", name="kind"),
        CheckConstraint(
            "grant_type IN ('client_credentials', 'password', 'authorization_code')",
            name="grant_type",
        ),
        CheckConstraint("user_id IS NULL OR customer_user_id IS NULL", name="one_owner"),
        Index("ix_oauth_applications_grid", "kind", "organization_id", "name"),
        Index("ix_oauth_applications_kind_active", "kind", "active"),
    )
    __mapper_args__ = {"eager_defaults": False}  # noqa: RUF012 (see granted_scopes)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    grant_type: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(255), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    # None for a public client (authorization code with PKCE): it has no secret at all.
    secret_hash: Mapped[str | None] = mapped_column(String(128))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    customer_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("customer_users.id", ondelete="SET NULL"), index=True
    )
    owner_key: Mapped[str] = mapped_column(String(32), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Authorization-code applications only: the exact redirect URLs, in the order entered.
    redirect_uris: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    confidential: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    skip_consent: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Client-credentials applications only: the scopes an administrator granted it, which its
    # token requests may ask for (applications:manage opens the management API). Loaded only
    # where scopes matter, and left to the database's default on insert.
    granted_scopes: Mapped[list[str]] = mapped_column(JSON, server_default="[]", deferred=True)

    organization: Mapped[Organization] = relationship(lazy="joined")
    user: Mapped[User | None] = relationship(lazy="joined")
    customer_user: Mapped[CustomerUser | None] = relationship(lazy="joined")

    @property
    def owner(self) -> User | CustomerUser | None:
        return self.user if self.kind == Kind.BACKOFFICE else self.customer_user

    def __repr__(self) -> str:
        return f"<OAuthApplication {self.id} {self.name!r} {self.client_id}>"


# The grid sorts names whatever their case (migration 0009): by kind, and within organizations.
Index(
    "ix_oauth_applications_kind_lower_name",
    OAuthApplication.kind,
    func.lower(OAuthApplication.name),
    OAuthApplication.id,
)
Index(
    "ix_oauth_applications_grid_lower_name",
    OAuthApplication.kind,
    OAuthApplication.organization_id,
    func.lower(OAuthApplication.name),
    OAuthApplication.id,
)


def owner_key_for(owner: User | CustomerUser | None) -> str:
    """The owner's part of the per-organization name uniqueness rule."""
    if owner is None:
        return ""
    return f"{'u' if isinstance(owner, User) else 'c'}:{owner.id}"
