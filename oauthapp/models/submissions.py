"""One-time forms: each submitted form token, and the one-time page it leads to."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from oauthapp.models.base import Base, UTCDateTime, utcnow


class FormSubmission(Base):
    """A form token seen once (create, regenerate secret): the same token again changes nothing.

    sealed_secret holds the new client secret, encrypted with a key derived from the Flask
    secret key, only until its one-time page has been shown (or a few minutes have passed);
    page_pending says whether that page may still be shown.
    """

    __tablename__ = "form_submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    action: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    application_id: Mapped[int | None] = mapped_column(
        ForeignKey("oauth_applications.id", ondelete="SET NULL"), index=True
    )
    page_pending: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    sealed_secret: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    def __repr__(self) -> str:
        return f"<FormSubmission {self.id} {self.action} app={self.application_id}>"
