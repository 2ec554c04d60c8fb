"""Template filters for how applications read on pages: grants, status, times."""

from __future__ import annotations

from datetime import datetime

from flask.sansio.app import App
from markupsafe import Markup, escape

from oauthapp.models import Grant

GRANT_LABELS = {  # in the order the Grants choices offer them
    Grant.AUTHORIZATION_CODE.value: "Authorization Code",
    Grant.CLIENT_CREDENTIALS.value: "Client Credentials",
    Grant.PASSWORD.value: "Password",
}


def grant_label(grant_type: str) -> str:
    return GRANT_LABELS.get(grant_type, grant_type)


def status_badge(active: bool) -> Markup:
    label, css = ("Active", "badge-ok") if active else ("Inactive", "badge-off")
    return Markup('<span class="badge {}">{}</span>').format(css, escape(label))


def datetime_label(moment: datetime | None) -> str:
    """UTC, to the minute; "Never" for a moment that has not happened."""
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment is not None else "Never"


def init_app(app: App) -> None:
    app.add_template_filter(grant_label)
    app.add_template_filter(status_badge)
    app.add_template_filter(datetime_label)
