"""Authorization codes and remembered consents of the authorization code flow."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from oauthapp.models.applications import OAuthApplication
from oauthapp.models.base import Base, UTCDateTime, utcnow


class AuthorizationCode(Base):
    """A single-use code, stored as a keyed hash, bound to everything the token request checks."""

    __tablename__ = "oauth_authorization_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(128), unique=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("oauth_applications.id", ondelete="CASCADE"), index=True
    )
    # The redirect URL the code was sent to; redirect_uri_sent says whether the authorize
    # request named it (then the token request must name the same one).
    redirect_uri: Mapped[str] = mapped_column(Text)
    redirect_uri_sent: Mapped[bool] = mapped_column(default=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    customer_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("customer_users.id", ondelete="CASCADE"), index=True
    )
    scope: Mapped[str] = mapped_column(String(1024), default="")
    nonce: Mapped[str | None] = mapped_column(String(512))
    code_challenge: Mapped[str | None] = mapped_column(String(128))
    code_challenge_method: Mapped[str | None] = mapped_column(String(16))
    auth_time: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What the code gave, so that a second use can revoke it (RFC 6749 section 4.1.2).
    refresh_family_id: Mapped[str | None] = mapped_column(String(64))
    access_token_jti: Mapped[str | None] = mapped_column(String(64))
    access_token_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    application: Mapped[OAuthApplication] = relationship()


class Consent(Base):
    """A user's remembered grant of scopes to one application."""

    __tablename__ = "oauth_consents"
    __table_args__ = (
        UniqueConstraint("application_id", "subject_key", name="uq_oauth_consents_subject"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("oauth_applications.id", ondelete="CASCADE"), index=True
    )
    # "u:<id>" for a back-office user, "c:<id>" for a customer user (as owner_key_for does).
    subject_key: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    customer_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("customer_users.id", ondelete="CASCADE"), index=True
    )
    scope: Mapped[str] = mapped_column(String(1024), default="")
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    application: Mapped[OAuthApplication] = relationship()
