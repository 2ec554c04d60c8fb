"""POST /api/admin/applications: the back-office's Create, with the form's checks and words."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import func, select

from oauthapp.extensions import db
from oauthapp.models import OAuthApplication, OutboxMessage, SecurityEvent
from tests.admin_api.conftest import Api, api_as, field_errors, problem_of
from tests.applications.conftest import CREATE, World, logged_in, post_form
from tests.applications.test_create import all_field_errors
from tests.token.helpers import client_credentials

WORLD_SIZE = 6


def count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(OAuthApplication)) or 0


def body_of(world: World, **changes: Any) -> dict[str, Any]:
    """A valid client-credentials application for alice in Acme, with some values changed."""
    body = {"organization_id": world.acme, "name": "Reporting", "grant": "client_credentials",
            "owner_id": world.alice}  # fmt: skip
    body.update(changes)
    return {key: value for key, value in body.items() if value is not None}


def test_a_valid_body_creates_the_application_and_shows_its_secret_once(
    app: Flask, world: World, alice_api: Api
) -> None:
    response = alice_api.post("/applications", body_of(world))
    assert response.status_code == 201, response.get_data(as_text=True)
    created = response.get_json()
    assert created["name"] == "Reporting"
    assert created["owner"] == {"type": "user", "id": world.alice}
    assert created["active"] is True and created["kind"] == "backoffice"
    assert response.headers["Location"].endswith(f"/api/admin/applications/{created['id']}")
    token = client_credentials(app.test_client(), created["client_id"], created["client_secret"])
    assert token.status_code == 200
    again = alice_api.get(f"/applications/{created['id']}").get_json()
    assert "client_secret" not in again


def test_the_activity_says_via_api_and_names_the_acting_application(
    app: Flask, world: World, alice_api: Api
) -> None:
    created = alice_api.post("/applications", body_of(world)).get_json()
    with app.app_context():
        event = db.session.scalar(
            select(SecurityEvent).where(SecurityEvent.application_id == created["id"])
        )
        assert event is not None
        assert event.event == "application_created"
        assert event.actor == f"alice via API (Alice CC, {world.client_ids['Alice CC']})"
        assert event.actor_id == world.alice
    page = logged_in(app, "alice").get(f"/admin/oauth2/{created['id']}").get_data(as_text=True)
    assert "alice via API (Alice CC," in page


def test_the_owner_gets_the_notification_email_without_the_secret(
    app: Flask, world: World, alice_api: Api
) -> None:
    created = alice_api.post("/applications", body_of(world, owner_id=world.bob,
                                                      name="For Bob")).get_json()  # fmt: skip
    with app.app_context():
        messages = list(db.session.scalars(select(OutboxMessage)))
        mail = [m for m in messages if "For Bob" in (m.body_text or "")]
        assert [m.recipient for m in mail] == ["bob@example.com"]
        assert created["client_secret"] not in mail[0].body_text


def test_an_authorization_code_application_takes_its_redirect_urls(
    world: World, alice_api: Api
) -> None:
    response = alice_api.post("/applications", {
        "organization_id": world.acme, "name": "Web", "grant": "authorization_code",
        "redirect_uris": ["https://web.example/cb", "http://127.0.0.1:9000/cb"],
        "confidential": False, "skip_consent": True,
    })  # fmt: skip
    assert response.status_code == 201, response.get_data(as_text=True)
    created = response.get_json()
    assert created["redirect_uris"] == ["https://web.example/cb", "http://127.0.0.1:9000/cb"]
    assert created["client_secret"] is None
    assert (created["confidential"], created["skip_consent"], created["owner"]) == (
        False, True, None,
    )  # fmt: skip


def test_a_storefront_application_is_owned_by_a_customer_user(world: World, alice_api: Api) -> None:
    response = alice_api.post("/applications", body_of(world, kind="storefront",
                                                       owner_id=world.carol))  # fmt: skip
    assert response.status_code == 201
    assert response.get_json()["owner"] == {"type": "customer_user", "id": world.carol}


def the_forms_words(app: Flask, form: dict[str, str]) -> list[str]:
    """The messages the back-office's create form shows for FORM."""
    response = post_form(logged_in(app, "alice"), CREATE, form)
    assert response.status_code == 200
    return all_field_errors(response.get_data(as_text=True))


