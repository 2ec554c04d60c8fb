"""Activate, deactivate and delete: confirmation, flash, effect on tokens, the way back, CSRF."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from oauthapp.extensions import db
from oauthapp.models import OAuthApplication
from tests.applications.conftest import GRID, World, grid_names, logged_in, post_form
from tests.token.helpers import assert_error, bearer, client_credentials

ACTIVATED = "Activated successfully: Alice CC"  # the words of SPEC §5, and the name
DEACTIVATED = "Deactivated successfully: Alice CC"
DELETED = "Deleted successfully: Alice CC"
EXTERNAL = [
    "https://evil.example",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "https:evil.example",
    "javascript:alert(1)",
    "evil.example/admin",
]


def page_of(response: TestResponse) -> str:
    return response.get_data(as_text=True)


def flash_of(page: str) -> list[str]:
    """The text of each flash message of the page, tags stripped."""
    found = re.findall(r'<div class="flash flash-\w+" role="status">(.*?)</div>', page, re.DOTALL)
    return [html.unescape(re.sub(r"<[^>]+>", "", message)) for message in found]


def app_path(application_id: int, action: str = "") -> str:
    return f"/admin/oauth2/{application_id}{'/' + action if action else ''}"


def snapshot(app: Flask, application_id: int) -> tuple[Any, ...] | None:
    """What an action could change about an application; None once it is deleted."""
    with app.app_context():
        found = db.session.get(OAuthApplication, application_id)
        return None if found is None else (found.name, found.active, found.secret_hash)


def is_active(app: Flask, application_id: int) -> bool:
    state = snapshot(app, application_id)
    assert state is not None
    return bool(state[1])


def set_active(app: Flask, application_id: int, active: bool) -> None:
    with app.app_context():
        found = db.session.get(OAuthApplication, application_id)
        assert found is not None
        found.active = active
        db.session.commit()


def access_token(app: Flask, world: World, name: str = "Alice CC") -> str:
    response = client_credentials(app.test_client(), world.client_ids[name], world.secrets[name])
    assert response.status_code == 200, page_of(response)
    token: str = response.get_json()["access_token"]
    return token


def api_me(app: Flask, token: str) -> TestResponse:
    return app.test_client().get("/api/me", headers=bearer(token))


def new_grant(app: Flask, world: World, name: str = "Alice CC") -> TestResponse:
    return client_credentials(app.test_client(), world.client_ids[name], world.secrets[name])


def act(client: FlaskClient, application_id: int, action: str, **form: str) -> TestResponse:
    """POST an action with the session's CSRF token, taken from the confirmation or view page."""
    source = app_path(application_id, action if action != "activate" else "")
    return post_form(client, app_path(application_id, action), form, token_from=source)


def confirmation_form(page: str) -> str:
    form = re.search(r'<form method="post" class="card form confirm">(.*?)</form>', page, re.DOTALL)
    assert form, "no confirmation form"
    return form.group(1)


def hidden_next(page: str) -> str:
    match = re.search(r'<input type="hidden" name="next" value="([^"]*)">', page)
    assert match, "no next field"
    return html.unescape(match.group(1))


# Deactivate --------------------------------------------------------------------------------


def test_the_deactivate_page_asks_for_confirmation_with_a_form(app: Flask, world: World) -> None:
    response = logged_in(app, "alice").get(app_path(world.alice_cc, "deactivate"))
    page = page_of(response)

    assert response.status_code == 200
    assert "<h1>Deactivate “Alice CC”</h1>" in page
    form = confirmation_form(page)
    assert 'name="csrf_token"' in form
    assert "Deactivate the application? Its tokens stop working at once" in form
    assert '<button type="submit" class="button primary">Deactivate</button>' in form
    assert is_active(app, world.alice_cc)


def test_deactivating_switches_the_application_off_with_the_flash(app: Flask, world: World) -> None:
    client = logged_in(app, "alice")

    response = act(client, world.alice_cc, "deactivate")

    assert response.status_code == 302
    assert response.headers["Location"] == app_path(world.alice_cc)
    page = page_of(client.get(response.headers["Location"]))
    assert flash_of(page) == [DEACTIVATED]
    assert '<span class="badge badge-off">Inactive</span>' in page
    assert not is_active(app, world.alice_cc)


def test_a_deactivated_applications_access_token_stops_working(app: Flask, world: World) -> None:
    token = access_token(app, world)
    assert api_me(app, token).status_code == 200

    act(logged_in(app, "alice"), world.alice_cc, "deactivate")

    response = api_me(app, token)
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_token"


