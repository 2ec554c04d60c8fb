"""What the users who use an authorization-code application have granted it."""

from __future__ import annotations

from sqlalchemy import func, select

from oauthapp.extensions import db
from oauthapp.models import Consent, OAuthApplication


def authorized_users(application: OAuthApplication) -> int:
    """How many users have granted the application access (their remembered consents)."""
    query = select(func.count()).where(Consent.application_id == application.id)
    return db.session.scalar(query) or 0
