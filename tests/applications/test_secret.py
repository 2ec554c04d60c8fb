"""The one-time secret: shown once after create or regenerate, working, and kept nowhere."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import jwt
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import MetaData, Table, inspect, select
from werkzeug.test import TestResponse

from oauthapp.extensions import db
from oauthapp.models import OAuthApplication
from oauthapp.security.credentials import verify_secret
from tests.applications.conftest import (
    CREATE,
    FRONTEND_CREATE,
    FRONTEND_GRID,
    GRID,
    World,
    build_world,
    logged_in,
    post_form,
)
from tests.token.helpers import assert_error, bearer, client_credentials

CREATED = "OAuth application has been created"  # then ": " and the name
NOTICE = (
    "Please copy Client Secret and save it somewhere safe. "
    "For security reasons, we cannot show it to you again."
)
TEMPORARY_TOKEN = "Temporary Access Token"


@dataclass(frozen=True)
class Shown:
    """What a secret page showed, with the response and the client that got it."""

    client: FlaskClient
    response: TestResponse
    page: str
    client_id: str
    secret: str
    token: str | None


def code(page: str, element_id: str) -> str | None:
    """The text of the <code> element with that id, if the page has one."""
    match = re.search(rf'<code id="{element_id}"[^>]*>([^<]*)</code>', page)
    return html.unescape(match.group(1)) if match else None


def shown(client: FlaskClient, response: TestResponse) -> Shown:
    page = response.get_data(as_text=True)
    client_id, secret = code(page, "client-id"), code(page, "client-secret")
    assert client_id and secret, "no Client ID or Client Secret on the page"
    return Shown(client, response, page, client_id, secret, code(page, "access-token"))


def create(app: Flask, world: World, path: str = CREATE, **changes: str) -> Shown:
    """Create an application through the form, as alice; return what the page showed."""
    form = {
        "organization": str(world.acme),
        "name": "Fresh CC",
        "active": "y",
        "grant": "client_credentials",
        "owner": str(world.alice),
        **changes,
    }
    client = logged_in(app, "alice")
    response = post_form(client, path, {key: value for key, value in form.items() if value})
    assert response.status_code == 200, response.get_data(as_text=True)
    return shown(client, response)


@pytest.fixture
def fresh(app: Flask, world: World) -> Shown:
    """A client-credentials application owned by alice, just created through the form."""
    return create(app, world)


def application_of(app: Flask, client_id: str) -> OAuthApplication:
    with app.app_context():
        found = db.session.scalar(db.select(OAuthApplication).filter_by(client_id=client_id))
        assert found is not None
        db.session.expunge(found)
        return found


def session_of(app: Flask, client: FlaskClient) -> dict[str, Any]:
    """The decoded Flask session cookie of the client."""
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None, "no session cookie"
    data: dict[str, Any] = app.session_interface.get_signing_serializer(app).loads(  # type: ignore[attr-defined]
        cookie.value
    )
    return data


def database_values(app: Flask) -> Iterator[tuple[str, str, str]]:
    """(table, column, value as text) for every column of every row of every table."""
    with app.app_context():
        names = inspect(db.engine).get_table_names()
        assert {table.name for table in db.metadata.sorted_tables} <= set(names)
        with db.engine.connect() as connection:
            for name in names:
                table = Table(name, MetaData(), autoload_with=connection)
                for row in connection.execute(select(table)).mappings():
                    for column, value in row.items():
                        yield name, column, str(value)


def places_holding(app: Flask, text: str) -> list[tuple[str, str]]:
    return [(table, column) for table, column, value in database_values(app) if text in value]


def regenerate(client: FlaskClient, application_id: int) -> Shown:
    response = post_form(client, f"/admin/oauth2/{application_id}/regenerate-secret", {})
    assert response.status_code == 200, response.get_data(as_text=True)
    return shown(client, response)


# The page after create ---------------------------------------------------------------------


def test_a_successful_create_shows_the_client_id_and_a_secret_that_matches_it(
    app: Flask, fresh: Shown
) -> None:
    application = application_of(app, fresh.client_id)

    assert fresh.response.status_code == 200
    assert application.name == "Fresh CC"
    with app.app_context():
        assert verify_secret(fresh.secret, application.secret_hash)
    assert len(fresh.secret) >= 43  # 256 bits, URL-safe


def test_the_secret_page_shows_the_notice_and_the_created_flash(fresh: Shown) -> None:
    assert NOTICE in fresh.page
    named = '<span class="cut" title="Fresh CC">Fresh CC</span>'
    assert f'<div class="flash flash-success" role="status">{CREATED}: {named}</div>' in fresh.page


def test_the_secret_page_labels_the_client_id_and_secret(fresh: Shown) -> None:
    assert '<dt id="client-id-label">Client ID</dt>' in fresh.page
    assert '<dt id="client-secret-label">Client Secret</dt>' in fresh.page


@pytest.mark.parametrize("target", ["client-id", "client-secret", "access-token"])
def test_the_secret_page_has_a_copy_button_for_each_value(fresh: Shown, target: str) -> None:
    assert re.search(rf'<button type="button" [^>]*data-copy-target="{target}"', fresh.page)
    assert f'<code id="{target}"' in fresh.page


def test_the_secret_page_may_not_be_stored_by_any_cache(fresh: Shown) -> None:
    assert fresh.response.headers["Cache-Control"] == "no-store"


def test_the_shown_secret_gets_a_token(app: Flask, fresh: Shown) -> None:
    response = client_credentials(app.test_client(), fresh.client_id, fresh.secret)

    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["token_type"] == "Bearer"


def test_the_temporary_access_token_acts_for_the_owner_at_the_api(
    app: Flask, world: World, fresh: Shown
) -> None:
    assert fresh.token

    response = app.test_client().get("/api/me", headers=bearer(fresh.token))

    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert (body["id"], body["username"]) == (world.alice, "alice")
    assert body["client_id"] == fresh.client_id


def test_the_page_states_the_lifetime_of_the_temporary_token(fresh: Shown) -> None:
    assert fresh.token
    claims = jwt.decode(fresh.token, options={"verify_signature": False})

    assert claims["exp"] - claims["iat"] == 3600
    assert "Valid for 60 minutes (3600 seconds) from now." in fresh.page


def test_the_stated_lifetime_follows_the_configured_one(make_app: Any) -> None:
    app: Flask = make_app(oauth2_server={"authorization_server": {"access_token_lifetime": 900}})
    with app.app_context():
        world = build_world()

    page = create(app, world)

    assert page.token
    claims = jwt.decode(page.token, options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 900
    assert "Valid for 15 minutes (900 seconds) from now." in page.page


def test_a_storefront_temporary_token_works_at_the_storefront_api(app: Flask, world: World) -> None:
    store = create(app, world, FRONTEND_CREATE, name="Fresh Store", owner=str(world.carol))
    assert store.token

    response = app.test_client().get("/api/frontend/me", headers=bearer(store.token))

    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["email"] == "carol@example.com"


def test_a_password_application_gets_no_temporary_token(app: Flask, world: World) -> None:
    page = create(app, world, name="Fresh Password", grant="password", owner="")

    assert page.token is None
    assert TEMPORARY_TOKEN not in page.page
    assert 'data-copy-target="access-token"' not in page.page
    assert NOTICE in page.page


def test_an_inactive_application_gets_no_temporary_token(app: Flask, world: World) -> None:
    page = create(app, world, active="")

    assert page.token is None
    assert TEMPORARY_TOKEN not in page.page


# Never again -------------------------------------------------------------------------------


def later_pages(world: World, application_id: int) -> list[str]:
    app_path = f"/admin/oauth2/{application_id}"
    return [
        app_path,
        f"{app_path}/edit",
        f"{app_path}/deactivate",
        f"{app_path}/delete",
        f"{app_path}/regenerate-secret",
        GRID,
        FRONTEND_GRID,
        CREATE,
        f"{CREATE}?owner={world.alice}",
        "/admin/profile",
        f"/admin/users/{world.alice}",
    ]


def test_the_secret_never_appears_on_a_later_page(app: Flask, world: World, fresh: Shown) -> None:
    application = application_of(app, fresh.client_id)

    for path in later_pages(world, application.id):
        response = fresh.client.get(path)
        page = response.get_data(as_text=True)
        assert response.status_code == 200, path
        assert fresh.secret not in page, path
        assert fresh.token is None or fresh.token not in page, path
    assert fresh.client_id in fresh.client.get(f"/admin/oauth2/{application.id}").get_data(
        as_text=True
    )


def test_a_second_get_of_the_create_page_shows_no_secret(fresh: Shown) -> None:
    response = fresh.client.get(CREATE)
    page = response.get_data(as_text=True)

    assert response.status_code == 200
    assert fresh.secret not in page
    assert NOTICE not in page
    assert 'id="client-secret"' not in page


def test_the_database_holds_no_copy_of_the_secret(app: Flask, fresh: Shown) -> None:
    assert ("oauth_applications", "client_id") in places_holding(app, fresh.client_id)
    assert places_holding(app, fresh.secret) == []
    assert fresh.token and places_holding(app, fresh.token) == []


def test_the_session_cookie_never_holds_the_secret(app: Flask, world: World, fresh: Shown) -> None:
    raw_headers = fresh.response.headers.getlist("Set-Cookie")
    session = session_of(app, fresh.client)

    assert any(app.config["SESSION_COOKIE_NAME"] in header for header in raw_headers)
    assert not any(fresh.secret in header for header in raw_headers)
    assert session["_user_id"] == str(world.alice)  # the decoding sees what is there
    assert fresh.secret not in json.dumps(session, default=str)
    assert fresh.token and fresh.token not in json.dumps(session, default=str)


def test_the_session_cookie_holds_no_secret_after_the_next_page_either(
    app: Flask, fresh: Shown
) -> None:
    response = fresh.client.get(GRID)

    assert response.status_code == 200
    assert not any(fresh.secret in header for header in response.headers.getlist("Set-Cookie"))
    assert fresh.secret not in json.dumps(session_of(app, fresh.client), default=str)


# Regenerate --------------------------------------------------------------------------------


def test_the_regenerate_page_asks_for_confirmation_and_changes_nothing(
    app: Flask, world: World
) -> None:
    before = application_of(app, world.client_ids["Alice CC"]).secret_hash

    response = logged_in(app, "alice").get(f"/admin/oauth2/{world.alice_cc}/regenerate-secret")
    page = response.get_data(as_text=True)

    assert response.status_code == 200
    assert "Regenerate the client secret? The current secret stops working at once." in page
    assert re.search(r'<form method="post"[^>]*>\s*<input id="csrf_token"', page)
    assert re.search(r'<button type="submit" [^>]*>Regenerate secret</button>', page)
    assert 'id="client-secret"' not in page
    assert application_of(app, world.client_ids["Alice CC"]).secret_hash == before
    old = world.client_ids["Alice CC"], world.secrets["Alice CC"]
    assert client_credentials(app.test_client(), *old).status_code == 200


def test_regenerating_shows_the_new_secret_once_and_uncached(app: Flask, world: World) -> None:
    page = regenerate(logged_in(app, "alice"), world.alice_cc)

    assert page.client_id == world.client_ids["Alice CC"]
    assert page.secret != world.secrets["Alice CC"]
    assert page.response.headers["Cache-Control"] == "no-store"
    assert NOTICE in page.page
    assert 'data-copy-target="client-secret"' in page.page


def test_the_old_secret_stops_working_at_once(app: Flask, world: World) -> None:
    regenerate(logged_in(app, "alice"), world.alice_cc)

    response = client_credentials(
        app.test_client(), world.client_ids["Alice CC"], world.secrets["Alice CC"]
    )

    assert_error(response, 401, "invalid_client")


def test_the_new_secret_works(app: Flask, world: World) -> None:
    page = regenerate(logged_in(app, "alice"), world.alice_cc)

    response = client_credentials(app.test_client(), page.client_id, page.secret)

    assert response.status_code == 200, response.get_data(as_text=True)


def test_the_regenerated_secret_is_kept_nowhere(app: Flask, world: World) -> None:
    page = regenerate(logged_in(app, "alice"), world.alice_cc)

    assert places_holding(app, page.secret) == []
    assert not any(page.secret in header for header in page.response.headers.getlist("Set-Cookie"))
    assert page.secret not in json.dumps(session_of(app, page.client), default=str)
    for path in later_pages(world, world.alice_cc):
        assert page.secret not in page.client.get(path).get_data(as_text=True), path
