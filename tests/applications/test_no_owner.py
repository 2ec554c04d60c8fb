"""An organization where nobody may own a Client Credentials application says so on the create
form, and what to do instead; required fields are marked."""

from __future__ import annotations

import html
import re

from flask import Flask
from werkzeug.test import TestResponse

from oauthapp.extensions import db
from oauthapp.models import OAuthApplication, Organization
from tests.applications.conftest import CREATE, FRONTEND_CREATE, World, logged_in, post_form
from tests.applications.test_create import field_errors, owner_options
from tests.factories import make_org, make_user

NO_CUSTOMERS = (
    "Empty Shop has no customer users yet, so nobody can own a Client Credentials application "
    "there. Add a customer user to Empty Shop first (an operator runs flask --app app customers "
    "create), or choose the Authorization Code or Password grant, which needs no owner."
)
NOT_A_MEMBER = (
    "You may create Client Credentials applications only for yourself, and you are not a member "
    "of Acme: choose the Authorization Code or Password grant, which needs no owner, or ask an "
    "administrator."
)


def page_of(response: TestResponse) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def no_owner_hint(page: str) -> tuple[str, bool] | None:
    """The text of the Users field's "nobody may own" hint, and whether it is shown."""
    found = re.search(
        r'<p class="hint no-owner" id="owner-empty" data-owner-empty( hidden)?>(.*?)</p>',
        page,
        re.DOTALL,
    )
    if found is None:
        return None
    return html.unescape(found.group(2)), found.group(1) is None


def empty_shop(app: Flask) -> int:
    """An organization without customer users, administered by ed."""
    with app.app_context():
        shop = make_org("Empty Shop")
        make_user("ed", orgs=[shop])
        return shop.id


def administrator_of(app: Flask, username: str, organization_id: int, other: str) -> int:
    """USERNAME administers that organization and a new one named OTHER (its id)."""
    with app.app_context():
        second = make_org(other)
        make_user(username, orgs=[db.session.get(Organization, organization_id), second])
        return second.id


def test_a_storefront_form_without_customer_users_says_why_and_what_to_do(
    app: Flask, world: World
) -> None:
    shop = empty_shop(app)
    page = page_of(logged_in(app, "ed").get(FRONTEND_CREATE))

    assert owner_options(page) == [("", "Choose a customer user…", None)]
    assert no_owner_hint(page) == (NO_CUSTOMERS, True)
    select = re.search(r'<select[^>]*name="owner"[^>]*>', page)
    assert select and 'aria-describedby="owner-empty"' in select.group(0)

    form = {"organization": str(shop), "name": "Shop feed", "grant": "client_credentials"}
    refused = page_of(post_form(logged_in(app, "ed"), FRONTEND_CREATE, {**form, "owner": ""}))
    assert field_errors(refused, "owner") == [NO_CUSTOMERS]
    assert "This value should not be blank." not in refused


def test_the_password_grant_is_still_open_there(app: Flask, world: World) -> None:
    shop = empty_shop(app)
    form = {"organization": str(shop), "name": "Shop login", "grant": "password", "active": "y"}
    response = post_form(logged_in(app, "ed"), FRONTEND_CREATE, form)
    assert response.status_code == 200 and "Client Secret" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(OAuthApplication.id).filter_by(name="Shop login"))


def test_each_organization_without_owners_carries_why_for_the_organization_select(
    app: Flask, world: World
) -> None:
    shop = administrator_of(app, "dora", world.acme, "Empty Shop")
    client = logged_in(app, "dora")
    page = page_of(client.get(FRONTEND_CREATE))

    select = re.search(r'<select[^>]*name="organization"[^>]*>(.*?)</select>', page, re.DOTALL)
    assert select
    options = {
        label: attrs
        for attrs, label in re.findall(r"<option ([^>]*)>([^<]+)</option>", select.group(1))
    }
    assert "data-no-owner" not in options["Acme"]
    assert html.unescape(options["Empty Shop"]).count(NO_CUSTOMERS) == 1
    assert no_owner_hint(page) == ("", False)  # Acme, shown first, has carol

    chosen = page_of(client.get(FRONTEND_CREATE, query_string={"organization": shop}))
    assert no_owner_hint(chosen) == (NO_CUSTOMERS, True)
    form = {"organization": str(shop), "name": "Feed", "grant": "client_credentials", "owner": ""}
    refused = page_of(post_form(client, FRONTEND_CREATE, form))
    assert field_errors(refused, "owner") == [NO_CUSTOMERS]
    assert no_owner_hint(refused) == (NO_CUSTOMERS, True)


def test_a_global_user_role_is_told_it_may_own_only_where_it_belongs(
    app: Flask, world: World
) -> None:
    page = page_of(logged_in(app, "gus").get(CREATE))  # Acme comes first; gus is in Main only
    assert no_owner_hint(page) == (NOT_A_MEMBER, True)


def test_a_blank_owner_where_owners_exist_asks_for_one_customer_user(
    app: Flask, world: World
) -> None:
    form = {"organization": str(world.acme), "name": "Feed", "grant": "client_credentials"}
    refused = page_of(post_form(logged_in(app, "alice"), FRONTEND_CREATE, {**form, "owner": ""}))
    assert field_errors(refused, "owner") == [
        "Choose the customer user who will own the application."
    ]
    assert no_owner_hint(refused) == ("", False)


def test_a_preset_owner_needs_no_hint(app: Flask, world: World) -> None:
    page = page_of(logged_in(app, "alice").get(CREATE, query_string={"owner": world.bob}))
    assert no_owner_hint(page) is None


def test_required_fields_are_marked_and_the_mark_explained(app: Flask, world: World) -> None:
    administrator_of(app, "dora", world.acme, "Second")
    page = page_of(logged_in(app, "dora").get(CREATE))

    assert '<span class="required-mark" aria-hidden="true">*</span> marks a required field.' in page
    mark = '<span class="required-mark" aria-hidden="true"> *</span>'
    for name, label in (("organization", "Organization"), ("name", "Application Name"),
                        ("owner", "Users")):  # fmt: skip
        assert f'<label for="{name}">{label}{mark}</label>' in page
        control = re.search(rf'<(input|select)[^>]*name="{name}"[^>]*>', page)
        assert control, name
        assert " required" in control.group(0) and 'aria-required="true"' in control.group(0)
    assert f"<legend>Grants{mark}</legend>" in page
    assert f"<legend>Redirect URLs{mark}</legend>" in page
    radios = re.findall(r'<input[^>]*name="grant"[^>]*>', page)
    assert radios and all(" required" in radio for radio in radios)
