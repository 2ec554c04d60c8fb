"""oauthapp: an OAuth 2.0 server with a back-office for OAuth applications."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.engine import Engine

from oauthapp.files import create_once
from oauthapp.settings import ROOT, Settings, SettingsError, load_settings

__all__ = ["Settings", "SettingsError", "create_app", "get_settings"]

_SETTINGS = "oauthapp.settings"


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    """Build the application.

    overrides: lower-case keys are merged over config.yml (same nesting); upper-case keys
    are set on Flask's config as they are.
    """
    overrides = overrides or {}
    settings = load_settings({k: v for k, v in overrides.items() if not k.isupper()})
    app = Flask(
        __name__, template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static")
    )
    configure(app, settings, {k: v for k, v in overrides.items() if k.isupper()})
    register_logs(app, settings)
    register_extensions(app, settings)
    register_blueprints(app)
    register_error_handlers(app)
    register_cli(app)
    return app


def get_settings() -> Settings:
    """The settings of the current application."""
    settings: Settings = current_app.extensions[_SETTINGS]
    return settings


def configure(app: Flask, settings: Settings, flask_overrides: Mapping[str, Any]) -> None:
    app.extensions[_SETTINGS] = settings
    app.config.update(
        SECRET_KEY=load_secret_key(settings.secret_key_file),
        SQLALCHEMY_DATABASE_URI=settings.database_url,
        SQLALCHEMY_ENGINE_OPTIONS=_engine_options(settings.database_url),
        SESSION_COOKIE_NAME="oauthapp_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        MAX_CONTENT_LENGTH=1024 * 1024,
        MAX_FORM_MEMORY_SIZE=256 * 1024,
        MAX_FORM_PARTS=200,
        MAIL_DEFAULT_SENDER=settings.mail.sender,
        MAIL_SERVER=settings.mail.server or "localhost",
        MAIL_PORT=settings.mail.port,
        MAIL_USE_TLS=settings.mail.use_tls,
        MAIL_USERNAME=settings.mail.username or None,
        MAIL_PASSWORD=settings.mail.password or None,
        MAIL_SUPPRESS_SEND=False,  # Flask-Mail would stay silent in testing mode
        BABEL_DEFAULT_LOCALE="en",
        BABEL_DEFAULT_TIMEZONE="UTC",
    )
    app.config.update(flask_overrides)


def _engine_options(url: str) -> dict[str, Any]:
    # Statement parameters (hashes among them) never reach the logs, whatever the log level.
    options: dict[str, Any] = {"hide_parameters": True}
    if url.startswith("postgresql"):
        # Liveness is checked only for connections that rested long: see oauthapp.pool.
        options.update(pool_size=5, max_overflow=10)
    return options


def load_secret_key(path: Path) -> str:
    """Read the Flask secret key, creating the file (mode 0600) on first start.

    Processes starting together all end up with the one key the first of them wrote: the file
    appears whole (see oauthapp.files.create_once), and the others read it instead.
    """
    if not path.exists():
        try:
            create_once(path, secrets.token_hex(32).encode(), 0o600)
        except OSError as exc:
            raise SettingsError("secret_key_file", f"cannot create {path}: {exc}") from exc
    try:
        key = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise SettingsError("secret_key_file", f"cannot read {path}: {exc}") from exc
    if len(key) < 32:
        raise SettingsError("secret_key_file", f"{path} holds fewer than 32 characters")
    return key


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection: Any, connection_record: Any) -> None:
    # SQLite enforces ON DELETE rules only when asked to, per connection.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        # Readers never wait for the writer, and a commit appends to the log (one fsync)
        # instead of rewriting pages through a rollback journal.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()
        # SQLite's lower() folds ASCII only; searches must match "Ü" with "ü" as PostgreSQL does.
        dbapi_connection.create_function("lower", 1, _lower, deterministic=True)


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def register_logs(app: Flask, settings: Settings) -> None:
    from oauthapp import logs

    logs.init_app(app, settings.logging)


def register_extensions(app: Flask, settings: Settings) -> None:
    from oauthapp import cache, keys, metrics
    from oauthapp.accounts.session import init_login
    from oauthapp.authorize import sessions as authorize_sessions
    from oauthapp.extensions import babel, csrf, db, mail, migrate
    from oauthapp.notifications import dispatch
    from oauthapp.security import headers, passwords, rates
    from oauthapp.usage import init_app as init_usage

    db.init_app(app)
    if settings.database_url.startswith("postgresql"):
        from oauthapp import pool

        with app.app_context():
            pool.watch(db.engine.pool)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    rates.init_app(app, settings.rate_limit_storage_url)
    mail.init_app(app)
    babel.init_app(app)
    dispatch.init_app(app)
    init_login(app)
    authorize_sessions.init_app(app)
    passwords.init_app(app, settings.password_hash)
    headers.init_app(app, settings.proxy_count)
    auth = settings.oauth2_server.authorization_server
    keys.init_app(app, auth.private_key, settings.oauth2_server.public_key, auth.signing_algorithm)
    cache.init_app(app, settings.database_url)
    init_usage(app, settings.usage_flush_interval)
    metrics.init_app(app, settings.metrics)


def register_blueprints(app: Flask) -> None:
    from oauthapp.accounts.views import blueprint as accounts
    from oauthapp.admin_api.views import blueprint as admin_api
    from oauthapp.api.views import blueprint as api

    # Routes on the applications blueprint:
    from oauthapp.applications import actions, scope_views  # noqa: F401
    from oauthapp.applications.views import blueprint as applications
    from oauthapp.authorize import authorized  # noqa: F401 (routes on the authorize blueprint)
    from oauthapp.authorize.customer import blueprint as customer
    from oauthapp.authorize.views import blueprint as authorize
    from oauthapp.health.views import blueprint as health
    from oauthapp.metrics.views import blueprint as metrics
    from oauthapp.notifications.views import blueprint as notifications
    from oauthapp.oidc.views import blueprint as oidc
    from oauthapp.openapi.views import blueprint as openapi
    from oauthapp.token.views import blueprint as token

    app.register_blueprint(accounts)
    app.register_blueprint(applications)
    app.register_blueprint(notifications)
    app.register_blueprint(token)
    app.register_blueprint(authorize)
    app.register_blueprint(customer)
    app.register_blueprint(api)
    app.register_blueprint(admin_api)
    app.register_blueprint(oidc)
    app.register_blueprint(health)
    app.register_blueprint(openapi)
    app.register_blueprint(metrics)


def register_error_handlers(app: Flask) -> None:
    from oauthapp.errors import init_app

    init_app(app)


def register_cli(app: Flask) -> None:
    from oauthapp.cli import init_app

    init_app(app)
