"""The email templates and locales the product knows, their variables and built-in texts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

from babel import Locale
from flask_babel import force_locale, format_datetime

from oauthapp.settings import ROOT

APPLICATION_CREATED = "oauth_application_created"
USER_TEMPLATE = "user_oauth_application_created"
CUSTOMER_USER_TEMPLATE = "customer_user_oauth_application_created"
TEMPLATES = (USER_TEMPLATE, CUSTOMER_USER_TEMPLATE)
# What an administrator calls each template (its technical name stays the key).
TEMPLATE_TITLES = {
    USER_TEMPLATE: "Application created, to a back-office user",
    CUSTOMER_USER_TEMPLATE: "Application created, to a customer user",
}
EVENTS = {APPLICATION_CREATED: "OAuth application created"}
LOCALES = ("en", "de")
DEFAULT_LOCALE = "en"
BUILTIN_FOLDER = ROOT / "templates" / "email"

# name -> what it holds; every template gets all of them, as plain strings.
VARIABLES = {
    "owner_name": "the owner's name (username, or the customer user's name or email)",
    "owner_email": "the owner's primary email",
    "application_name": "the application's name",
    "client_id": "the application's client id (never the secret)",
    "organization": "the organization's name",
    "grant": "the grant, in the message's language",
    "application_url": "a link to the application's page in the back-office",
    "created_at": "when the application was created, in the message's language",
}
_SAMPLE = {
    "owner_name": "Jane Doe",
    "owner_email": "jane.doe@example.com",
    "application_name": "Inventory sync",
    "client_id": "s6BhdRkqt3_7Ndpv0sM3x9pUq1Ae2kLw",
    "organization": "ACME Inc.",
    "application_url": "http://localhost:5000/admin/oauth2/1",
}
SAMPLE_TIME = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)
GRANT_LABELS = {
    "en": {
        "authorization_code": "Authorization Code",
        "client_credentials": "Client Credentials",
        "password": "Password",
    },
    "de": {
        "authorization_code": "Autorisierungscode",
        "client_credentials": "Client-Anmeldedaten",
        "password": "Passwort",
    },
}


def sample(locale: str) -> dict[str, str]:
    """Sample values for previews and validation, in the locale's language."""
    with force_locale(locale):
        created_at = str(format_datetime(SAMPLE_TIME, "long"))
    return {
        **_SAMPLE,
        "grant": GRANT_LABELS[locale]["client_credentials"],
        "created_at": created_at,
    }


@dataclass(frozen=True)
class TemplateText:
    """The three editable parts of a template in one locale."""

    subject: str
    body_text: str
    body_html: str


def supported_locale(locale: str | None) -> str:
    """The supported locale closest to an account's ("de_DE" -> "de"), else the default."""
    language = (locale or "").replace("-", "_").split("_")[0].lower()
    return language if language in LOCALES else DEFAULT_LOCALE


def locale_name(locale: str) -> str:
    """The locale's name in English, as the back-office shows it ("German")."""
    return str(Locale.parse(locale).get_display_name("en"))


def is_known(name: str, locale: str) -> bool:
    return name in TEMPLATES and locale in LOCALES


@cache
def builtin(name: str, locale: str) -> TemplateText:
    """The text shipped with the product for that template and locale."""
    folder = BUILTIN_FOLDER / locale
    return TemplateText(
        subject=(folder / f"{name}.subject.txt").read_text(encoding="utf-8").strip(),
        body_text=(folder / f"{name}.txt").read_text(encoding="utf-8"),
        body_html=(folder / f"{name}.html").read_text(encoding="utf-8"),
    )