def test_a_deactivated_application_gets_no_new_token(app: Flask, world: World) -> None:
    act(logged_in(app, "alice"), world.alice_cc, "deactivate")

    assert_error(new_grant(app, world), 401, "invalid_client")


def test_deactivating_leaves_the_other_applications_alone(app: Flask, world: World) -> None:
    token = access_token(app, world, "Bob CC")

    act(logged_in(app, "alice"), world.alice_cc, "deactivate")

    assert api_me(app, token).status_code == 200
    assert is_active(app, world.bob_cc)


# Activate ----------------------------------------------------------------------------------


def test_activating_restores_the_token_and_the_grant_with_the_flash(
    app: Flask, world: World
) -> None:
    token = access_token(app, world)
    client = logged_in(app, "alice")
    act(client, world.alice_cc, "deactivate")
    client.get(app_path(world.alice_cc))  # shows (and so drops) the deactivated flash

    response = act(client, world.alice_cc, "activate")

    assert response.status_code == 302
    assert response.headers["Location"] == app_path(world.alice_cc)
    page = page_of(client.get(response.headers["Location"]))
    assert flash_of(page) == [ACTIVATED]
    assert '<span class="badge badge-ok">Active</span>' in page
    assert is_active(app, world.alice_cc)
    assert api_me(app, token).status_code == 200
    assert new_grant(app, world).status_code == 200


def test_the_view_page_of_an_inactive_application_activates_with_a_post_form(
    app: Flask, world: World
) -> None:
    set_active(app, world.alice_cc, False)

    page = page_of(logged_in(app, "alice").get(app_path(world.alice_cc)))

    form = re.search(
        rf'<form method="post" action="{app_path(world.alice_cc, "activate")}"[^>]*>(.*?)</form>',
        page,
        re.DOTALL,
    )
    assert form and 'name="csrf_token"' in form.group(1)
    assert "Activate</button>" in form.group(1)


def test_a_get_on_activate_is_not_allowed(app: Flask, world: World) -> None:
    set_active(app, world.alice_cc, False)

    response = logged_in(app, "alice").get(app_path(world.alice_cc, "activate"))

    assert response.status_code == 405
    assert not is_active(app, world.alice_cc)


# Delete ------------------------------------------------------------------------------------


def test_the_delete_page_asks_for_confirmation_with_a_form(app: Flask, world: World) -> None:
    response = logged_in(app, "alice").get(app_path(world.alice_cc, "delete"))
    page = page_of(response)

    assert response.status_code == 200
    assert "<h1>Delete “Alice CC”</h1>" in page
    form = confirmation_form(page)
    assert 'name="csrf_token"' in form
    assert "This cannot be undone" in form
    assert '<button type="submit" class="button danger">Delete</button>' in form
    assert snapshot(app, world.alice_cc) is not None


def test_deleting_removes_the_application_with_the_flash(app: Flask, world: World) -> None:
    client = logged_in(app, "alice")

    response = act(client, world.alice_cc, "delete")

    assert response.status_code == 302
    assert response.headers["Location"] == GRID
    page = page_of(client.get(GRID))
    assert flash_of(page) == [DELETED]
    assert "Alice CC" not in grid_names(page)
    assert "Bob CC" in grid_names(page)
    assert snapshot(app, world.alice_cc) is None


def test_a_deleted_applications_view_page_is_a_404(app: Flask, world: World) -> None:
    client = logged_in(app, "alice")
    act(client, world.alice_cc, "delete")

    for action in ["", "edit", "deactivate", "delete", "regenerate-secret"]:
        assert client.get(app_path(world.alice_cc, action)).status_code == 404, action


def test_a_deleted_applications_token_and_secret_stop_working(app: Flask, world: World) -> None:
    token = access_token(app, world)

    act(logged_in(app, "alice"), world.alice_cc, "delete")

    response = api_me(app, token)
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_token"
    assert_error(new_grant(app, world), 401, "invalid_client")


def test_deleting_a_storefront_application_returns_to_the_storefront_grid(
    app: Flask, world: World
) -> None:
    response = act(logged_in(app, "alice"), world.carol_store, "delete")

    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/oauth2/frontend"


# The way back ------------------------------------------------------------------------------

LOCAL_NEXT = "/admin/oauth2/?name=CC&sort=name&page=1"


@pytest.mark.parametrize("action", ["activate", "deactivate", "delete"])
def test_a_local_next_is_where_the_action_returns_to(app: Flask, world: World, action: str) -> None:
    set_active(app, world.alice_cc, action != "activate")

    response = act(logged_in(app, "alice"), world.alice_cc, action, next=LOCAL_NEXT)

    assert response.status_code == 302
    assert response.headers["Location"] == LOCAL_NEXT


