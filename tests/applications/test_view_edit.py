"""The view and edit pages: what they show, what edit may change, and escaping of names."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from oauthapp.extensions import db
from oauthapp.models import Grant, OAuthApplication, Organization, User
from tests.applications.conftest import CREATE, World, logged_in, post_form
from tests.factories import make_application
from tests.token.helpers import client_credentials

UPDATED = "OAuth application has been updated"  # then ": " and the name
BLANK = "This value should not be blank."
TOO_LONG = "This value is too long. It should have 255 characters or less."
DUPLICATE = "An application with this name already exists for this organization and owner."
XSS = "<script>alert(1)</script>"
ESCAPED_XSS = "&lt;script&gt;alert(1)&lt;/script&gt;"
MINUTE = "%Y-%m-%d %H:%M UTC"


def page_of(response: TestResponse) -> str:
    return response.get_data(as_text=True)


def details(page: str) -> dict[str, str]:
    """The <dt>/<dd> pairs of a details list: label -> the HTML of the value."""
    block = re.search(r'<dl class="details">(.*?)</dl>', page, re.DOTALL)
    assert block, "no details list"
    pairs = re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", block.group(1), re.DOTALL)
    return {label: value.strip() for label, value in pairs}


def text_of(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


def stored(app: Flask, application_id: int) -> OAuthApplication:
    with app.app_context():
        found = db.session.get(OAuthApplication, application_id)
        assert found is not None
        db.session.expunge(found)
        return found


def name_errors(page: str) -> list[str]:
    """The messages in the wrapper of the Application Name field."""
    wrapper = re.search(r'<div class="field[^"]*">\s*<label for="name">.*?</div>', page, re.DOTALL)
    assert wrapper, "no name field"
    return [html.unescape(item) for item in re.findall(r"<li>(.*?)</li>", wrapper.group(0))]


def edit_path(application_id: int) -> str:
    return f"/admin/oauth2/{application_id}/edit"


# View --------------------------------------------------------------------------------------


def test_the_view_page_shows_the_applications_details(app: Flask, world: World) -> None:
    response = logged_in(app, "alice").get(f"/admin/oauth2/{world.alice_cc}")
    shown = details(page_of(response))
    application = stored(app, world.alice_cc)

    assert response.status_code == 200
    assert shown["Status"] == '<span class="badge badge-ok">Active</span>'
    assert shown["Client ID"] == f"<code>{world.client_ids['Alice CC']}</code>"
    assert shown["Application Name"] == "Alice CC"
    assert shown["Organization"] == "Acme"
    assert shown["Grants"] == "Client Credentials"
    assert shown["User"] == f'<a href="/admin/users/{world.alice}">alice</a>'
    assert shown["Created At"] == application.created_at.strftime(MINUTE)
    assert shown["Last Used At"] == "Never"


def test_the_view_page_has_the_name_as_its_heading_with_the_status_badge(
    app: Flask, world: World
) -> None:
    page = page_of(logged_in(app, "alice").get(f"/admin/oauth2/{world.bob_cc}"))

    assert '<h1>Bob CC <span class="badge badge-ok">Active</span></h1>' in page


def test_the_view_page_of_an_inactive_application_says_inactive(app: Flask, world: World) -> None:
    with app.app_context():
        application = db.session.get(OAuthApplication, world.bob_cc)
        assert application is not None
        application.active = False
        db.session.commit()

    shown = details(page_of(logged_in(app, "alice").get(f"/admin/oauth2/{world.bob_cc}")))

    assert shown["Status"] == '<span class="badge badge-off">Inactive</span>'


def test_the_view_page_of_a_password_application_shows_no_owner(app: Flask, world: World) -> None:
    shown = details(page_of(logged_in(app, "alice").get(f"/admin/oauth2/{world.acme_password}")))

    assert shown["Grants"] == "Password"
    assert text_of(shown["User"]) == "\N{EM DASH}"
    assert "<a " not in shown["User"]


def test_the_view_page_of_a_storefront_application_links_its_customer_user(
    app: Flask, world: World
) -> None:
    shown = details(page_of(logged_in(app, "alice").get(f"/admin/oauth2/{world.carol_store}")))

    assert shown["Customer User"] == f'<a href="/admin/customer-users/{world.carol}">Customer</a>'
    assert "User" not in shown


def test_last_used_at_shows_the_time_of_the_last_token_request(app: Flask, world: World) -> None:
    before = datetime.now(UTC).replace(second=0, microsecond=0)
    token = client_credentials(
        app.test_client(), world.client_ids["Alice CC"], world.secrets["Alice CC"]
    )
    after = datetime.now(UTC)
    assert token.status_code == 200

    shown = details(page_of(logged_in(app, "alice").get(f"/admin/oauth2/{world.alice_cc}")))

    used = datetime.strptime(shown["Last Used At"], MINUTE).replace(tzinfo=UTC)
    assert before <= used <= after
    assert stored(app, world.bob_cc).last_used_at is None  # only the application that was used


def test_the_view_page_offers_edit_deactivate_regenerate_and_delete(
    app: Flask, world: World
) -> None:
    page = page_of(logged_in(app, "alice").get(f"/admin/oauth2/{world.alice_cc}"))
    base = f"/admin/oauth2/{world.alice_cc}"

    for path, label in [
        (f"{base}/edit", "Edit"),
        (f"{base}/deactivate", "Deactivate"),
        (f"{base}/regenerate-secret", "Regenerate secret"),
        (f"{base}/delete", "Delete"),
    ]:
        assert re.search(rf'<a class="button[^"]*" href="{path}">{label}</a>', page), label


# Edit: what it shows -----------------------------------------------------------------------


def test_the_edit_page_shows_client_id_grant_and_owner_read_only(app: Flask, world: World) -> None:
    response = logged_in(app, "alice").get(edit_path(world.alice_cc))
    page = page_of(response)
    shown = details(page)

    assert response.status_code == 200
    assert shown["Client ID"] == f"<code>{world.client_ids['Alice CC']}</code>"
    assert shown["Organization"] == "Acme"
    assert shown["Grants"] == "Client Credentials"
    assert shown["User"] == f'<a href="/admin/users/{world.alice}">alice</a>'


def test_the_edit_form_has_inputs_only_for_name_and_active(app: Flask, world: World) -> None:
    page = page_of(logged_in(app, "alice").get(edit_path(world.alice_cc)))
    form = re.search(r'<form method="post" class="card form"[^>]*>(.*?)</form>', page, re.DOTALL)
    assert form

    names = re.findall(r'<(?:input|select|textarea)[^>]*name="([^"]+)"', form.group(1))
    assert sorted(names) == ["active", "csrf_token", "name", "submit"]
    assert re.search(r'<input [^>]*name="name"[^>]*value="Alice CC"', form.group(1))
    assert re.search(r'<input checked id="active" name="active" type="checkbox"', form.group(1))


def test_the_edit_form_of_an_inactive_application_leaves_active_unticked(
    app: Flask, world: World
) -> None:
    post_form(logged_in(app, "alice"), edit_path(world.bob_cc), {"name": "Bob CC"})

    page = page_of(logged_in(app, "alice").get(edit_path(world.bob_cc)))

    assert re.search(r'<input id="active" name="active" type="checkbox"', page)


# Edit: saving ------------------------------------------------------------------------------


def test_editing_renames_and_deactivates_with_the_updated_flash(app: Flask, world: World) -> None:
    client = logged_in(app, "alice")

    response = post_form(client, edit_path(world.alice_cc), {"name": "Alice Renamed"})

    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/oauth2/{world.alice_cc}"
    page = page_of(client.get(response.headers["Location"]))
    named = '<span class="cut" title="Alice Renamed">Alice Renamed</span>'
    assert f'<div class="flash flash-success" role="status">{UPDATED}: {named}</div>' in page
    assert details(page)["Application Name"] == "Alice Renamed"
    assert details(page)["Status"] == '<span class="badge badge-off">Inactive</span>'
    application = stored(app, world.alice_cc)
    assert (application.name, application.active) == ("Alice Renamed", False)


def test_editing_activates_an_inactive_application(app: Flask, world: World) -> None:
    client = logged_in(app, "alice")
    post_form(client, edit_path(world.alice_cc), {"name": "Alice CC"})
    assert stored(app, world.alice_cc).active is False

    response = post_form(client, edit_path(world.alice_cc), {"name": "Alice CC", "active": "y"})

    assert response.status_code == 302
    assert stored(app, world.alice_cc).active is True
    assert UPDATED in page_of(client.get(response.headers["Location"]))


def test_saving_an_unchanged_name_is_not_a_duplicate(app: Flask, world: World) -> None:
    response = post_form(
        logged_in(app, "alice"), edit_path(world.alice_cc), {"name": "Alice CC", "active": "y"}
    )

    assert response.status_code == 302
    assert stored(app, world.alice_cc).name == "Alice CC"


def test_the_new_name_is_stored_without_surrounding_spaces(app: Flask, world: World) -> None:
    response = post_form(
        logged_in(app, "alice"), edit_path(world.alice_cc), {"name": "  Alice Two  ", "active": "y"}
    )

    assert response.status_code == 302
    assert stored(app, world.alice_cc).name == "Alice Two"


@pytest.fixture
def alice_second(app: Flask, world: World) -> int:
    """A second client-credentials application of alice's in Acme: "Alice Second"."""
    with app.app_context():
        acme = db.session.get(Organization, world.acme)
        alice = db.session.get(User, world.alice)
        application, _ = make_application(
            acme, "Alice Second", Grant.CLIENT_CREDENTIALS, owner=alice
        )
        return application.id


