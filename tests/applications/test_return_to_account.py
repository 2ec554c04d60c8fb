"""Add Application and the row actions on an account page return to that page.

The page's path travels as `next` through the create form, its POST, the 303 and the one-time
page, whose Done and breadcrumbs lead back; only account pages the viewer may see are accepted.
"""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from oauthapp.extensions import db
from oauthapp.models import OAuthApplication
from tests.applications.conftest import (
    CREATE,
    FRONTEND_CREATE,
    World,
    logged_in,
    post_form,
)

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_FORM_TOKEN = re.compile(r'name="form_token"[^>]*value="([^"]+)"')
_BREADCRUMBS = re.compile(r'<nav class="breadcrumbs"[^>]*>(.*?)</nav>', re.DOTALL)
_DONE = re.compile(r'<a class="button primary" href="([^"]*)">Done</a>')


def text(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, f"GET {path} answered {response.status_code}"
    return response.get_data(as_text=True)


def breadcrumbs(page: str) -> list[str]:
    """The steps of the page's breadcrumbs, as read (tags dropped, spaces squeezed)."""
    found = _BREADCRUMBS.search(page)
    assert found, "no breadcrumbs on the page"
    steps = re.findall(r"<li>(.*?)</li>", found.group(1), re.DOTALL)
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", step)).split()) for step in steps]


def create_from_page(
    client: FlaskClient, add_url: str, owner: int, name: str, organization: int
) -> str:
    """Open ADD_URL as the Add Application link does, send the form; the 303's Location."""
    form_page = text(client, add_url)
    csrf, token = _CSRF.search(form_page), _FORM_TOKEN.search(form_page)
    assert csrf and token
    data = {
        "csrf_token": csrf.group(1),
        "form_token": html.unescape(token.group(1)),
        "organization": str(organization),
        "name": name,
        "active": "y",
        "grant": "client_credentials",
        "owner": str(owner),
    }
    next_field = re.search(r'<input type="hidden" name="next" value="([^"]*)">', form_page)
    if next_field:
        data["next"] = html.unescape(next_field.group(1))
    response = client.post(urlsplit(add_url).path, data=data)  # the form's own fields only
    assert response.status_code == 303, response.status_code
    return response.headers["Location"]


def add_url_on(page: str) -> str:
    found = re.search(r'<a class="button primary" href="([^"]+)">Add Application</a>', page)
    assert found, "no Add Application link"
    return html.unescape(found.group(1))


def test_add_application_on_a_user_page_returns_there_after_done(app: Flask, world: World) -> None:
    client = logged_in(app, "alice")
    user_page = f"/admin/users/{world.bob}"
    add_url = add_url_on(text(client, user_page))
    assert parse_qs(urlsplit(add_url).query) == {"owner": [str(world.bob)], "next": [user_page]}

    form = text(client, add_url)
    assert breadcrumbs(form) == [
        "System",
        "User Management",
        "Users",
        "bob",
        "Create OAuth Application",
    ]
    assert f'<a class="button" href="{user_page}">Cancel</a>' in form

    location = create_from_page(client, add_url, world.bob, "Bob's reporter", world.acme)
    assert parse_qs(urlsplit(location).query) == {"next": [user_page]}
    one_time = text(client, location)
    assert "Client Secret" in one_time
    assert _DONE.findall(one_time) == [user_page]
    assert breadcrumbs(one_time) == ["System", "User Management", "Users", "bob", "Bob's reporter"]
    assert f'<a href="{user_page}"><span class="cut" title="bob">bob</span></a>' in one_time

    again = text(client, location)  # the secret is gone; the way back stays
    assert f'<a class="button" href="{user_page}">Back to bob</a>' in again


def test_add_application_on_my_user_returns_to_my_user(app: Flask, world: World) -> None:
    client = logged_in(app, "bob")
    add_url = add_url_on(text(client, "/admin/profile"))
    location = create_from_page(client, add_url, world.bob, "My own", world.acme)
    one_time = text(client, location)
    assert _DONE.findall(one_time) == ["/admin/profile"]
    assert breadcrumbs(one_time) == ["My User", "My own"]


def test_add_application_on_a_customer_user_page_returns_there(app: Flask, world: World) -> None:
    client = logged_in(app, "alice")
    customer_page = f"/admin/customer-users/{world.carol}"
    add_url = add_url_on(text(client, customer_page))
    assert urlsplit(add_url).path == FRONTEND_CREATE
    location = create_from_page(client, add_url, world.carol, "Carol's shop", world.acme)
    one_time = text(client, location)
    assert _DONE.findall(one_time) == [customer_page]
    assert breadcrumbs(one_time) == [
        "Customers",
        "Customer Users",
        "carol@example.com",
        "Carol's shop",
    ]


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/admin/users/1",
        "//evil.example/admin/users/1",
        "/\\evil.example",
        "javascript:alert(1)",
        "/admin/oauth2/",  # a page here, but not an account page
        "/admin/users/999999",  # no such user
        "/admin/users/{oscar}",  # a user alice may not see
        "/admin/customer-users/{olga}",
    ],
)
def test_anything_but_an_account_page_the_viewer_sees_is_ignored(
    app: Flask, world: World, target: str
) -> None:
    client = logged_in(app, "alice")
    target = target.format(oscar=world.oscar, olga=world.olga)
    add_url = f"{CREATE}?owner={world.alice}&next={target}"
    form = text(client, add_url)
    assert 'name="next"' not in form
    assert breadcrumbs(form) == [
        "System",
        "User Management",
        "OAuth Applications",
        "Create OAuth Application",
    ]

    location = create_from_page(client, add_url, world.alice, "Ignored", world.acme)
    assert "next" not in location and "evil" not in location
    with app.app_context():
        created = db.session.scalar(select(OAuthApplication.id).filter_by(name="Ignored"))
    page = text(client, location)
    assert _DONE.findall(page) == [f"/admin/oauth2/{created}"]
    assert "evil" not in page
    assert text(client, f"{location}?next={target}").count("evil") == 0


