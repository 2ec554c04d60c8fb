"""Realistic data for the benchmark, written straight into the product's database.

`python -m bench.seed FOLDER --apps N --refresh-tokens M` migrates FOLDER's database (named by
FOLDER/config.yml), creates the keys, the organizations and users on the first call (among them
10,000 users and 10,000 customer users of one organization, names in mixed case), then adds
applications and refresh tokens until there are N and M of them. It writes what the load
scripts need to FOLDER: clients.txt (client id and secret of some applications of each grant),
refresh.txt (refresh tokens in plain text, which only the benchmark keeps) and crowd.txt (the id
of the organization with the 10,000 users).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import os
import secrets
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, func, insert, select, text

ORGANIZATIONS = 20
PASSWORD = "bench password 1"
ADMIN = "bench-admin"
PASSWORD_USER = "bench-user"
KNOWN_REFRESH_TOKENS = 2000
LISTED_CLIENTS = 100
WORDS = [
    *["mobile", "warehouse", "erp", "price", "report", "checkout", "loyalty"],
    *["partner", "billing", "catalog", "sync", "inventory", "shipping", "analytics"],
    *["crm", "marketplace", "invoice", "support", "feed", "portal"],
]
CHUNK = 5000
CROWD = 10_000  # users, and as many customer users, in one organization
CROWD_ORGANIZATION = "Organization 01"
CROWD_DOMAIN = "crowd.bench.example"
FIRST_NAMES = [
    *["anna", "ben", "carla", "david", "emma", "felix", "greta", "hugo", "ida", "jonas"],
    *["karin", "leon", "mia", "noah", "olivia", "paul", "rosa", "samuel", "tara", "viktor"],
]
LAST_NAMES = [
    *["adler", "berger", "conrad", "dietrich", "engel", "fischer", "graf", "hahn", "ivers"],
    *["jansen", "keller", "lang", "meyer", "neumann", "otto", "peters", "richter", "schulz"],
]


def seed(folder: Path, applications: int, refresh_tokens: int) -> None:
    os.environ["OAUTHAPP_CONFIG"] = str(folder / "config.yml")
    from oauthapp import create_app

    app = create_app()
    with app.app_context():
        from flask_migrate import upgrade

        from oauthapp.extensions import db

        upgrade(directory=str(Path(__file__).resolve().parent.parent / "migrations"))
        _keys()
        if not db.session.scalar(select(func.count()).select_from(_table("organizations"))):
            _people()
        _crowd(folder)
        _applications(folder, applications)
        _refresh_tokens(folder, refresh_tokens)
        db.session.commit()
        _analyze()


def _table(name: str) -> Any:
    from oauthapp.extensions import db

    return db.metadata.tables[name]


def _keys() -> None:
    from oauthapp import get_settings
    from oauthapp.keys import generate_keys

    settings = get_settings().oauth2_server
    auth = settings.authorization_server
    generate_keys(auth.private_key, settings.public_key, auth.signing_algorithm)


def _people() -> None:
    from oauthapp.extensions import db
    from oauthapp.models import Organization, Role, User, UserRole
    from oauthapp.security.passwords import hash_password

    password_hash = hash_password(PASSWORD)
    organizations = [
        Organization(
            name="Main Organization" if i == 0 else f"Organization {i:02d}", is_global=i == 0
        )
        for i in range(ORGANIZATIONS)
    ]
    db.session.add_all(organizations)
    db.session.flush()
    admin = User(username=ADMIN, email="admin@bench.example", password_hash=password_hash)
    admin.roles.append(UserRole(organization_id=organizations[0].id, role=Role.ADMINISTRATOR))
    db.session.add(admin)
    user = User(username=PASSWORD_USER, email="user@bench.example", password_hash=password_hash)
    user.roles.append(UserRole(organization_id=organizations[0].id, role=Role.USER))
    db.session.add(user)
    for organization in organizations:
        owner = User(
            username=f"owner-{organization.id}",
            email=f"owner-{organization.id}@bench.example",
            password_hash=password_hash,
        )
        owner.roles.append(UserRole(organization_id=organization.id, role=Role.USER))
        db.session.add(owner)
    db.session.commit()


def crowd_name(number: int) -> tuple[str, str]:
    """A username and a full name; one in three capitalised, as people type them."""
    first = FIRST_NAMES[number % len(FIRST_NAMES)]
    last = LAST_NAMES[(number // len(FIRST_NAMES)) % len(LAST_NAMES)]
    if number % 3 == 0:
        first, last = first.title(), last.title()
    return f"{first}.{last}{number}", f"{first.title()} {last.title()}"


def _crowd(folder: Path) -> None:
    """CROWD users (role USER) and CROWD customer users in CROWD_ORGANIZATION, once."""
    from oauthapp.extensions import db
    from oauthapp.security.passwords import hash_password

    users, roles, customers = _table("users"), _table("user_roles"), _table("customer_users")
    organization = db.session.scalar(
        select(_table("organizations").c.id).where(
            _table("organizations").c.name == CROWD_ORGANIZATION
        )
    )
    (folder / "crowd.txt").write_text(f"{organization}\n")
    domain = f"%@{CROWD_DOMAIN}"
    if db.session.scalar(select(func.count()).select_from(users).where(users.c.email.like(domain))):
        return
    password_hash = hash_password(PASSWORD)
    people = [crowd_name(number) for number in range(CROWD)]
    db.session.execute(
        insert(users),
        [{"username": username, "email": f"{username.lower()}@{CROWD_DOMAIN}",
          "password_hash": password_hash} for username, _ in people],
    )  # fmt: skip
    ids = db.session.scalars(select(users.c.id).where(users.c.email.like(domain)))
    db.session.execute(
        insert(roles),
        [{"user_id": id_, "organization_id": organization, "role": "USER"} for id_ in ids],
    )
    db.session.execute(
        insert(customers),
        [{"email": f"customer.{username.lower()}@{CROWD_DOMAIN}", "name": name,
          "password_hash": password_hash, "organization_id": organization}
         for username, name in people],
    )  # fmt: skip
    db.session.commit()


def client_id(number: int) -> str:
    """32 URL-safe characters, the shape of a real client id, the same in every run."""
    digest = hashlib.sha256(f"bench-client-{number}".encode()).digest()
    return "b" + base64.urlsafe_b64encode(digest).decode()[:31]


def client_secret(number: int) -> str:
    return hashlib.sha256(f"bench-secret-{number}".encode()).hexdigest()[:43]


def _applications(folder: Path, wanted: int) -> None:
    from oauthapp.extensions import db
    from oauthapp.models import utcnow
    from oauthapp.security.credentials import hash_secret

    applications = _table("oauth_applications")
    have = db.session.scalar(select(func.count()).select_from(applications)) or 0
    organizations = list(db.session.scalars(select(_table("organizations").c.id).order_by("id")))
    owners = {
        row.username: row.id
        for row in db.session.execute(select(_table("users").c.id, _table("users").c.username))
    }
    now = utcnow()

    def row(number: int) -> dict[str, Any]:
        organization = organizations[number % len(organizations)]
        credentials = number % 2 == 0  # even: client credentials, odd: password
        owner = owners[f"owner-{organization}"] if credentials else None
        words = WORDS[number % len(WORDS)], WORDS[(number // len(WORDS)) % len(WORDS)]
        return {
            "organization_id": organization,
            "kind": "backoffice",
            "grant_type": "client_credentials" if credentials else "password",
            "name": f"{words[0].title()} {words[1]} {number}",
            "active": True,
            "client_id": client_id(number),
            "secret_hash": hash_secret(client_secret(number)),
            "user_id": owner,
            "customer_user_id": None,
            "owner_key": f"u:{owner}" if owner else "",
            "created_at": now,
            "updated_at": now,
            "last_used_at": None,
        }

    for start in range(have, wanted, CHUNK):
        db.session.execute(
            insert(applications), [row(n) for n in range(start, min(wanted, start + CHUNK))]
        )
    db.session.commit()
    with (folder / "clients.txt").open("w") as listing:
        for number in range(min(wanted, 2 * LISTED_CLIENTS)):
            grant = "client_credentials" if number % 2 == 0 else "password"
            listing.write(f"{grant} {client_id(number)} {client_secret(number)}\n")


def _refresh_tokens(folder: Path, wanted: int) -> None:
    """Known tokens first (the refresh grant starts from them), then filler rows made in SQL."""
    from oauthapp.extensions import db
    from oauthapp.models import utcnow
    from oauthapp.models.base import UTCDateTime
    from oauthapp.security.credentials import hash_secret

    tokens = _table("oauth_refresh_tokens")
    have = db.session.scalar(select(func.count()).select_from(tokens)) or 0
    now = utcnow()
    expires = now + timedelta(days=30)
    user = db.session.scalar(
        select(_table("users").c.id).where(_table("users").c.username == PASSWORD_USER)
    )
    application = db.session.scalar(
        select(_table("oauth_applications").c.id).where(
            _table("oauth_applications").c.client_id == client_id(1)
        )
    )
    if have == 0:
        plain = [secrets.token_urlsafe(32) for _ in range(KNOWN_REFRESH_TOKENS)]
        db.session.execute(
            insert(tokens),
            [
                {
                    "token_hash": hash_secret(token, "refresh-token"),
                    "application_id": application,
                    "user_id": user,
                    "customer_user_id": None,
                    "family_id": secrets.token_urlsafe(24),
                    "access_token_jti": secrets.token_urlsafe(18),
                    "access_token_expires_at": now + timedelta(hours=1),
                    "expires_at": expires,
                    "revoked": False,
                    "rotated_at": None,
                    "created_at": now,
                    "family_created_at": now,
                }
                for token in plain
            ],
        )
        (folder / "refresh.txt").write_text("\n".join(plain) + "\n")
        have = KNOWN_REFRESH_TOKENS
    first_application = db.session.scalar(select(func.min(_table("oauth_applications").c.id)))
    applications = db.session.scalar(select(func.count()).select_from(_table("oauth_applications")))
    for start, stop in _ranges(have, wanted, 200_000):
        db.session.execute(
            text(
                "INSERT INTO oauth_refresh_tokens (token_hash, application_id, user_id, family_id,"
                " access_token_jti, access_token_expires_at, expires_at, revoked, created_at,"
                " family_created_at)"
                " WITH RECURSIVE seq(n) AS (SELECT CAST(:start AS INTEGER)"
                " UNION ALL SELECT n + 1 FROM seq WHERE n < :stop)"
                " SELECT 'filler$' || n, :first + (n % :applications), :user, 'family-' || n,"
                " 'jti-' || n, :access_expires, :expires, :false, :now, :now FROM seq"
            ).bindparams(
                bindparam("access_expires", type_=UTCDateTime()),
                bindparam("expires", type_=UTCDateTime()),
                bindparam("now", type_=UTCDateTime()),
            ),
            {
                "start": start,
                "stop": stop - 1,
                "first": first_application,
                "applications": applications,
                "user": user,
                "access_expires": now + timedelta(hours=1),
                "expires": expires,
                "false": False,
                "now": now,
            },
        )
        db.session.commit()


def _analyze() -> None:
    """Give PostgreSQL's planner the statistics of the rows just loaded, as autovacuum does on
    a running installation a minute after a bulk change (and as its documentation asks after a
    bulk load). Without them it reads 100,000 applications as if they were a few dozen and
    filters names by scanning rather than through the trigram index."""
    from oauthapp.extensions import db

    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))


def _ranges(start: int, stop: int, step: int) -> Iterator[tuple[int, int]]:
    for first in range(start, stop, step):
        yield first, min(stop, first + step)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--apps", type=int, required=True)
    parser.add_argument("--refresh-tokens", type=int, required=True)
    args = parser.parse_args()
    seed(args.folder.resolve(), args.apps, args.refresh_tokens)


if __name__ == "__main__":
    main()