def test_messages_are_the_forms_word_for_word(app: Flask, world: World, alice_api: Api) -> None:
    form = {"organization": str(world.acme), "name": "x" * 256, "grant": "authorization_code",
            "redirect_uris": "ftp://bad.example/cb"}  # fmt: skip
    body = {"organization_id": world.acme, "name": "x" * 256, "grant": "authorization_code",
            "redirect_uris": ["ftp://bad.example/cb"]}  # fmt: skip
    problem = problem_of(alice_api.post("/applications", body), 422)
    messages = field_errors(problem)
    assert sorted(messages) == ["name", "redirect_uris"]
    assert sorted(m for found in messages.values() for m in found) == sorted(
        the_forms_words(app, form)
    )
    assert count(app) == WORLD_SIZE


def test_a_blank_name_and_a_missing_owner_get_the_forms_messages(
    world: World, alice_api: Api
) -> None:
    body = body_of(world, name="  ", owner_id=None)
    messages = field_errors(problem_of(alice_api.post("/applications", body), 422))
    assert messages == {
        "name": ["This value should not be blank."],
        "owner_id": ["This value should not be blank."],
    }


def test_a_missing_grant_and_an_unknown_one_are_refused(world: World, alice_api: Api) -> None:
    missing = field_errors(problem_of(alice_api.post("/applications", body_of(world, grant=None)),
                                      422))  # fmt: skip
    assert missing["grant"] == ["Choose a grant."]
    unknown = field_errors(
        problem_of(alice_api.post("/applications", body_of(world, grant="implicit")), 422)
    )
    assert unknown["grant"] == ["Not a valid choice."]


def test_an_owner_of_another_organization_is_not_offered(world: World, alice_api: Api) -> None:
    body = body_of(world, owner_id=world.oscar)
    messages = field_errors(problem_of(alice_api.post("/applications", body), 422))
    assert messages == {"owner_id": ["Choose one of the listed users."]}


def test_an_organization_the_caller_cannot_create_in_is_not_a_choice(
    world: World, alice_api: Api
) -> None:
    body = body_of(world, organization_id=world.other, owner_id=None, grant="password")
    messages = field_errors(problem_of(alice_api.post("/applications", body), 422))
    assert messages == {"organization_id": ["Not a valid choice."]}


def test_a_taken_name_is_a_409_problem_on_the_name(world: World, alice_api: Api) -> None:
    body = body_of(world, name="Alice CC")
    messages = field_errors(problem_of(alice_api.post("/applications", body), 409))
    assert messages == {
        "name": ["An application with this name already exists for this organization and owner."]
    }


def test_wrong_types_and_unknown_members_are_named(app: Flask, world: World,
                                                   alice_api: Api) -> None:  # fmt: skip
    body = {"organization_id": "1", "name": 5, "active": "yes", "redirect_uris": "x",
            "client_secret": "mine", "owner_id": -3}  # fmt: skip
    messages = field_errors(problem_of(alice_api.post("/applications", body), 422))
    assert messages == {
        "organization_id": ["This value should be of type integer."],
        "name": ["This value should be of type string."],
        "active": ["This value should be of type boolean."],
        "redirect_uris": ["This value should be of type array of strings."],
        "client_secret": ["This field is not expected."],
        "owner_id": ["This value should be between 1 and 2147483647."],
    }
    assert count(app) == WORLD_SIZE


def test_a_body_that_is_no_json_object_is_a_problem(app: Flask, alice_api: Api) -> None:
    problem_of(alice_api.post("/applications", data="name=x"), 415)
    problem_of(alice_api.post("/applications", data="{", content_type="application/json"), 400)
    problem_of(alice_api.post("/applications", [1, 2]), 400)
    deep = "[" * 100_000 + "]" * 100_000
    problem_of(alice_api.post("/applications", data=deep, content_type="application/json"), 400)
    problem_of(alice_api.post("/applications", data=b"\xff", content_type="application/json"), 400)
    assert count(app) == WORLD_SIZE


def test_a_user_may_create_only_client_credentials_applications_it_owns(
    app: Flask, world: World
) -> None:
    bob = api_as(app, world, "Bob CC")
    refused = bob.post("/applications", body_of(world, grant="password", owner_id=None))
    assert problem_of(refused, 403)["detail"] == (
        "You may only create Client Credentials applications that you own."
    )
    own = bob.post("/applications", body_of(world, owner_id=world.bob, name="Bob's second"))
    assert own.status_code == 201


def test_a_user_who_may_create_nothing_of_a_kind_gets_403(app: Flask, world: World) -> None:
    bob = api_as(app, world, "Bob CC")
    body = body_of(world, kind="storefront", owner_id=world.carol)
    problem_of(bob.post("/applications", body), 403)
    assert count(app) == WORLD_SIZE
