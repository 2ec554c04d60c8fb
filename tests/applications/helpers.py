"""Helpers for the authorization-code application pages: forms, rows and stored rows."""

from __future__ import annotations

import html
import re
from typing import Any

from flask import Flask
from sqlalchemy import select

from oauthapp.applications import service as applications
from oauthapp.extensions import db
from oauthapp.models import Consent, Grant, Kind, OAuthApplication, Organization
from tests.applications.conftest import World

CREATED = "OAuth application has been created"  # then ": " and the name
UPDATED = "OAuth application has been updated"  # then ": " and the name
NOTICE = "Please copy Client Secret and save it somewhere safe."
CALLBACK = "https://app.example/callback"


def page_of(response: Any) -> str:
    return str(response.get_data(as_text=True))


def code_form(world: World, **changes: Any) -> dict[str, Any]:
    """A valid authorization-code create form for alice in Acme, with some values changed.

    A value of None leaves the field out, as an unticked checkbox is left out.
    """
    form: dict[str, Any] = {
        "organization": str(world.acme),
        "name": "Web App",
        "active": "y",
        "grant": "authorization_code",
        "redirect_uris": [CALLBACK],
        "confidential": "y",
    }
    form.update(changes)
    return {key: value for key, value in form.items() if value is not None}


def stored_by_name(app: Flask, name: str) -> OAuthApplication | None:
    """The application of that name, detached with its columns loaded."""
    with app.app_context():
        found = db.session.scalar(select(OAuthApplication).filter_by(name=name))
        if found is not None:
            db.session.expunge(found)
        return found


def stored(app: Flask, application_id: int) -> OAuthApplication:
    with app.app_context():
        found = db.session.get(OAuthApplication, application_id)
        assert found is not None
        db.session.expunge(found)
        return found


def redirect_rows(page: str) -> list[tuple[str, list[str]]]:
    """(value, messages beside it) of each Redirect URL row of the form."""
    start = r'<li class="redirect-row[^"]*" data-redirect-row>'
    rows = re.findall(start + r'(.*?)</li>\s*(?=<li class="redirect-row|</ol>)', page, re.DOTALL)
    found = []
    for row in rows:
        value = re.search(r'<input [^>]*name="redirect_uris"[^>]*value="([^"]*)"', row)
        assert value, row
        messages = re.findall(r"<li>(.*?)</li>", row)
        found.append((html.unescape(value.group(1)), [html.unescape(m) for m in messages]))
    return found


def list_errors(page: str) -> list[str]:
    """The messages about the Redirect URLs as a whole."""
    block = re.search(r'<ul class="field-errors" id="redirect_uris-errors">(.*?)</ul>', page)
    return (
        [html.unescape(m) for m in re.findall(r"<li>(.*?)</li>", block.group(1))] if block else []
    )


def checkbox_checked(page: str, name: str) -> bool:
    control = re.search(rf'<input [^>]*name="{name}"[^>]*>', page)
    assert control, f"no {name} checkbox"
    return " checked" in control.group(0)


def make_code_application(
    app: Flask, organization_id: int, name: str = "Web App", **settings: Any
) -> tuple[int, str | None]:
    """An authorization-code application of that organization: its id and secret (if any)."""
    settings.setdefault("redirect_uris", [CALLBACK])
    with app.app_context():
        organization = db.session.get(Organization, organization_id)
        assert organization is not None
        new = applications.create_application(
            organization, name, Grant.AUTHORIZATION_CODE, Kind(settings.pop("kind", "backoffice")),
            **settings,
        )  # fmt: skip
        return new.application.id, new.client_secret


def grant_consent(app: Flask, application_id: int, user_id: int) -> None:
    """A remembered consent of a back-office user, as the consent page leaves it."""
    with app.app_context():
        db.session.add(
            Consent(application_id=application_id, subject_key=f"u:{user_id}", user_id=user_id)
        )
        db.session.commit()