def test_the_block_on_a_user_page_has_the_grids_row_actions(app: Flask, world: World) -> None:
    client = logged_in(app, "alice")
    user_page = f"/admin/users/{world.bob}"
    page = text(client, user_page)
    menu = 'aria-label="More Options for Bob CC"'
    assert menu in page
    assert f'href="/admin/oauth2/{world.bob_cc}/edit"' in page
    assert f'href="/admin/oauth2/{world.bob_cc}/deactivate?next={user_page}"' in page
    assert f'href="/admin/oauth2/{world.bob_cc}/delete?next={user_page}"' in page


def test_deactivate_and_activate_from_a_user_page_return_there(app: Flask, world: World) -> None:
    client = logged_in(app, "alice")
    user_page = f"/admin/users/{world.bob}"
    confirm = f"/admin/oauth2/{world.bob_cc}/deactivate?next={user_page}"
    question = text(client, confirm)
    assert f'<a class="button" href="{user_page}">Cancel</a>' in question

    response = post_form(client, confirm, {"next": user_page})
    assert response.status_code == 302 and response.headers["Location"] == user_page
    page = text(client, user_page)
    assert "Deactivated successfully" in page
    assert f'action="/admin/oauth2/{world.bob_cc}/activate"' in page  # the menu offers Activate

    response = post_form(
        client, f"/admin/oauth2/{world.bob_cc}/activate", {"next": user_page}, token_from=user_page
    )
    assert response.status_code == 302 and response.headers["Location"] == user_page


def test_delete_from_a_customer_user_page_returns_there(app: Flask, world: World) -> None:
    client = logged_in(app, "alice")
    customer_page = f"/admin/customer-users/{world.carol}"
    page = text(client, customer_page)
    delete = f"/admin/oauth2/{world.carol_store}/delete?next={customer_page}"
    assert f'href="{delete}"' in page

    response = post_form(client, delete, {"next": customer_page})
    assert response.status_code == 302 and response.headers["Location"] == customer_page
    after = text(client, customer_page)
    assert re.search(r"Deleted successfully: <span[^>]*>Carol Store</span>", after)
    assert "No OAuth applications." in after


def test_a_user_role_viewer_sees_actions_only_on_its_own_applications(
    app: Flask, world: World
) -> None:
    page = text(logged_in(app, "bob"), "/admin/profile")
    assert 'aria-label="More Options for Bob CC"' in page
    assert "Alice CC" not in page


def test_under_a_path_prefix_the_way_back_keeps_the_prefix(app: Flask, world: World) -> None:
    client, base = logged_in(app, "alice"), "http://localhost/office/"
    page = client.get(f"/admin/users/{world.bob}", base_url=base).get_data(as_text=True)
    add_url = add_url_on(page)
    assert add_url.startswith("/office/admin/oauth2/create?")
    form_page = client.get(add_url.removeprefix("/office"), base_url=base).get_data(as_text=True)
    assert f'<input type="hidden" name="next" value="/office/admin/users/{world.bob}">' in form_page
    assert f'<a class="button" href="/office/admin/users/{world.bob}">Cancel</a>' in form_page

    carried = f"{CREATE}?owner={world.bob}&next=/office/admin/users/{world.bob}"  # as POSTed
    again = client.get(carried, base_url=base).get_data(as_text=True)
    assert f'<input type="hidden" name="next" value="/office/admin/users/{world.bob}">' in again

    origin = "/office/admin/users/99999"  # a prefix does not make an unknown page acceptable
    form_page = client.get(f"{CREATE}?owner={world.bob}&next={origin}", base_url=base)
    assert 'name="next"' not in form_page.get_data(as_text=True)
