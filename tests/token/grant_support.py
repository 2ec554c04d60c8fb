"""Set-up and checks shared by the tests of successful grants and of the grant rules."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import jwt
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import inspect, update
from werkzeug.test import TestResponse

from oauthapp import get_settings
from oauthapp.extensions import db
from oauthapp.models import Grant, Kind, Organization
from tests.factories import make_application, make_customer, make_org, make_user

JWKS_URL = "/.well-known/jwks.json"
ME = {Kind.BACKOFFICE: "/api/me", Kind.STOREFRONT: "/api/frontend/me"}


@dataclass(frozen=True)
class App:
    """An application made for a test, as plain values usable outside an app context."""

    id: int
    client_id: str
    secret: str
    kind: Kind
    organization_id: int
    owner_id: int | None


def new_org(app: Flask, is_global: bool = False) -> int:
    with app.app_context():
        return make_org(is_global=is_global).id


def new_application(
    app: Flask,
    grant: Grant = Grant.CLIENT_CREDENTIALS,
    kind: Kind = Kind.BACKOFFICE,
    org_id: int | None = None,
) -> App:
    """An active application (in a new organization unless one is given)."""
    with app.app_context():
        org = db.session.get(Organization, org_id) if org_id else make_org()
        application, secret = make_application(org, grant=grant, kind=kind)
        owner = application.owner
        return App(
            application.id,
            application.client_id,
            secret,
            kind,
            application.organization_id,
            owner.id if owner else None,
        )


def new_user(app: Flask, *org_ids: int) -> tuple[int, str]:
    """A back-office user, member of those organizations: its id and username."""
    with app.app_context():
        orgs = [db.session.get(Organization, org_id) for org_id in org_ids]
        user = make_user(orgs=[org for org in orgs if org is not None])
        return user.id, user.username


def new_customer(app: Flask, org_id: int, email: str | None = None) -> tuple[int, str]:
    """A customer user of that organization: its id and (normalized) email."""
    with app.app_context():
        customer = make_customer(email, org=db.session.get(Organization, org_id))
        return customer.id, customer.email


def update_row(app: Flask, model: type[Any], row_id: int, **values: Any) -> None:
    with app.app_context():
        db.session.execute(update(model).where(model.id == row_id).values(**values))
        db.session.commit()


def load_row(app: Flask, model: type[Any], row_id: int) -> dict[str, Any]:
    """Every column of a row, read fresh from the database."""
    with app.app_context():
        row = db.session.get(model, row_id)
        assert row is not None
        return {column.key: getattr(row, column.key) for column in inspect(model).column_attrs}


def issuer(app: Flask) -> str:
    with app.app_context():
        return get_settings().oauth2_server.issuer


def audience(app: Flask, kind: Kind) -> str:
    base = issuer(app).rstrip("/")
    return f"{base}/api/frontend" if kind == Kind.STOREFRONT else f"{base}/api"


def token_body(response: TestResponse) -> dict[str, Any]:
    """A successful token response: 200, JSON, not cacheable; returns the body."""
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    assert response.headers.get("Cache-Control") == "no-store"
    assert response.headers.get("Pragma") == "no-cache"
    body: dict[str, Any] = response.get_json()
    return body


def verify_with_jwks(
    app: Flask, client: FlaskClient, token: str, kind: Kind
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The header and claims of a token, checked with a key built only from the JWKS document."""
    response = client.get(JWKS_URL)
    assert response.status_code == 200, response.get_data(as_text=True)
    header = jwt.get_unverified_header(token)
    key = jwt.PyJWKSet.from_dict(response.get_json())[header["kid"]]
    claims: dict[str, Any] = jwt.decode(
        token,
        key.key,
        algorithms=[key.algorithm_name],
        audience=audience(app, kind),
        issuer=issuer(app),
        options={"require": ["exp", "iat", "nbf", "iss", "aud", "sub", "jti"]},
    )
    return header, claims


def me(client: FlaskClient, token: str, kind: Kind = Kind.BACKOFFICE) -> TestResponse:
    return client.get(ME[kind], headers={"Authorization": f"Bearer {token}"})


def away_from_minute_boundary() -> None:
    """Wait out the last seconds of a minute, so two quick requests share one minute."""
    second = time.gmtime().tm_sec
    if second >= 57:
        time.sleep(60.5 - second)
