"""What the authorization table needs: outcomes, a database snapshot, and the objects it targets."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from werkzeug.test import TestResponse

from oauthapp.extensions import db
from oauthapp.models import (
    CustomerUser,
    Grant,
    OAuthApplication,
    Organization,
    OutboxMessage,
    OutboxStatus,
    Role,
    User,
    utcnow,
)
from oauthapp.notifications import catalog, templates
from oauthapp.notifications.catalog import APPLICATION_CREATED, USER_TEMPLATE
from tests.applications.conftest import World
from tests.factories import make_application, make_user

_doomed = itertools.count(1)
ACTORS = ("anonymous", "bob", "oscar", "alice", "root")
# The audit trail may record a refused attempt; that is no change made by the request.
NOT_STATE = frozenset({"security_events", "alembic_version"})


@dataclass(frozen=True)
class Outcome:
    """A status; for a redirect, the path it leads to (None: anywhere); for a POST, whether
    the database must change."""

    status: int
    location: str | None = None
    changes: bool = False

    @classmethod
    def of(cls, response: TestResponse) -> Outcome:
        location = response.headers.get("Location")
        return cls(response.status_code, urlsplit(location).path if location else None)

    def resolved(self, values: dict[str, Any]) -> Outcome:
        return replace(self, location=self.location.format(**values)) if self.location else self

    def matches(self, found: Outcome) -> bool:
        return self.status == found.status and self.location in (None, found.location)

    def __str__(self) -> str:
        return f"{self.status} to {self.location}" if self.location else str(self.status)


def snapshot(app: Flask) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table that holds state, in primary-key order."""
    with app.app_context():
        return {
            table.name: [
                tuple(row)
                for row in db.session.execute(table.select().order_by(*table.primary_key))
            ]
            for table in db.metadata.sorted_tables
            if table.name not in NOT_STATE
        }


def targets(app: Flask, world: World) -> dict[str, Any]:
    """The values that fill the table's paths and forms: Acme's objects."""
    return {
        "app": world.alice_cc,
        "user": world.alice,
        "customer": world.carol,
        "acme": world.acme,
        "template": USER_TEMPLATE,
        "event": APPLICATION_CREATED,
        **failed_message(app, world),
    }


def template_form(values: dict[str, Any], actor: str) -> dict[str, str]:
    """A valid edit of the built-in English template, different for each actor."""
    text = catalog.builtin(values["template"], "en")
    return {
        "subject": f"{text.subject} ({actor})",
        "body_text": text.body_text,
        "body_html": text.body_html,
        "submit": "Save",
    }


def inactive_target(app: Flask, world: World) -> dict[str, Any]:
    """Alice CC, inactive, so that activating it is a change."""
    return _set_active(app, world, False)


def active_target(app: Flask, world: World) -> dict[str, Any]:
    """Alice CC, active, so that deactivating it is a change."""
    return _set_active(app, world, True)


def _set_active(app: Flask, world: World, active: bool) -> dict[str, Any]:
    with app.app_context():
        db.session.get_one(OAuthApplication, world.alice_cc).active = active
        db.session.commit()
    return {}


def doomed_application(app: Flask, world: World) -> dict[str, Any]:
    """A new Acme application owned by alice, for one actor to try to delete."""
    with app.app_context():
        acme = db.session.get_one(Organization, world.acme)
        alice = db.session.get_one(User, world.alice)
        name = f"Doomed {next(_doomed)}"
        application, _ = make_application(acme, name, Grant.CLIENT_CREDENTIALS, owner=alice)
        return {"app": application.id}


def customize_template(app: Flask, world: World) -> dict[str, Any]:
    """An edited template, so that resetting it is a change."""
    with app.app_context():
        text = catalog.builtin(USER_TEMPLATE, "en")
        edited = replace(text, subject=f"{text.subject} (edited)")
        templates.save_template(USER_TEMPLATE, "en", edited, world.root)
    return {}


def failed_message(app: Flask, world: World) -> dict[str, Any]:
    """A message that gave up, so that retrying it is a change."""
    with app.app_context():
        message = db.session.scalar(db.select(OutboxMessage).order_by(OutboxMessage.id))
        if message is None:
            message = OutboxMessage(
                event=APPLICATION_CREATED,
                template=USER_TEMPLATE,
                locale="en",
                recipient="alice@example.com",
                subject="Subject",
                body_text="Text",
            )
            db.session.add(message)
        message.status, message.attempts = OutboxStatus.FAILED.value, 10
        db.session.commit()
        return {"message": message.id}


def locked_member(app: Flask, world: World) -> dict[str, Any]:
    """dave, a USER of Acme and no actor, locked, so that unlocking him is a change."""
    with app.app_context():
        dave = db.session.scalar(db.select(User).filter_by(username="dave"))
        if dave is None:
            acme = db.session.get_one(Organization, world.acme)
            dave = make_user("dave", orgs=[acme], role=Role.USER)
        dave.locked, dave.locked_at = True, utcnow()
        db.session.commit()
        return {"user": dave.id}


def locked_customer(app: Flask, world: World) -> dict[str, Any]:
    """carol locked, so that unlocking her is a change."""
    with app.app_context():
        carol = db.session.get_one(CustomerUser, world.carol)
        carol.locked, carol.locked_at = True, utcnow()
        db.session.commit()
    return {}