@pytest.mark.parametrize("target", EXTERNAL)
@pytest.mark.parametrize(
    ("action", "fallback"),
    [("activate", "view"), ("deactivate", "view"), ("delete", "grid")],
)
def test_a_next_that_leaves_the_site_is_ignored(
    app: Flask, world: World, action: str, fallback: str, target: str
) -> None:
    set_active(app, world.alice_cc, action != "activate")

    response = act(logged_in(app, "alice"), world.alice_cc, action, next=target)

    assert response.status_code == 302
    expected = GRID if fallback == "grid" else app_path(world.alice_cc)
    assert response.headers["Location"] == expected


@pytest.mark.parametrize("action", ["deactivate", "delete"])
def test_the_confirmation_page_carries_a_local_next_into_its_form_and_cancel_link(
    app: Flask, world: World, action: str
) -> None:
    response = logged_in(app, "alice").get(
        app_path(world.alice_cc, action), query_string={"next": LOCAL_NEXT}
    )
    page = page_of(response)

    assert hidden_next(page) == LOCAL_NEXT
    assert f'<a class="button" href="{html.escape(LOCAL_NEXT)}">Cancel</a>' in page


@pytest.mark.parametrize("target", EXTERNAL)
@pytest.mark.parametrize("action", ["deactivate", "delete"])
def test_the_confirmation_page_drops_a_next_that_leaves_the_site(
    app: Flask, world: World, action: str, target: str
) -> None:
    response = logged_in(app, "alice").get(
        app_path(world.alice_cc, action), query_string={"next": target}
    )
    page = page_of(response)

    assert hidden_next(page) == ""
    assert "evil.example" not in page
    assert f'<a class="button" href="{app_path(world.alice_cc)}">Cancel</a>' in page


@pytest.mark.parametrize("suffix", ["", "/"])
def test_after_delete_a_next_to_the_deleted_applications_page_goes_to_the_grid(
    app: Flask, world: World, suffix: str
) -> None:
    target = app_path(world.alice_cc) + suffix

    response = act(logged_in(app, "alice"), world.alice_cc, "delete", next=target)

    assert response.status_code == 302
    assert response.headers["Location"] == GRID


def test_after_delete_a_next_to_another_applications_page_is_kept(app: Flask, world: World) -> None:
    target = app_path(world.bob_cc)

    response = act(logged_in(app, "alice"), world.alice_cc, "delete", next=target)

    assert response.headers["Location"] == target


def test_after_delete_a_next_to_a_page_that_only_ends_in_the_same_number_is_kept(
    app: Flask, world: World
) -> None:
    target = f"/admin/users/{world.alice_cc}"

    response = act(logged_in(app, "root"), world.alice_cc, "delete", next=target)

    assert response.status_code == 302
    assert response.headers["Location"] == target


@pytest.mark.parametrize("suffix", ["?from=grid", "/edit"])
def test_after_delete_no_next_leads_to_a_page_of_the_deleted_application(
    app: Flask, world: World, suffix: str
) -> None:
    client = logged_in(app, "alice")
    target = app_path(world.alice_cc) + suffix

    response = act(client, world.alice_cc, "delete", next=target)

    assert response.status_code == 302
    assert client.get(response.headers["Location"]).status_code == 200


# CSRF --------------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["activate", "deactivate", "delete", "regenerate-secret"])
@pytest.mark.parametrize("token", [False, "forged"], ids=["no-token", "bad-token"])
def test_an_action_posted_without_a_valid_csrf_token_is_a_400_and_changes_nothing(
    app: Flask, world: World, action: str, token: bool | str
) -> None:
    set_active(app, world.alice_cc, action != "activate")
    before = snapshot(app, world.alice_cc)
    client = logged_in(app, "alice")

    response = post_form(client, app_path(world.alice_cc, action), {}, token=token)

    assert response.status_code == 400
    assert snapshot(app, world.alice_cc) == before
    assert flash_of(page_of(client.get(app_path(world.alice_cc)))) == []


def test_a_csrf_token_of_another_session_is_refused(app: Flask, world: World) -> None:
    token = re.search(
        r'name="csrf_token"[^>]*value="([^"]+)"',
        page_of(logged_in(app, "root").get(app_path(world.alice_cc, "delete"))),
    )
    assert token

    response = post_form(
        logged_in(app, "alice"), app_path(world.alice_cc, "delete"), {}, token=token.group(1)
    )

    assert response.status_code == 400
    assert snapshot(app, world.alice_cc) is not None
