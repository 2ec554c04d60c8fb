"""Organizations, back-office users with roles per organization, and customer users."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from oauthapp.models.base import Base, UTCDateTime, utcnow


class Role(enum.StrEnum):
    ADMINISTRATOR = "ADMINISTRATOR"
    USER = "USER"


class Organization(Base):
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    is_global: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Organization {self.id} {self.name!r}>"


class Account:
    """What users and customer users share: password, switches and the lockout counter."""

    password_hash: Mapped[str] = mapped_column(String(255))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    # When the lock was set: with security.lockout_duration the lock ends that long after.
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    # Bumped at logout, password change, disable and lock: sessions carrying an older one end.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locale: Mapped[str] = mapped_column(String(16), default="en")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class User(Account, Base):
    """A back-office user."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(255), unique=True)
    email: Mapped[str] = mapped_column(String(255), index=True)
    roles: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def display_name(self) -> str:
        return self.username

    # What Flask-Login asks of a user object.
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        """A disabled user, or one whose lock is in force, has no session."""
        from oauthapp.security.lockout import is_locked  # lockout imports the models

        return self.enabled and not is_locked(self)

    def get_id(self) -> str:
        return str(self.id)

    def role_in(self, organization_id: int) -> Role | None:
        """The user's role in that organization, if any."""
        for role in self.roles:
            if role.organization_id == organization_id:
                return Role(role.role)
        return None

    def __repr__(self) -> str:
        return f"<User {self.id} {self.username!r}>"


class UserRole(Base):
    """A back-office user's role in one organization."""

    __tablename__ = "user_roles"
    __table_args__ = (CheckConstraint("role IN ('ADMINISTRATOR', 'USER')", name="role"),)

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(String(32), default=Role.USER.value)
    user: Mapped[User] = relationship(back_populates="roles")
    organization: Mapped[Organization] = relationship(lazy="joined")


class CustomerUser(Account, Base):
    """A storefront user; logs in by email and belongs to one organization."""

    __tablename__ = "customer_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(255), unique=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    organization: Mapped[Organization] = relationship(lazy="joined")

    @property
    def display_name(self) -> str:
        return self.name or self.email

    def __repr__(self) -> str:
        return f"<CustomerUser {self.id} {self.email!r}>"


# The users and customer users lists sort whatever the case (migration 0009).
Index("ix_users_lower_username", func.lower(User.username), User.id)
Index("ix_customer_users_lower_email", func.lower(CustomerUser.email), CustomerUser.id)
