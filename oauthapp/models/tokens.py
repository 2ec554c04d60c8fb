"""Refresh tokens and revoked access tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from oauthapp.models.applications import OAuthApplication
from oauthapp.models.base import Base, UTCDateTime, utcnow


class RefreshToken(Base):
    """An opaque refresh token, stored as a keyed hash; rotation keeps the family id."""

    __tablename__ = "oauth_refresh_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(128), unique=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("oauth_applications.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    customer_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("customer_users.id", ondelete="CASCADE"), index=True
    )
    family_id: Mapped[str] = mapped_column(String(64), index=True)
    access_token_jti: Mapped[str] = mapped_column(String(64))
    # What the user granted the family (authorization code grants); a refresh may narrow the
    # access token's scope, never this one (RFC 6749 section 6).
    scope: Mapped[str] = mapped_column(String(1024), default="", server_default="")
    # When the access token issued with this refresh token expires: how long its revocation
    # record must be kept if this refresh token is rotated or revoked.
    access_token_expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the family began (its login), copied to every token rotation adds: what
    # refresh_token_absolute_lifetime counts from, since cleanup may delete its first tokens.
    family_created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    application: Mapped[OAuthApplication] = relationship()


class RevokedAccessToken(Base):
    """An access token revoked before its expiry; kept until it would have expired anyway."""

    __tablename__ = "oauth_revoked_access_tokens"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    revoked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
