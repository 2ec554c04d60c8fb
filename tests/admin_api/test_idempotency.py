"""Idempotency-Key on create: one application per key and acting application, for 24 hours."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import func, select, update

from oauthapp.extensions import db
from oauthapp.models import IdempotencyKey, OAuthApplication, utcnow
from tests.admin_api.conftest import Api, api_as, problem_of
from tests.applications.conftest import World

BODY = {"name": "Nightly export", "grant": "password"}


def body(world: World) -> dict[str, object]:
    return {**BODY, "organization_id": world.acme}


def named(app: Flask, name: str) -> int:
    with app.app_context():
        query = select(func.count()).where(OAuthApplication.name == name)
        return db.session.scalar(query) or 0


def key(value: str) -> dict[str, str]:
    return {"Idempotency-Key": value}


def test_a_retry_returns_the_same_application_without_its_secret(
    app: Flask, world: World, alice_api: Api
) -> None:
    first = alice_api.post("/applications", body(world), headers=key("k-1"))
    again = alice_api.post("/applications", body(world), headers=key("k-1"))
    assert first.status_code == 201 and first.get_json()["client_secret"]
    assert again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["id"] == first.get_json()["id"]
    assert "client_secret" not in again.get_json()
    assert again.headers["Location"] == first.headers["Location"]
    assert named(app, "Nightly export") == 1


def test_the_same_key_with_another_body_is_a_422_problem(
    app: Flask, world: World, alice_api: Api
) -> None:
    assert alice_api.post("/applications", body(world), headers=key("k-2")).status_code == 201
    other = alice_api.post("/applications", {**body(world), "name": "Other"}, headers=key("k-2"))
    assert problem_of(other, 422)["detail"] == (
        "This Idempotency-Key was used with another request body."
    )
    assert named(app, "Other") == 0


def test_keys_belong_to_the_acting_application(app: Flask, world: World,
                                               alice_api: Api) -> None:  # fmt: skip
    root = api_as(app, world, "Bob CC")  # bob may create client credentials he owns
    mine = {"organization_id": world.acme, "name": "Bob's", "grant": "client_credentials",
            "owner_id": world.bob}  # fmt: skip
    assert alice_api.post("/applications", body(world), headers=key("shared")).status_code == 201
    assert root.post("/applications", mine, headers=key("shared")).status_code == 201


def test_a_refused_create_leaves_the_key_free(app: Flask, world: World, alice_api: Api) -> None:
    problem_of(alice_api.post("/applications", {**body(world), "name": ""}, headers=key("k-3")),
               422)  # fmt: skip
    assert alice_api.post("/applications", body(world), headers=key("k-3")).status_code == 201


def test_a_key_expires_after_a_day_and_oauth_cleanup_removes_it(
    app: Flask, world: World, alice_api: Api
) -> None:
    assert alice_api.post("/applications", body(world), headers=key("k-4")).status_code == 201
    with app.app_context():
        db.session.execute(
            update(IdempotencyKey).values(created_at=utcnow() - timedelta(hours=24, seconds=1))
        )
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["oauth", "cleanup"])
    assert "Deleted 1 expired idempotency keys." in result.output
    renamed = {**body(world), "name": "Nightly export 2"}
    assert alice_api.post("/applications", renamed, headers=key("k-4")).status_code == 201


def test_an_expired_key_is_a_new_request_even_before_cleanup(
    app: Flask, world: World, alice_api: Api
) -> None:
    assert alice_api.post("/applications", body(world), headers=key("k-5")).status_code == 201
    with app.app_context():
        db.session.execute(update(IdempotencyKey).values(created_at=utcnow() - timedelta(days=2)))
        db.session.commit()
    renamed = {**body(world), "name": "Nightly export 2"}
    assert alice_api.post("/applications", renamed, headers=key("k-5")).status_code == 201


def test_a_key_whose_request_is_still_running_is_a_409(
    app: Flask, world: World, alice_api: Api
) -> None:
    assert alice_api.post("/applications", body(world), headers=key("k-6")).status_code == 201
    with app.app_context():
        db.session.execute(update(IdempotencyKey).values(completed=False, application_id=None))
        db.session.commit()
    response = alice_api.post("/applications", body(world), headers=key("k-6"))
    problem_of(response, 409)
    assert response.headers["Retry-After"] == "1"


def test_a_key_of_a_deleted_application_is_a_410(app: Flask, world: World,
                                                 alice_api: Api) -> None:  # fmt: skip
    created = alice_api.post("/applications", body(world), headers=key("k-7")).get_json()
    assert alice_api.delete(f"/applications/{created['id']}").status_code == 204
    problem_of(alice_api.post("/applications", body(world), headers=key("k-7")), 410)
    assert named(app, "Nightly export") == 0


def test_a_malformed_key_is_a_400_problem(app: Flask, world: World, alice_api: Api) -> None:
    for bad in ("", "x" * 256, "with space", "é"):
        problem_of(alice_api.post("/applications", body(world), headers=key(bad)), 400)
    assert named(app, "Nightly export") == 0
