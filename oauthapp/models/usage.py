"""Token requests per application and hour: what the application page's usage chart draws."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from oauthapp.models.base import Base, UTCDateTime


class TokenUsage(Base):
    """Tokens issued and requests refused for one application in one hour (UTC)."""

    __tablename__ = "oauth_token_usage"

    application_id: Mapped[int] = mapped_column(
        ForeignKey("oauth_applications.id", ondelete="CASCADE"), primary_key=True
    )
    hour: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True, index=True)
    issued: Mapped[int] = mapped_column(Integer, default=0)
    refused: Mapped[int] = mapped_column(Integer, default=0)
