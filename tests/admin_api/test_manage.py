"""One application: read, change, switch, regenerate its secret, delete; 404 and 403."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from oauthapp.extensions import db
from oauthapp.models import OAuthApplication, SecurityEvent
from tests.admin_api.conftest import Api, api_as, field_errors, problem_of
from tests.applications.conftest import World
from tests.factories import make_code_application
from tests.token.helpers import client_credentials

MISSING = 2147483647


def events(app: Flask, application_id: int) -> list[tuple[str, str, str]]:
    with app.app_context():
        rows = db.session.scalars(
            select(SecurityEvent)
            .where(SecurityEvent.application_id == application_id)
            .order_by(SecurityEvent.id)
        )
        return [(row.event, row.actor.split(" (")[0], row.detail) for row in rows]


def test_an_application_is_read_by_id(alice_api: Api, world: World) -> None:
    response = alice_api.get(f"/applications/{world.bob_cc}")
    assert response.status_code == 200
    assert response.get_json()["name"] == "Bob CC"
    assert "client_secret" not in response.get_json()


def test_an_unknown_id_is_a_404_problem(alice_api: Api) -> None:
    for response in (
        alice_api.get(f"/applications/{MISSING}"),
        alice_api.patch(f"/applications/{MISSING}", {"name": "x"}),
        alice_api.delete(f"/applications/{MISSING}"),
        alice_api.post(f"/applications/{MISSING}/activate"),
    ):
        problem_of(response, 404)


def test_another_organizations_application_is_a_403_problem(
    app: Flask, world: World, alice_api: Api
) -> None:
    for response in (
        alice_api.get(f"/applications/{world.oscar_cc}"),
        alice_api.patch(f"/applications/{world.oscar_cc}", {"name": "Mine now"}),
        alice_api.delete(f"/applications/{world.oscar_cc}"),
        alice_api.post(f"/applications/{world.oscar_cc}/deactivate"),
        alice_api.post(f"/applications/{world.oscar_cc}/regenerate-secret"),
    ):
        problem_of(response, 403)
    with app.app_context():
        oscar_cc = db.session.get(OAuthApplication, world.oscar_cc)
        assert oscar_cc is not None and oscar_cc.name == "Oscar CC" and oscar_cc.active


def test_a_user_may_not_touch_an_application_it_does_not_own(app: Flask, world: World) -> None:
    bob = api_as(app, world, "Bob CC")
    problem_of(bob.get(f"/applications/{world.alice_cc}"), 403)
    assert bob.get(f"/applications/{world.bob_cc}").status_code == 200


def test_patch_renames_and_switches_as_the_edit_form_does(
    app: Flask, world: World, alice_api: Api
) -> None:
    response = alice_api.patch(f"/applications/{world.bob_cc}", {"name": "Bob's tool"})
    assert response.status_code == 200
    assert (response.get_json()["name"], response.get_json()["active"]) == ("Bob's tool", True)
    switched = alice_api.patch(f"/applications/{world.bob_cc}", {"active": False})
    assert (switched.get_json()["name"], switched.get_json()["active"]) == ("Bob's tool", False)
    assert events(app, world.bob_cc)[1:] == [
        ("application_updated", "alice via API", "name: Bob CC -> Bob's tool"),
        ("application_updated", "alice via API", "active: true -> false"),
    ]


def test_patch_changes_redirect_urls_of_an_authorization_code_application(
    app: Flask, world: World, alice_api: Api
) -> None:
    with app.app_context():
        from oauthapp.accounts.service import get_organization

        application, _ = make_code_application(get_organization("Acme"))
        app_id = application.id
    response = alice_api.patch(
        f"/applications/{app_id}",
        {"redirect_uris": ["https://new.example/cb"], "skip_consent": True},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["redirect_uris"] == ["https://new.example/cb"]
    assert response.get_json()["skip_consent"] is True
    emptied = alice_api.patch(f"/applications/{app_id}", {"redirect_uris": []})
    assert field_errors(problem_of(emptied, 422)) == {
        "redirect_uris": ["At least one redirect URL should be specified."]
    }


def test_patch_refuses_what_never_changes_and_blank_names(world: World, alice_api: Api) -> None:
    fixed = alice_api.patch(
        f"/applications/{world.bob_cc}", {"grant": "password", "owner_id": world.alice}
    )
    assert field_errors(problem_of(fixed, 422)) == {
        "grant": ["This field cannot be changed."],
        "owner_id": ["This field cannot be changed."],
    }
    blank = alice_api.patch(f"/applications/{world.bob_cc}", {"name": ""})
    assert field_errors(problem_of(blank, 422)) == {"name": ["This value should not be blank."]}
    assert alice_api.get(f"/applications/{world.bob_cc}").get_json()["name"] == "Bob CC"


def test_patch_to_a_taken_name_is_a_409_problem(world: World, alice_api: Api) -> None:
    second = alice_api.post("/applications", {"organization_id": world.acme, "name": "Second",
                                              "grant": "password"}).get_json()  # fmt: skip
    taken = alice_api.patch(f"/applications/{second['id']}", {"name": "Acme Password"})
    assert field_errors(problem_of(taken, 409)) == {
        "name": ["An application with this name already exists for this organization and owner."]
    }


def test_deactivate_and_activate_cut_off_and_restore_tokens(
    app: Flask, world: World, alice_api: Api
) -> None:
    client = app.test_client()
    name = "Bob CC"
    off = alice_api.post(f"/applications/{world.bob_cc}/deactivate")
    assert (off.status_code, off.get_json()["active"]) == (200, False)
    refused = client_credentials(client, world.client_ids[name], world.secrets[name])
    assert refused.status_code == 401
    on = alice_api.post(f"/applications/{world.bob_cc}/activate")
    assert (on.status_code, on.get_json()["active"]) == (200, True)
    assert (
        client_credentials(client, world.client_ids[name], world.secrets[name]).status_code == 200
    )
    assert [event[:2] for event in events(app, world.bob_cc)[1:]] == [
        ("application_deactivated", "alice via API"),
        ("application_activated", "alice via API"),
    ]


def test_regenerate_secret_answers_the_new_one_and_the_old_stops(
    app: Flask, world: World, alice_api: Api
) -> None:
    response = alice_api.post(f"/applications/{world.bob_cc}/regenerate-secret")
    assert response.status_code == 200
    secret = response.get_json()["client_secret"]
    client = app.test_client()
    old = client_credentials(client, world.client_ids["Bob CC"], world.secrets["Bob CC"])
    assert old.status_code == 401
    assert client_credentials(client, world.client_ids["Bob CC"], secret).status_code == 200


def test_a_public_client_has_no_secret_to_regenerate(app: Flask, world: World,
                                                     alice_api: Api) -> None:  # fmt: skip
    with app.app_context():
        from oauthapp.accounts.service import get_organization

        application, _ = make_code_application(get_organization("Acme"), confidential=False)
        app_id = application.id
    body = problem_of(alice_api.post(f"/applications/{app_id}/regenerate-secret"), 422)
    assert body["detail"] == "A public client has no secret. Make it a Confidential Client first."


def test_delete_answers_204_and_the_application_is_gone(
    app: Flask, world: World, alice_api: Api
) -> None:
    response = alice_api.delete(f"/applications/{world.bob_cc}")
    assert response.status_code == 204
    problem_of(alice_api.get(f"/applications/{world.bob_cc}"), 404)
    with app.app_context():
        event = db.session.scalar(
            select(SecurityEvent).where(SecurityEvent.event == "application_deleted")
        )
        assert event is not None and event.actor.startswith("alice via API")


def test_other_methods_and_paths_answer_problems(alice_api: Api) -> None:
    problem_of(alice_api.call("PUT", "/applications/1"), 405)
    problem_of(alice_api.get("/nothing-here"), 404)
