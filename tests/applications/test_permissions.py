"""Who may do what on every applications route: anything not manageable is a 404."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from oauthapp.applications.secrets import NOTICE as SECRET_NOTICE
from oauthapp.extensions import db
from oauthapp.models import Grant, OAuthApplication, Organization, User
from tests.applications.conftest import (
    APPLICATIONS,
    CREATE,
    FRONTEND_CREATE,
    FRONTEND_GRID,
    GRID,
    USERNAMES,
    World,
    form_token,
    grid_names,
    logged_in,
    post_form,
)
from tests.conftest import TEST_DATABASE_URL
from tests.factories import make_application

ALL_NAMES = [name for _, name, *_ in APPLICATIONS]
MANAGES = {
    "alice": {"Alice CC", "Bob CC", "Acme Password", "Carol Store"},  # everything of Acme
    "bob": {"Bob CC"},  # only what he owns
    "oscar": {"Oscar CC", "Olga Store"},  # everything of Other Corp
    "root": set(ALL_NAMES),  # administrator of the global organization
    "gus": set(),  # user of the global organization, owns nothing
}
MATRIX = [
    pytest.param(viewer, name, name in MANAGES[viewer], id=f"{viewer}-{name}")
    for viewer in USERNAMES
    for name in ALL_NAMES
]
PAGES = ["", "/edit", "/deactivate", "/delete", "/regenerate-secret"]
ON_POSTGRES = bool(TEST_DATABASE_URL)
CSRF_MESSAGE = "The form has expired or did not come from this site."


def snapshot(app: Flask, application_id: int) -> tuple[Any, ...] | None:
    """What a POST could change about an application; None once it is deleted."""
    with app.app_context():
        found = db.session.get(OAuthApplication, application_id)
        return None if found is None else (found.name, found.active, found.secret_hash)


def application_count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(OAuthApplication)) or 0


def set_active(app: Flask, application_id: int, active: bool) -> None:
    with app.app_context():
        found = db.session.get(OAuthApplication, application_id)
        assert found is not None
        found.active = active
        db.session.commit()


def assert_not_found(response: TestResponse, world: World, name: str) -> None:
    """A 404 that says nothing about the application."""
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert name not in page
    assert world.client_ids[name] not in page


def owner_ids(response: TestResponse) -> list[int]:
    """The ids of the accounts offered by the Users select of a create page."""
    page = response.get_data(as_text=True)
    select = re.search(r'<select[^>]*name="owner"[^>]*>(.*?)</select>', page, re.DOTALL)
    assert select, "no Users select"
    return [int(value) for value in re.findall(r'<option[^>]*value="(\d+)"', select.group(1))]


def ids_of(world: World, names: list[str]) -> list[int]:
    return [getattr(world, name) for name in names]


# Pages of one application ------------------------------------------------------------------


@pytest.mark.parametrize(("viewer", "name", "allowed"), MATRIX)
def test_a_user_may_open_the_pages_of_exactly_the_applications_it_manages(
    app: Flask, world: World, viewer: str, name: str, allowed: bool
) -> None:
    client = logged_in(app, viewer)

    for page in PAGES:  # view, edit and the three confirmation pages
        response = client.get(f"/admin/oauth2/{world.app_id(name)}{page}")
        if allowed:
            assert response.status_code == 200, page
            assert name in response.get_data(as_text=True), page
        else:
            assert_not_found(response, world, name)


@pytest.mark.parametrize(("viewer", "name", "allowed"), MATRIX)
def test_a_user_may_edit_exactly_the_applications_it_manages(
    app: Flask, world: World, viewer: str, name: str, allowed: bool
) -> None:
    app_id = world.app_id(name)
    before = snapshot(app, app_id)
    assert before is not None

    response = post_form(
        logged_in(app, viewer),
        f"/admin/oauth2/{app_id}/edit",
        {"name": "Renamed", "active": "y"},
    )

    if allowed:
        assert response.status_code == 302
        assert response.headers["Location"] == f"/admin/oauth2/{app_id}"
        assert snapshot(app, app_id) == ("Renamed", True, before[2])
    else:
        assert_not_found(response, world, name)
        assert snapshot(app, app_id) == before


@pytest.mark.parametrize(("viewer", "name", "allowed"), MATRIX)
def test_a_user_may_activate_exactly_the_applications_it_manages(
    app: Flask, world: World, viewer: str, name: str, allowed: bool
) -> None:
    app_id = world.app_id(name)
    set_active(app, app_id, False)
    before = snapshot(app, app_id)
    assert before is not None

    response = post_form(logged_in(app, viewer), f"/admin/oauth2/{app_id}/activate")

    if allowed:
        assert response.status_code == 302
        assert snapshot(app, app_id) == (name, True, before[2])
    else:
        assert_not_found(response, world, name)
        assert snapshot(app, app_id) == before


@pytest.mark.parametrize(("viewer", "name", "allowed"), MATRIX)
def test_a_user_may_deactivate_exactly_the_applications_it_manages(
    app: Flask, world: World, viewer: str, name: str, allowed: bool
) -> None:
    app_id = world.app_id(name)
    before = snapshot(app, app_id)
    assert before is not None

    response = post_form(logged_in(app, viewer), f"/admin/oauth2/{app_id}/deactivate")

    if allowed:
        assert response.status_code == 302
        assert snapshot(app, app_id) == (name, False, before[2])
    else:
        assert_not_found(response, world, name)
        assert snapshot(app, app_id) == before


@pytest.mark.parametrize(("viewer", "name", "allowed"), MATRIX)
def test_a_user_may_delete_exactly_the_applications_it_manages(
    app: Flask, world: World, viewer: str, name: str, allowed: bool
) -> None:
    app_id = world.app_id(name)
    before = snapshot(app, app_id)

    response = post_form(logged_in(app, viewer), f"/admin/oauth2/{app_id}/delete")

    if allowed:
        assert response.status_code == 302
        assert snapshot(app, app_id) is None
    else:
        assert_not_found(response, world, name)
        assert snapshot(app, app_id) == before


@pytest.mark.parametrize(("viewer", "name", "allowed"), MATRIX)
def test_a_user_may_regenerate_the_secret_of_exactly_the_applications_it_manages(
    app: Flask, world: World, viewer: str, name: str, allowed: bool
) -> None:
    app_id = world.app_id(name)
    before = snapshot(app, app_id)
    assert before is not None

    response = post_form(logged_in(app, viewer), f"/admin/oauth2/{app_id}/regenerate-secret")

    if allowed:
        assert response.status_code == 200
        assert "Client Secret" in response.get_data(as_text=True)
        after = snapshot(app, app_id)
        assert after is not None and after[2] != before[2]
    else:
        assert_not_found(response, world, name)
        assert snapshot(app, app_id) == before


@pytest.mark.parametrize("page", [*PAGES, "/activate"])
def test_an_application_that_does_not_exist_is_a_404_even_for_root(
    app: Flask, world: World, page: str
) -> None:
    client = logged_in(app, "root")
    path = f"/admin/oauth2/99999{page}"

    response = client.get(path) if page != "/activate" else post_form(client, path)

    assert response.status_code == 404


OUT_OF_RANGE = (
    "BUG: an application id beyond the database's integer range (2**31 on PostgreSQL, 2**63 on "
    "SQLite) reaches the query and answers 500 instead of 404"
)


@pytest.mark.parametrize(
    "application_id",
    [
        pytest.param(
            2**31,
            id="beyond-int32",
        ),
        pytest.param(10**20, id="beyond-int64"),
    ],
)
@pytest.mark.parametrize("page", ["", "/edit", "/delete"])
def test_an_application_id_out_of_any_range_is_a_404(
    app: Flask, world: World, application_id: int, page: str
) -> None:
    response = logged_in(app, "root").get(f"/admin/oauth2/{application_id}{page}")

    assert response.status_code == 404


def test_a_global_user_manages_the_applications_it_owns(app: Flask, world: World) -> None:
    with app.app_context():
        main = db.session.get(Organization, world.main)
        owner = db.session.get(User, world.gus)
        application, _ = make_application(main, "Gus CC", Grant.CLIENT_CREDENTIALS, owner=owner)
        app_id = application.id
    client = logged_in(app, "gus")

    assert grid_names(client.get(GRID)) == ["Gus CC"]
    for page in PAGES:
        assert client.get(f"/admin/oauth2/{app_id}{page}").status_code == 200
    assert logged_in(app, "bob").get(f"/admin/oauth2/{app_id}").status_code == 404


# Grids -------------------------------------------------------------------------------------


@pytest.mark.parametrize("viewer", USERNAMES)
@pytest.mark.parametrize(
    ("path", "kind_names"), [(GRID, ALL_NAMES[:4]), (FRONTEND_GRID, ALL_NAMES[4:])]
)
def test_a_grid_lists_exactly_the_applications_the_user_manages(
    app: Flask, world: World, viewer: str, path: str, kind_names: list[str]
) -> None:
    response = logged_in(app, viewer).get(path)

    assert response.status_code == 200
    expected = sorted(name for name in kind_names if name in MANAGES[viewer])
    assert grid_names(response) == expected
    page = response.get_data(as_text=True)
    for name in set(ALL_NAMES) - set(expected):
        assert name not in page


@pytest.mark.parametrize("viewer", ["bob", "gus"])
def test_the_storefront_grid_offers_no_create_button_to_a_user_who_may_not_create_there(
    app: Flask, world: World, viewer: str
) -> None:
    response = logged_in(app, viewer).get(FRONTEND_GRID)

    assert response.status_code == 200
    assert FRONTEND_CREATE not in response.get_data(as_text=True)


# Create ------------------------------------------------------------------------------------

CREATE_OWNERS = {
    "alice": ["alice", "bob"],
    "bob": ["bob"],
    "oscar": ["oscar"],
    "root": ["alice", "bob", "gus", "oscar", "root"],
    "gus": ["gus"],
}
FRONTEND_OWNERS = {
    "alice": ["carol"],
    "oscar": ["olga"],
    "root": ["carol", "olga"],
}


@pytest.mark.parametrize("viewer", USERNAMES)
def test_the_create_page_offers_only_owners_the_user_may_create_for(
    app: Flask, world: World, viewer: str
) -> None:
    response = logged_in(app, viewer).get(CREATE)

    assert response.status_code == 200
    assert owner_ids(response) == ids_of(world, CREATE_OWNERS[viewer])


@pytest.mark.parametrize("viewer", USERNAMES)
def test_the_storefront_create_page_is_for_administrators_only(
    app: Flask, world: World, viewer: str
) -> None:
    response = logged_in(app, viewer).get(FRONTEND_CREATE)

    if viewer in FRONTEND_OWNERS:
        assert response.status_code == 200
        assert owner_ids(response) == ids_of(world, FRONTEND_OWNERS[viewer])
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("viewer", ["bob", "gus"])
def test_a_user_cannot_post_a_storefront_application(app: Flask, world: World, viewer: str) -> None:
    form = {
        "organization": str(world.acme),
        "name": "Sneaky Store",
        "grant": "client_credentials",
        "owner": str(world.carol),
        "active": "y",
    }

    response = post_form(logged_in(app, viewer), FRONTEND_CREATE, form)

    assert response.status_code == 403
    assert application_count(app) == len(ALL_NAMES)


CREATE_FOR = {  # viewer -> the back-office accounts it may preset as owner
    "alice": {"alice", "bob"},
    "bob": {"bob"},
    "oscar": {"oscar"},
    "root": set(USERNAMES),
    "gus": {"gus"},
}


@pytest.mark.parametrize(
    ("viewer", "owner", "allowed"),
    [
        pytest.param(viewer, owner, owner in CREATE_FOR[viewer], id=f"{viewer}-for-{owner}")
        for viewer in USERNAMES
        for owner in USERNAMES
    ],
)
def test_a_preset_owner_the_user_may_not_create_for_is_a_404(
    app: Flask, world: World, viewer: str, owner: str, allowed: bool
) -> None:
    owner_id = getattr(world, owner)

    response = logged_in(app, viewer).get(CREATE, query_string={"owner": owner_id})

    if allowed:
        assert response.status_code == 200
        assert owner_ids(response) == [owner_id]
    else:
        assert response.status_code == 404
        assert f"{owner}@example.com" not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("viewer", "customer", "allowed"),
    [
        ("alice", "carol", True),
        ("alice", "olga", False),
        ("oscar", "olga", True),
        ("oscar", "carol", False),
        ("root", "carol", True),
        ("root", "olga", True),
        ("bob", "carol", False),
        ("gus", "olga", False),
    ],
)
def test_a_preset_customer_owner_the_user_may_not_create_for_is_a_404(
    app: Flask, world: World, viewer: str, customer: str, allowed: bool
) -> None:
    response = logged_in(app, viewer).get(
        FRONTEND_CREATE, query_string={"owner": getattr(world, customer)}
    )

    if allowed:
        assert response.status_code == 200
        assert owner_ids(response) == [getattr(world, customer)]
    else:
        assert response.status_code == 404
        assert f"{customer}@example.com" not in response.get_data(as_text=True)


@pytest.mark.parametrize("path", [CREATE, FRONTEND_CREATE])
def test_a_preset_owner_that_does_not_exist_is_a_404(app: Flask, world: World, path: str) -> None:
    response = logged_in(app, "root").get(path, query_string={"owner": 99999})

    assert response.status_code == 404


@pytest.mark.parametrize(
    ("path", "viewer", "organization", "owner"),
    [
        (CREATE, "bob", "acme", "alice"),  # a USER creates only for himself
        (CREATE, "oscar", "acme", "alice"),  # not his organization
        (CREATE, "alice", "other", "oscar"),  # not her organization
        (CREATE, "alice", "acme", "oscar"),  # oscar is no member of Acme
        (CREATE, "gus", "main", "root"),  # a global USER creates only for himself
        (CREATE, "gus", "acme", "gus"),  # gus is no member of Acme
        (FRONTEND_CREATE, "alice", "acme", "olga"),  # olga is a customer of Other Corp
        (FRONTEND_CREATE, "oscar", "acme", "carol"),  # not his organization
    ],
)
def test_a_user_cannot_post_an_application_for_someone_it_may_not_create_for(
    app: Flask, world: World, path: str, viewer: str, organization: str, owner: str
) -> None:
    form = {
        "organization": str(getattr(world, organization)),
        "name": "Sneaky",
        "grant": "client_credentials",
        "owner": str(getattr(world, owner)),
        "active": "y",
    }

    response = post_form(logged_in(app, viewer), path, form)

    assert response.status_code == 200  # the form again, with an error
    assert SECRET_NOTICE not in response.get_data(as_text=True)
    assert application_count(app) == len(ALL_NAMES)


@pytest.mark.parametrize(("viewer", "organization"), [("bob", "acme"), ("gus", "other")])
def test_a_user_cannot_create_a_password_application_it_could_not_own(
    app: Flask, world: World, viewer: str, organization: str
) -> None:
    form = {
        "organization": str(getattr(world, organization)),
        "name": "Unowned",
        "grant": "password",
        "active": "y",
    }

    response = post_form(logged_in(app, viewer), CREATE, form)

    assert SECRET_NOTICE not in response.get_data(as_text=True)
    assert application_count(app) == len(ALL_NAMES)


def test_an_administrator_may_create_a_password_application(app: Flask, world: World) -> None:
    form = {"name": "Admin Password", "grant": "password", "active": "y"}

    response = post_form(logged_in(app, "alice"), CREATE, form)

    assert response.status_code == 200
    assert SECRET_NOTICE in response.get_data(as_text=True)
    assert application_count(app) == len(ALL_NAMES) + 1


def test_a_preset_owner_wins_over_another_owner_slipped_into_the_post(
    app: Flask, world: World
) -> None:
    form = {"name": "Swapped", "grant": "client_credentials", "owner": str(world.oscar)}

    response = post_form(logged_in(app, "alice"), f"{CREATE}?owner={world.bob}", form)

    assert response.status_code == 200
    with app.app_context():
        created = db.session.scalar(db.select(OAuthApplication).filter_by(name="Swapped"))
        assert created is not None
        assert (created.user_id, created.organization_id) == (world.bob, world.acme)


# CSRF, methods and anonymous visitors -------------------------------------------------------


def post_paths(world: World) -> list[tuple[str, dict[str, str]]]:
    app_path = f"/admin/oauth2/{world.alice_cc}"
    create_form = {"name": "No Token", "grant": "password", "organization": str(world.acme)}
    return [
        (CREATE, create_form),
        (FRONTEND_CREATE, create_form),
        (f"{app_path}/edit", {"name": "No Token", "active": "y"}),
        (f"{app_path}/activate", {}),
        (f"{app_path}/deactivate", {}),
        (f"{app_path}/delete", {}),
        (f"{app_path}/regenerate-secret", {}),
    ]


POST_IDS = ["create", "frontend-create", "edit", "activate", "deactivate", "delete", "regenerate"]


@pytest.mark.parametrize("route", range(len(POST_IDS)), ids=POST_IDS)
@pytest.mark.parametrize("token", [False, "not-a-token"], ids=["no-token", "bad-token"])
def test_a_post_without_a_valid_csrf_token_is_a_400_and_changes_nothing(
    app: Flask, world: World, route: int, token: bool | str
) -> None:
    set_active(app, world.alice_cc, False)
    before = snapshot(app, world.alice_cc)
    path, form = post_paths(world)[route]

    response = post_form(logged_in(app, "root"), path, form, token=token)

    assert response.status_code == 400
    assert CSRF_MESSAGE in response.get_data(as_text=True)
    assert snapshot(app, world.alice_cc) == before
    assert application_count(app) == len(ALL_NAMES)


def test_a_get_on_activate_is_not_allowed(app: Flask, world: World) -> None:
    response = logged_in(app, "root").get(f"/admin/oauth2/{world.bob_cc}/activate")

    assert response.status_code == 405


def test_a_405_names_the_allowed_method(app: Flask, world: World) -> None:
    response = logged_in(app, "root").get(f"/admin/oauth2/{world.bob_cc}/activate")

    assert response.status_code == 405
    assert "POST" in response.headers.get("Allow", "")


@pytest.mark.parametrize("path", [GRID, FRONTEND_GRID, "/admin/oauth2/{id}"])
def test_a_post_on_a_read_only_page_is_not_allowed(app: Flask, world: World, path: str) -> None:
    client = logged_in(app, "root")

    response = post_form(client, path.format(id=world.bob_cc))

    assert response.status_code == 405


def anonymous_paths(world: World) -> list[str]:
    app_path = f"/admin/oauth2/{world.alice_cc}"
    return [GRID, FRONTEND_GRID, CREATE, FRONTEND_CREATE, *(app_path + page for page in PAGES)]


ANONYMOUS_IDS = [
    "grid",
    "frontend-grid",
    "create",
    "frontend-create",
    "view",
    "edit",
    "deactivate",
    "delete",
    "regenerate",
]


@pytest.mark.parametrize("route", range(len(ANONYMOUS_IDS)), ids=ANONYMOUS_IDS)
def test_an_anonymous_visitor_is_sent_to_the_login_page(
    client: FlaskClient, world: World, route: int
) -> None:
    path = anonymous_paths(world)[route]

    response = client.get(path)

    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/login"
    assert "Alice CC" not in response.get_data(as_text=True)


@pytest.mark.parametrize("route", range(len(POST_IDS)), ids=POST_IDS)
def test_an_anonymous_post_with_a_token_is_sent_to_the_login_page_and_changes_nothing(
    client: FlaskClient, app: Flask, world: World, route: int
) -> None:
    before = snapshot(app, world.alice_cc)
    path, form = post_paths(world)[route]

    response = post_form(client, path, form, token=form_token(client, "/login"))

    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/login"
    assert snapshot(app, world.alice_cc) == before
    assert application_count(app) == len(ALL_NAMES)
