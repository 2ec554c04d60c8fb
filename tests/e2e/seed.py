"""Set up a site folder in one process: schema, signing keys and the world of tests/e2e/world.py.

`python -m tests.e2e.seed`, with OAUTHAPP_CONFIG naming the site's config.yml. One process
instead of a `flask --app app` command per object: each of those pays the application's start-up.
The outbox is emptied at the end, so that a site starts with no mail of its own.
"""

from __future__ import annotations

from flask_migrate import upgrade
from sqlalchemy import delete

from oauthapp import create_app, get_settings
from oauthapp.accounts import service as accounts
from oauthapp.applications import service as applications
from oauthapp.extensions import db
from oauthapp.keys import generate_keys
from oauthapp.models import Grant, Kind, OutboxMessage, Role
from tests.e2e import world


def seed() -> None:
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
    for app in world.APPS:
        owner = customer if app.owner == world.CUSTOMER else users.get(app.owner or "")
        applications.create_application(
            accounts.get_organization(app.organization),
            app.name,
            Grant(app.grant),
            Kind.STOREFRONT if app.storefront else Kind.BACKOFFICE,
            owner,
            active=app.active,
        )
    db.session.execute(delete(OutboxMessage))
    db.session.commit()


if __name__ == "__main__":
    with create_app().app_context():
        seed()
