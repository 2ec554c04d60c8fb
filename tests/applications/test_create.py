"""The create form: its fields, the owners it offers, and every way a POST is refused."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from oauthapp.extensions import db
from oauthapp.keys import KEYS_MISSING_WARNING
from oauthapp.models import OAuthApplication, Organization
from tests.applications.conftest import (
    CREATE,
    FRONTEND_CREATE,
    World,
    build_world,
    logged_in,
    post_form,
)
from tests.factories import make_user

CREATED = "OAuth application has been created"  # then ": " and the name
BLANK = "This value should not be blank."
TOO_LONG = "This value is too long. It should have 255 characters or less."
DUPLICATE = "An application with this name already exists for this organization and owner."
NOT_LISTED = "Choose one of the listed users."
NOT_A_MEMBER = "The owner does not belong to the selected organization."
NOT_A_CHOICE = "Not a valid choice."
MARK = '<span class="required-mark" aria-hidden="true"> *</span>'  # a required field's
WORLD_SIZE = 6  # the applications of the world fixture


def page_of(response: TestResponse) -> str:
    return response.get_data(as_text=True)


def application_count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(OAuthApplication)) or 0


def created(app: Flask, name: str) -> OAuthApplication | None:
    """The application of that name, loaded with its columns (detached)."""
    with app.app_context():
        found = db.session.scalar(db.select(OAuthApplication).filter_by(name=name))
        if found is not None:
            db.session.expunge(found)
        return found


def field_wrapper(page: str, name: str) -> str:
    """The HTML of the wrapper (div.field or fieldset.field) of the control with that name."""
    for match in re.finditer(r'<(div|fieldset) class="field[^"]*"[^>]*>.*?</\1>', page, re.DOTALL):
        if f'name="{name}"' in match.group(0):
            return match.group(0)
    raise AssertionError(f"no field wrapper for {name!r}")


def field_errors(page: str, name: str) -> list[str]:
    """The validation messages shown in the wrapper of that field."""
    wrapper = field_wrapper(page, name)
    lists = re.findall(r'<ul class="field-errors"[^>]*>(.*?)</ul>', wrapper, re.DOTALL)
    return [html.unescape(item) for block in lists for item in re.findall(r"<li>(.*?)</li>", block)]


def all_field_errors(page: str) -> list[str]:
    return [html.unescape(item) for item in re.findall(r"<li>([^<]*)</li>", _error_lists(page))]


def _error_lists(page: str) -> str:
    return "".join(re.findall(r'<ul class="field-errors"[^>]*>.*?</ul>', page, re.DOTALL))


def owner_options(page: str) -> list[tuple[str, str, str | None]]:
    """(value, label, data-organizations) of each option of the Users select."""
    select = re.search(r'<select[^>]*name="owner"[^>]*>(.*?)</select>', page, re.DOTALL)
    assert select, "no Users select"
    options = []
    for attrs, label in re.findall(r"<option([^>]*)>(.*?)</option>", select.group(1)):
        value = re.search(r'value="([^"]*)"', attrs)
        orgs = re.search(r'data-organizations="([^"]*)"', attrs)
        options.append(
            (value.group(1) if value else "", html.unescape(label), orgs.group(1) if orgs else None)
        )
    return options


def grant_choices(page: str) -> list[tuple[str, str]]:
    """(value, label) of each Grants radio button."""
    pattern = r'<label class="choice"><input [^>]*name="grant"[^>]*value="([^"]*)"[^>]*>([^<]+)<'
    found = re.findall(pattern, page)
    return [(value, label.strip()) for value, label in found]


def form_of(world: World, **changes: Any) -> dict[str, Any]:
    """A valid client-credentials create form for alice in Acme, with some values changed."""
    form = {
        "organization": str(world.acme),
        "name": "New CC",
        "active": "y",
        "grant": "client_credentials",
        "owner": str(world.alice),
    }
    form.update(changes)
    return {key: value for key, value in form.items() if value is not None}


def assert_refused(app: Flask, response: TestResponse) -> str:
    """The form came back (200) without the created flash, and no application was added."""
    page = page_of(response)
    assert response.status_code == 200
    assert CREATED not in page
    assert 'id="client-secret"' not in page
    assert application_count(app) == WORLD_SIZE
    return page


# The form ----------------------------------------------------------------------------------


def test_the_form_has_name_active_grants_users_and_create(app: Flask, world: World) -> None:
    response = logged_in(app, "alice").get(CREATE)
    page = page_of(response)

    assert response.status_code == 200
    assert f'<label for="name">Application Name{MARK}</label>' in page
    assert '<label for="active">Active</label>' in page
    assert re.search(r'<input checked id="active" name="active" type="checkbox"', page)
    assert f"<legend>Grants{MARK}</legend>" in page
    assert grant_choices(page) == [
        ("authorization_code", "Authorization Code"),
        ("client_credentials", "Client Credentials"),
        ("password", "Password"),
    ]
    assert f'<label for="owner">Users{MARK}</label>' in page
    assert re.search(r'<input [^>]*type="submit" value="Create">', page)


def test_a_user_of_one_organization_is_not_asked_for_the_organization(
    app: Flask, world: World
) -> None:
    page = page_of(logged_in(app, "alice").get(CREATE))

    assert 'name="organization"' not in page
    assert ">Organization</label>" not in page


def test_a_user_who_sees_every_organization_chooses_among_them(app: Flask, world: World) -> None:
    page = page_of(logged_in(app, "root").get(CREATE))

    assert f'<label for="organization">Organization{MARK}</label>' in page
    select = re.search(r'<select[^>]*name="organization"[^>]*>(.*?)</select>', page, re.DOTALL)
    assert select
    options = re.findall(r'<option[^>]*value="(\d+)"[^>]*>([^<]*)</option>', select.group(1))
    assert options == [
        (str(world.acme), "Acme"),
        (str(world.main), "Main"),
        (str(world.other), "Other Corp"),
    ]


def test_a_user_of_two_organizations_chooses_between_just_those(app: Flask, world: World) -> None:
    with app.app_context():
        acme = db.session.get(Organization, world.acme)
        other = db.session.get(Organization, world.other)
        assert acme is not None and other is not None
        make_user("dora", orgs=[acme, other])

    page = page_of(logged_in(app, "dora").get(CREATE))

    select = re.search(r'<select[^>]*name="organization"[^>]*>(.*?)</select>', page, re.DOTALL)
    assert select
    assert re.findall(r">([^<]+)</option>", select.group(1)) == ["Acme", "Other Corp"]


def test_the_users_list_holds_the_users_of_the_viewers_organization(
    app: Flask, world: World
) -> None:
    page = page_of(logged_in(app, "alice").get(CREATE))

    assert owner_options(page) == [
        ("", "Choose a user…", None),
        (str(world.alice), "alice", str(world.acme)),
        (str(world.bob), "bob", str(world.acme)),
    ]


def test_the_users_list_of_a_global_user_holds_every_user_with_its_organizations(
    app: Flask, world: World
) -> None:
    page = page_of(logged_in(app, "root").get(CREATE))

    assert owner_options(page)[1:] == [
        (str(world.alice), "alice", str(world.acme)),
        (str(world.bob), "bob", str(world.acme)),
        (str(world.gus), "gus", str(world.main)),
        (str(world.oscar), "oscar", str(world.other)),
        (str(world.root), "root", str(world.main)),
    ]


@pytest.mark.parametrize(
    ("viewer", "customers"),
    [("alice", ["carol"]), ("oscar", ["olga"]), ("root", ["carol", "olga"])],
)
def test_the_storefront_users_list_holds_customer_users(
    app: Flask, world: World, viewer: str, customers: list[str]
) -> None:
    response = logged_in(app, viewer).get(FRONTEND_CREATE)
    options = owner_options(page_of(response))

    assert response.status_code == 200
    assert options[0] == ("", "Choose a customer user…", None)
    organization_of = {"carol": world.acme, "olga": world.other}
    assert [(value, orgs) for value, _, orgs in options[1:]] == [
        (str(getattr(world, customer)), str(organization_of[customer])) for customer in customers
    ]


def test_a_preset_owner_is_the_only_user_offered_and_client_credentials_the_only_grant(
    app: Flask, world: World
) -> None:
    response = logged_in(app, "alice").get(CREATE, query_string={"owner": world.bob})
    page = page_of(response)

    assert response.status_code == 200
    assert owner_options(page) == [(str(world.bob), "bob", str(world.acme))]
    assert re.search(rf'<option [^>]*selected[^>]*value="{world.bob}"', page)
    assert grant_choices(page) == [("client_credentials", "Client Credentials")]
    assert 'value="password"' not in page


def test_a_preset_customer_owner_is_the_only_customer_offered(app: Flask, world: World) -> None:
    response = logged_in(app, "root").get(FRONTEND_CREATE, query_string={"owner": world.olga})
    page = page_of(response)

    assert response.status_code == 200
    assert [value for value, _, _ in owner_options(page)] == [str(world.olga)]
    assert grant_choices(page) == [("client_credentials", "Client Credentials")]


# Creating ----------------------------------------------------------------------------------


def test_a_valid_form_creates_the_application_as_posted(app: Flask, world: World) -> None:
    response = post_form(logged_in(app, "alice"), CREATE, form_of(world, owner=str(world.bob)))

    assert response.status_code == 200
    assert CREATED in page_of(response)
    new = created(app, "New CC")
    assert new is not None
    assert (new.organization_id, new.kind, new.grant_type) == (
        world.acme,
        "backoffice",
        "client_credentials",
    )
    assert (new.user_id, new.customer_user_id, new.active) == (world.bob, None, True)
    assert application_count(app) == WORLD_SIZE + 1


def test_an_unticked_active_box_creates_an_inactive_application(app: Flask, world: World) -> None:
    response = post_form(logged_in(app, "alice"), CREATE, form_of(world, active=None))

    assert response.status_code == 200
    new = created(app, "New CC")
    assert new is not None and new.active is False


def test_the_name_is_stored_without_surrounding_spaces(app: Flask, world: World) -> None:
    response = post_form(logged_in(app, "alice"), CREATE, form_of(world, name="  Trimmed  "))

    assert response.status_code == 200
    assert created(app, "Trimmed") is not None


def test_a_name_of_255_characters_is_accepted(app: Flask, world: World) -> None:
    name = "n" * 255

    response = post_form(logged_in(app, "alice"), CREATE, form_of(world, name=name))

    assert response.status_code == 200
    assert CREATED in page_of(response)
    assert created(app, name) is not None


def test_a_password_application_ignores_a_posted_owner(app: Flask, world: World) -> None:
    form = form_of(world, name="New Password", grant="password", owner=str(world.bob))

    response = post_form(logged_in(app, "alice"), CREATE, form)

    assert response.status_code == 200
    assert CREATED in page_of(response)
    new = created(app, "New Password")
    assert new is not None
    assert (new.grant_type, new.user_id, new.customer_user_id) == ("password", None, None)


def test_a_password_application_needs_no_owner(app: Flask, world: World) -> None:
    form = form_of(world, name="New Password", grant="password", owner=None)

    response = post_form(logged_in(app, "alice"), CREATE, form)

    assert response.status_code == 200
    assert created(app, "New Password") is not None


def test_the_same_name_for_another_owner_is_fine(app: Flask, world: World) -> None:
    form = form_of(world, name="Alice CC", owner=str(world.bob))

    response = post_form(logged_in(app, "alice"), CREATE, form)

    assert response.status_code == 200
    assert CREATED in page_of(response)
    assert application_count(app) == WORLD_SIZE + 1


def test_a_global_administrator_creates_in_the_chosen_organization(
    app: Flask, world: World
) -> None:
    form = form_of(world, organization=str(world.other), owner=str(world.oscar))

    response = post_form(logged_in(app, "root"), CREATE, form)

    assert response.status_code == 200
    new = created(app, "New CC")
    assert new is not None and (new.organization_id, new.user_id) == (world.other, world.oscar)


def test_a_storefront_application_is_owned_by_the_chosen_customer(app: Flask, world: World) -> None:
    form = form_of(world, name="New Store", owner=str(world.carol))

    response = post_form(logged_in(app, "alice"), FRONTEND_CREATE, form)

    assert response.status_code == 200
    new = created(app, "New Store")
    assert new is not None
    assert (new.kind, new.customer_user_id, new.user_id) == ("storefront", world.carol, None)


# Validation: each refused POST shows its message next to the field and creates nothing ------


@pytest.mark.parametrize(
    ("name", "message"),
    [
        pytest.param("", BLANK, id="blank"),
        pytest.param("   ", BLANK, id="whitespace"),
        pytest.param("n" * 256, TOO_LONG, id="256-characters"),
    ],
)
def test_a_bad_name_is_refused_next_to_the_name_field(
    app: Flask, world: World, name: str, message: str
) -> None:
    response = post_form(logged_in(app, "alice"), CREATE, form_of(world, name=name))

    page = assert_refused(app, response)
    assert field_errors(page, "name") == [message]
    assert 'class="field has-error"' in field_wrapper(page, "name")


def test_a_missing_name_is_refused_next_to_the_name_field(app: Flask, world: World) -> None:
    response = post_form(logged_in(app, "alice"), CREATE, form_of(world, name=None))

    page = assert_refused(app, response)
    assert field_errors(page, "name") == [BLANK]


@pytest.mark.parametrize("name", ["Alice CC", "  Alice CC  "], ids=["same", "padded"])
def test_a_duplicate_name_for_the_same_organization_and_owner_is_refused(
    app: Flask, world: World, name: str
) -> None:
    response = post_form(logged_in(app, "alice"), CREATE, form_of(world, name=name))

    page = assert_refused(app, response)
    assert field_errors(page, "name") == [DUPLICATE]


def test_a_duplicate_password_application_name_in_the_organization_is_refused(
    app: Flask, world: World
) -> None:
    form = form_of(world, name="Acme Password", grant="password", owner=None)

    response = post_form(logged_in(app, "alice"), CREATE, form)

    page = assert_refused(app, response)
    assert field_errors(page, "name") == [DUPLICATE]


def test_client_credentials_without_an_owner_are_refused_next_to_the_users_field(
    app: Flask, world: World
) -> None:
    response = post_form(logged_in(app, "alice"), CREATE, form_of(world, owner=""))

    page = assert_refused(app, response)
    assert field_errors(page, "owner") == ["Choose the user who will own the application."]
    assert field_errors(page, "name") == []


@pytest.mark.parametrize(
    ("viewer", "message"),
    [("alice", NOT_LISTED), ("root", NOT_A_MEMBER)],
    ids=["acme-admin", "global-admin"],
)
def test_an_owner_from_another_organization_is_refused_next_to_the_users_field(
    app: Flask, world: World, viewer: str, message: str
) -> None:
    response = post_form(logged_in(app, viewer), CREATE, form_of(world, owner=str(world.oscar)))

    page = assert_refused(app, response)
    assert field_errors(page, "owner") == [message]


@pytest.mark.parametrize("owner", ["abc", "1.5", "-1", "99999"])
def test_an_owner_that_is_not_a_listed_user_is_refused(
    app: Flask, world: World, owner: str
) -> None:
    response = post_form(logged_in(app, "alice"), CREATE, form_of(world, owner=owner))

    page = assert_refused(app, response)
    assert field_errors(page, "owner") == [NOT_LISTED]


@pytest.mark.parametrize("organization", ["99999", "abc", ""])
def test_an_unknown_organization_is_refused_next_to_the_organization_field(
    app: Flask, world: World, organization: str
) -> None:
    form = form_of(world, organization=organization)

    response = post_form(logged_in(app, "root"), CREATE, form)

    page = assert_refused(app, response)
    assert field_errors(page, "organization") == [NOT_A_CHOICE]


@pytest.mark.parametrize("organization", ["99999", "other"])
def test_a_refused_organization_is_explained_to_a_user_of_one_organization(
    app: Flask, world: World, organization: str
) -> None:
    value = str(world.other) if organization == "other" else organization

    response = post_form(logged_in(app, "alice"), CREATE, form_of(world, organization=value))

    page = assert_refused(app, response)
    assert all_field_errors(page) or 'class="alert alert-error"' in page


@pytest.mark.parametrize("grant", ["implicit", "refresh_token", ""])
def test_an_unknown_grant_is_refused_next_to_the_grants_field(
    app: Flask, world: World, grant: str
) -> None:
    response = post_form(logged_in(app, "alice"), CREATE, form_of(world, grant=grant))

    page = assert_refused(app, response)
    wrapper = field_wrapper(page, "grant")
    assert wrapper.startswith('<fieldset class="field has-error" id="grant-field">')
    assert len(field_errors(page, "grant")) == 1


def test_a_refused_form_keeps_what_was_typed(app: Flask, world: World) -> None:
    form = form_of(world, name="Kept & typed", owner="")

    response = post_form(logged_in(app, "alice"), CREATE, form)

    page = assert_refused(app, response)
    assert 'value="Kept &amp; typed"' in field_wrapper(page, "name")


def test_a_storefront_form_refuses_a_customer_of_another_organization(
    app: Flask, world: World
) -> None:
    form = form_of(world, name="New Store", owner=str(world.olga))

    response = post_form(logged_in(app, "root"), FRONTEND_CREATE, form)

    page = assert_refused(app, response)
    assert field_errors(page, "owner") == [NOT_A_MEMBER]


# Keys --------------------------------------------------------------------------------------


def test_missing_keys_disable_create_and_show_the_warning(keyless_app: Flask) -> None:
    with keyless_app.app_context():
        build_world()

    response = logged_in(keyless_app, "alice").get(CREATE)
    page = page_of(response)

    assert response.status_code == 200
    assert KEYS_MISSING_WARNING in page
    assert re.search(r'<input [^>]*disabled[^>]*type="submit" value="Create">', page)


def test_creating_with_missing_keys_is_refused_with_the_warning(keyless_app: Flask) -> None:
    with keyless_app.app_context():
        world = build_world()

    response = post_form(logged_in(keyless_app, "alice"), CREATE, form_of(world))

    page = assert_refused(keyless_app, response)
    alert = re.search(r'<div class="alert alert-error" role="alert">(.*?)</div>', page, re.DOTALL)
    assert alert and KEYS_MISSING_WARNING in alert.group(1)
    assert created(keyless_app, "New CC") is None