@pytest.mark.parametrize(
    ("name", "message"),
    [
        pytest.param("", BLANK, id="blank"),
        pytest.param("   ", BLANK, id="whitespace"),
        pytest.param("n" * 256, TOO_LONG, id="256-characters"),
        pytest.param("Alice CC", DUPLICATE, id="duplicate"),
        pytest.param(" Alice CC ", DUPLICATE, id="padded-duplicate"),
    ],
)
def test_a_refused_edit_shows_the_message_and_keeps_the_old_name(
    app: Flask, world: World, alice_second: int, name: str, message: str
) -> None:
    response = post_form(
        logged_in(app, "alice"), edit_path(alice_second), {"name": name, "active": ""}
    )
    page = page_of(response)

    assert response.status_code == 200
    assert name_errors(page) == [message]
    assert UPDATED not in page
    application = stored(app, alice_second)
    assert (application.name, application.active) == ("Alice Second", True)


def test_the_name_of_another_owners_application_may_be_taken(
    app: Flask, world: World, alice_second: int
) -> None:
    response = post_form(
        logged_in(app, "alice"), edit_path(alice_second), {"name": "Bob CC", "active": "y"}
    )

    assert response.status_code == 302
    assert stored(app, alice_second).name == "Bob CC"


def test_extra_fields_posted_to_edit_change_nothing_else(app: Flask, world: World) -> None:
    before = stored(app, world.alice_cc)
    form: dict[str, Any] = {
        "name": "Alice CC",
        "active": "y",
        "grant": "password",
        "grant_type": "password",
        "owner": str(world.bob),
        "user_id": str(world.bob),
        "organization": str(world.other),
        "organization_id": str(world.other),
        "client_id": "stolen-client-id",
        "kind": "storefront",
    }

    response = post_form(logged_in(app, "root"), edit_path(world.alice_cc), form)

    assert response.status_code == 302
    after = stored(app, world.alice_cc)
    assert (
        after.grant_type,
        after.user_id,
        after.organization_id,
        after.client_id,
        after.kind,
        after.secret_hash,
    ) == (
        before.grant_type,
        before.user_id,
        before.organization_id,
        before.client_id,
        before.kind,
        before.secret_hash,
    )


