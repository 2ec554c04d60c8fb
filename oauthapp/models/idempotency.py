"""Idempotency keys of the management API: a retried create returns the first result."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from oauthapp.models.base import Base, UTCDateTime, utcnow


class IdempotencyKey(Base):
    """One Idempotency-Key sent by one acting application, and what its request created.

    fingerprint is a hash of the request body: the same key with another body is refused.
    completed is false while the first request is still being carried out.
    """

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("acting_application_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    acting_application_id: Mapped[int] = mapped_column(
        ForeignKey("oauth_applications.id", ondelete="CASCADE")
    )
    key: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))
    application_id: Mapped[int | None] = mapped_column(
        ForeignKey("oauth_applications.id", ondelete="SET NULL"), index=True
    )
    completed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    def __repr__(self) -> str:
        return f"<IdempotencyKey {self.id} app={self.application_id}>"
