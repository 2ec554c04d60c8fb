"""Flask-Login wiring: who is logged in, and only while enabled and not locked."""

from __future__ import annotations

from flask import Flask

from oauthapp.extensions import db, login_manager
from oauthapp.models import User


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Please log in to access this page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The session's user, unless it was disabled or locked since it logged in."""
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.is_active:
        return None
    return user
