"""The management API's part of the authorization table: tokens by actor, and fresh targets."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from flask import Flask

from oauthapp.applications import scopes
from oauthapp.extensions import db
from oauthapp.models import Grant, OAuthApplication, Organization, User
from tests.applications.conftest import World
from tests.factories import make_application
from tests.token.helpers import client_credentials

ADMIN_API = "/api/admin/applications"
ADMIN_APP = f"{ADMIN_API}/<int(max=2147483647):application_id>"
MANAGE = scopes.MANAGE
# Whose tokens: none; Alice CC's without the scope ("plain"); then each actor's own
# client-credentials application, granted applications:manage (root's is made here).
TOKENS = ("none", "plain", "bob", "oscar", "alice", "root")
_targets = itertools.count(1)


def without_scopes(app: Flask, world: World) -> dict[str, Any]:
    """Alice CC without scopes, so that granting one is a change."""
    with app.app_context():
        db.session.get_one(OAuthApplication, world.alice_cc).granted_scopes = []
        db.session.commit()
    return {}


def _token(app: Flask, application_id: int, client_id: str, secret: str, scope: str) -> str:
    """A token of the application, granted applications:manage, asking for SCOPE."""
    with app.app_context():
        scopes.grant_scope(db.session.get_one(OAuthApplication, application_id), MANAGE)
    extra = {"scope": scope} if scope else {}
    response = client_credentials(app.test_client(), client_id, secret, **extra)
    assert response.status_code == 200, response.get_data(as_text=True)
    token: str = response.get_json()["access_token"]
    return token


def admin_tokens(app: Flask, world: World) -> dict[str, str | None]:
    """A token per entry of TOKENS."""
    with app.app_context():
        main = db.session.get_one(Organization, world.main)
        root = db.session.get_one(User, world.root)
        root_tool, root_secret = make_application(main, "Root tool", owner=root)
        credentials = {
            "root": (root_tool.id, root_tool.client_id, root_secret),
            **{
                actor: (world.app_id(name), world.client_ids[name], world.secrets[name])
                for actor, name in (("bob", "Bob CC"), ("oscar", "Oscar CC"), ("alice", "Alice CC"))
            },
        }
    tokens: dict[str, str | None] = {"none": None}
    tokens["plain"] = _token(app, *credentials["alice"], "")
    for actor, values in credentials.items():
        tokens[actor] = _token(app, *values, MANAGE)
    return tokens


def _target(app: Flask, world: World) -> int:
    """A new password application of Acme: something only Acme's administrators may manage."""
    with app.app_context():
        acme = db.session.get_one(Organization, world.acme)
        application, _ = make_application(acme, f"Target {next(_targets)}", Grant.PASSWORD)
        return application.id


@dataclass(frozen=True)
class AdminCall:
    """One method and path under ADMIN_API, and the status each token gets."""

    method: str
    suffix: str  # "" for the collection, or "/{id}…" of a fresh Acme application per request
    expected: dict[str, int]
    body: dict[str, Any] | None = None

    def request(self, app: Flask, world: World, actor: str) -> tuple[str, Any]:
        """The path (with a fresh target) and JSON body for ACTOR's request."""
        suffix = (
            self.suffix.format(id=_target(app, world)) if "{id}" in self.suffix else self.suffix
        )
        body = None
        if self.body is not None:
            body = {**self.body, "name": f"{self.body['name']} {actor}"}
            if not self.suffix:  # a create: in Acme
                body["organization_id"] = world.acme
        return ADMIN_API + suffix, body


def statuses(*found: int) -> dict[str, int]:
    return dict(zip(TOKENS, found, strict=True))


# Acme's applications: alice administers Acme, root everything; bob is a USER of Acme (his own
# applications only), oscar administers another organization: 403, never a 404 that hides.
MANAGERS = statuses(401, 403, 403, 403, 200, 200)
ADMIN_TABLE = [
    AdminCall("GET", "", statuses(401, 403, 200, 200, 200, 200)),
    AdminCall("POST", "", statuses(401, 403, 403, 422, 201, 201),
              {"name": "Created by", "grant": "password"}),
    AdminCall("GET", "/{id}", MANAGERS),
    AdminCall("PATCH", "/{id}", MANAGERS, {"name": "Renamed by"}),
    AdminCall("DELETE", "/{id}", statuses(401, 403, 403, 403, 204, 204)),
    AdminCall("POST", "/{id}/activate", MANAGERS),
    AdminCall("POST", "/{id}/deactivate", MANAGERS),
    AdminCall("POST", "/{id}/regenerate-secret", MANAGERS),
    AdminCall("GET", "/2147483647", statuses(401, 403, 404, 404, 404, 404)),
]  # fmt: skip
