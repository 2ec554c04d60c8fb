"""Flask-Login wiring: who is logged in, and only while enabled, not locked and not ended."""

from __future__ import annotations

from flask import Flask, session
from flask_login import login_user

from oauthapp.extensions import db, login_manager
from oauthapp.models import User
from oauthapp.security.sessions import SESSION_KEY


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Please log in to access this page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"


def start_session(user: User) -> None:
    """Log the user in on a fresh session that carries the account's current session version."""
    session.clear()
    login_user(user)
    session[SESSION_KEY] = user.session_version


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The session's user, unless it was disabled or locked, or its sessions ended, since."""
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.is_active:
        return None
    # The version rides on the row just loaded: the check costs no query of its own.
    if session.get(SESSION_KEY) != user.session_version:
        return None
    return user