# Escaping ----------------------------------------------------------------------------------


@pytest.fixture
def scripted(app: Flask, world: World) -> int:
    """An application of alice's named like a script."""
    with app.app_context():
        acme = db.session.get(Organization, world.acme)
        alice = db.session.get(User, world.alice)
        application, _ = make_application(acme, XSS, Grant.CLIENT_CREDENTIALS, owner=alice)
        return application.id


def assert_escaped(response: TestResponse) -> None:
    page = page_of(response)
    assert response.status_code == 200
    assert XSS not in page
    assert ESCAPED_XSS in page


@pytest.mark.parametrize("page", ["", "/edit", "/deactivate", "/delete", "/regenerate-secret"])
def test_a_script_in_the_name_is_escaped_on_the_pages_of_the_application(
    app: Flask, scripted: int, page: str
) -> None:
    assert_escaped(logged_in(app, "alice").get(f"/admin/oauth2/{scripted}{page}"))


def test_a_script_in_the_name_is_escaped_on_the_secret_page_after_create(
    app: Flask, world: World
) -> None:
    form = {"name": XSS, "active": "y", "grant": "client_credentials", "owner": str(world.alice)}

    response = post_form(logged_in(app, "alice"), CREATE, form)

    assert_escaped(response)
    assert "OAuth application has been created: " in page_of(response)
    assert f"<h1>{ESCAPED_XSS}</h1>" in page_of(response)


def test_a_script_in_the_name_is_escaped_on_the_secret_page_after_regenerate(
    app: Flask, scripted: int
) -> None:
    path = f"/admin/oauth2/{scripted}/regenerate-secret"

    assert_escaped(post_form(logged_in(app, "alice"), path))


def test_a_script_typed_into_edit_is_escaped_with_the_updated_flash(
    app: Flask, world: World
) -> None:
    client = logged_in(app, "alice")
    response = post_form(client, edit_path(world.bob_cc), {"name": XSS, "active": "y"})
    assert response.status_code == 302

    followed = client.get(response.headers["Location"])

    assert_escaped(followed)
    assert UPDATED in page_of(followed)


def test_a_script_refused_by_edit_is_escaped_in_the_form(
    app: Flask, world: World, scripted: int
) -> None:
    response = post_form(logged_in(app, "alice"), edit_path(scripted), {"name": XSS + "x" * 250})

    assert_escaped(response)
    assert name_errors(page_of(response)) == [TOO_LONG]
