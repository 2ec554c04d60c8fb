"""Set up a site folder in one process: schema, signing keys and the world of tests/e2e/world.py.

`python -m tests.e2e.seed`, with OAUTHAPP_CONFIG naming the site's config.yml, and
OAUTHAPP_E2E_RELYING_PARTY and OAUTHAPP_E2E_BROWSER_APP the addresses the authorization-code
applications' redirect URLs point at. One process instead of a `flask --app app` command per
object: each of those pays the application's start-up. The outbox is emptied at the end, so that
a site starts with no mail of its own. Prints, as one JSON object, the Client ID and Client Secret
of each authorization-code application, by name: the relying party of the tests needs them.
"""

from __future__ import annotations

import json
import os

from flask_migrate import upgrade
from sqlalchemy import delete

from oauthapp import create_app, get_settings
from oauthapp.accounts import service as accounts
from oauthapp.applications import service as applications
from oauthapp.extensions import db
from oauthapp.keys import generate_keys
from oauthapp.models import Grant, Kind, OutboxMessage, Role
from tests.e2e import world


def seed() -> dict[str, tuple[str, str | None]]:
    """Seed the site; the Client ID and Client Secret (None if public) of each code app."""
    upgrade()
    settings = get_settings()
    auth = settings.oauth2_server.authorization_server
    generate_keys(auth.private_key, settings.oauth2_server.public_key, auth.signing_algorithm)
    for name, is_global in world.ORGANIZATIONS:
        accounts.create_organization(name, is_global=is_global)
    users = {
        username: accounts.create_user(username, email, world.PASSWORD, orgs, Role(role))
        for username, (email, orgs, role) in world.USERS.items()
    }
    customer = accounts.create_customer_user(
        world.CUSTOMER, world.PASSWORD, world.ORG, world.CUSTOMER_NAME
    )
    callbacks = {
        "relying_party": os.environ["OAUTHAPP_E2E_RELYING_PARTY"],
        "browser_app": os.environ["OAUTHAPP_E2E_BROWSER_APP"],
    }
    clients = {}
    for app in world.APPS:
        owner = customer if app.owner == world.CUSTOMER else users.get(app.owner or "")
        created = applications.create_application(
            accounts.get_organization(app.organization),
            app.name,
            Grant(app.grant),
            Kind.STOREFRONT if app.storefront else Kind.BACKOFFICE,
            owner,
            active=app.active,
            redirect_uris=[app.redirect_uri.format(**callbacks)] if app.redirect_uri else [],
            confidential=app.confidential,
            skip_consent=app.skip_consent,
        )
        if app.redirect_uri:
            clients[app.name] = (created.application.client_id, created.client_secret)
    db.session.execute(delete(OutboxMessage))
    db.session.commit()
    return clients


if __name__ == "__main__":
    with create_app().app_context():
        print(json.dumps(seed()))
