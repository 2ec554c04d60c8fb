"""GET /api/admin/applications: what the grid shows the token's owner, filtered and paged."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask

from tests.admin_api.conftest import Api, api_as, field_errors, own_manage_token, problem_of
from tests.applications.conftest import World


def names(response: object) -> list[str]:
    body = response.get_json()  # type: ignore[attr-defined]
    return [item["name"] for item in body["items"]]


def test_an_administrator_sees_every_application_of_its_organization(
    alice_api: Api, world: World
) -> None:
    response = alice_api.get("/applications")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert names(response) == ["Acme Password", "Alice CC", "Bob CC", "Carol Store"]
    assert response.get_json()["next"] is None


def test_each_item_is_the_application_as_specified(alice_api: Api, world: World) -> None:
    items = alice_api.get("/applications?name=Carol").get_json()["items"]
    assert items == [
        {
            "id": world.carol_store, "client_id": world.client_ids["Carol Store"],
            "name": "Carol Store", "organization_id": world.acme, "kind": "storefront",
            "grant": "client_credentials", "owner": {"type": "customer_user", "id": world.carol},
            "active": True, "created_at": items[0]["created_at"],
            "updated_at": items[0]["updated_at"], "last_used_at": None, "redirect_uris": [],
            "confidential": True, "skip_consent": False,
        }
    ]  # fmt: skip
    assert items[0]["created_at"].endswith("Z")


def test_a_global_administrator_sees_every_organization(app: Flask, world: World) -> None:
    root = Api(app.test_client(), own_manage_token(app, "root", "Main"))
    listed = names(root.get("/applications?per_page=100"))
    assert {"Oscar CC", "Olga Store", "Alice CC", "Carol Store", "Root tool"} <= set(listed)


def test_a_user_sees_only_the_applications_it_owns(app: Flask, world: World) -> None:
    bob = api_as(app, world, "Bob CC")
    assert names(bob.get("/applications")) == ["Bob CC"]


def test_the_filters_narrow_the_list(alice_api: Api, world: World) -> None:
    assert names(alice_api.get("/applications?name=cc")) == ["Alice CC", "Bob CC"]
    assert names(alice_api.get("/applications?kind=storefront")) == ["Carol Store"]
    assert names(alice_api.get("/applications?grant=password")) == ["Acme Password"]
    assert names(alice_api.get(f"/applications?organization_id={world.other}")) == []
    assert names(alice_api.get(f"/applications?organization_id={world.acme}&kind=backoffice"))[
        :1
    ] == ["Acme Password"]
    alice_api.post(f"/applications/{world.bob_cc}/deactivate")
    assert names(alice_api.get("/applications?active=false")) == ["Bob CC"]
    assert "Bob CC" not in names(alice_api.get("/applications?active=true"))


def test_pages_follow_each_other_by_next(alice_api: Api, world: World) -> None:
    first = alice_api.get("/applications?per_page=3").get_json()
    assert [item["name"] for item in first["items"]] == ["Acme Password", "Alice CC", "Bob CC"]
    following = urlsplit(first["next"])
    assert following.path == "/api/admin/applications"
    second = alice_api.get(f"/applications?{following.query}").get_json()
    assert [item["name"] for item in second["items"]] == ["Carol Store"]
    assert second["next"] is None


def test_bad_filters_are_a_400_problem_naming_each_parameter(alice_api: Api) -> None:
    response = alice_api.get("/applications?active=yes&kind=x&per_page=1000&page=0&grant=y")
    body = problem_of(response, 400)
    assert set(field_errors(body)) == {"active", "kind", "per_page", "page", "grant"}
    assert field_errors(body)["per_page"] == ["This value should be an integer between 1 and 100."]


def test_an_organization_id_that_is_no_number_is_a_400_problem(alice_api: Api) -> None:
    body = problem_of(alice_api.get("/applications?organization_id=acme"), 400)
    assert list(field_errors(body)) == ["organization_id"]
