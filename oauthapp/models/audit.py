"""Security events: who changed an application, from where; client authentication failures."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from oauthapp.models.base import Base, UTCDateTime, utcnow


class SecurityEvent(Base):
    """One event, or (with `bucket`) all failures of one client id from one address in an hour.

    Aggregating failures keeps an attack from filling the disk: a flood adds to `count`.
    """

    __tablename__ = "security_events"
    __table_args__ = (
        UniqueConstraint("event", "client_id", "ip", "bucket"),
        Index("ix_security_events_client_id_last_at", "client_id", "last_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event: Mapped[str] = mapped_column(String(64))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    count: Mapped[int] = mapped_column(Integer, default=1)
    bucket: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    application_id: Mapped[int | None] = mapped_column(
        ForeignKey("oauth_applications.id", ondelete="SET NULL"), nullable=True, index=True
    )
    client_id: Mapped[str] = mapped_column(String(128), default="")
    application_name: Mapped[str] = mapped_column(String(255), default="")
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="SET NULL"), nullable=True
    )
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    actor: Mapped[str] = mapped_column(String(255), default="")
    ip: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[str] = mapped_column(String(255), default="")
