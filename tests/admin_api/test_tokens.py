"""Who may call the management API: a back-office token with applications:manage, and only
while its application, scope and owner still stand (the bearer rules of SPEC §4 and §9)."""

from __future__ import annotations

from flask import Flask

from oauthapp.accounts import service as accounts
from oauthapp.extensions import db
from oauthapp.models import User, utcnow
from tests.admin_api.conftest import MANAGE, Api, grant_manage, manage_token, problem_of
from tests.applications.conftest import World
from tests.token.helpers import bearer, client_credentials, password_grant

LIST = "/applications"


def test_a_granted_application_gets_a_token_with_the_scope(app: Flask, world: World) -> None:
    grant_manage(app, world.alice_cc)
    response = client_credentials(
        app.test_client(), world.client_ids["Alice CC"], world.secrets["Alice CC"], scope=MANAGE
    )
    assert response.status_code == 200
    assert response.get_json()["scope"] == MANAGE


def test_an_application_not_granted_the_scope_is_refused_it(app: Flask, world: World) -> None:
    response = client_credentials(
        app.test_client(), world.client_ids["Alice CC"], world.secrets["Alice CC"], scope=MANAGE
    )
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_scope"


def test_a_granted_application_is_refused_any_other_scope(app: Flask, world: World) -> None:
    grant_manage(app, world.alice_cc)
    response = client_credentials(
        app.test_client(), world.client_ids["Alice CC"], world.secrets["Alice CC"],
        scope=f"{MANAGE} openid",
    )  # fmt: skip
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_scope"


def test_a_granted_application_asking_for_no_scope_gets_none(app: Flask, world: World) -> None:
    grant_manage(app, world.alice_cc)
    response = client_credentials(
        app.test_client(), world.client_ids["Alice CC"], world.secrets["Alice CC"]
    )
    assert response.status_code == 200
    assert "scope" not in response.get_json()


def test_the_password_grant_still_takes_no_scope(app: Flask, world: World) -> None:
    response = password_grant(
        app.test_client(), world.client_ids["Acme Password"], world.secrets["Acme Password"],
        "alice", "correct horse battery",
    )  # fmt: skip
    assert response.status_code == 200
    client = app.test_client()
    data = {"grant_type": "password", "client_id": world.client_ids["Acme Password"],
            "client_secret": world.secrets["Acme Password"], "username": "alice",
            "password": "correct horse battery", "scope": MANAGE}  # fmt: skip
    refused = client.post("/oauth2-token", data=data)
    assert refused.status_code == 400
    assert refused.get_json()["error"] == "invalid_scope"


def test_no_token_is_a_401_problem_with_a_bearer_challenge(app: Flask, world: World) -> None:
    response = Api(app.test_client(), None).get(LIST)
    problem_of(response, 401)
    assert response.headers["WWW-Authenticate"].startswith('Bearer realm="api"')
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_a_garbage_token_is_a_401_problem(app: Flask, world: World) -> None:
    response = Api(app.test_client(), "not-a-token").get(LIST)
    problem_of(response, 401)
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_a_token_in_the_query_string_is_refused(app: Flask, world: World) -> None:
    token = manage_token(app, world, "Alice CC")
    response = app.test_client().get(f"/api/admin/applications?access_token={token}")
    problem_of(response, 401)


def test_a_token_without_the_scope_is_a_403_problem(app: Flask, world: World) -> None:
    grant_manage(app, world.alice_cc)
    plain = client_credentials(
        app.test_client(), world.client_ids["Alice CC"], world.secrets["Alice CC"]
    ).get_json()["access_token"]
    response = Api(app.test_client(), plain).get(LIST)
    problem_of(response, 403)
    assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]
    assert f'scope="{MANAGE}"' in response.headers["WWW-Authenticate"]


def test_a_revoked_scope_cuts_off_tokens_that_carry_it(app: Flask, world: World) -> None:
    api = Api(app.test_client(), manage_token(app, world, "Alice CC"))
    assert api.get(LIST).status_code == 200
    runner = app.test_cli_runner()
    result = runner.invoke(args=["oauth", "revoke-scope", world.client_ids["Alice CC"], MANAGE])
    assert result.exit_code == 0, result.output
    assert "no longer granted" in problem_of(api.get(LIST), 403)["detail"]


def test_a_storefront_token_is_refused(app: Flask, world: World) -> None:
    store = client_credentials(
        app.test_client(), world.client_ids["Carol Store"], world.secrets["Carol Store"]
    ).get_json()["access_token"]
    response = Api(app.test_client(), store).get(LIST)
    assert problem_of(response, 401)["detail"] == "The access token is for another API."


def test_a_deactivated_acting_application_is_refused_at_once(app: Flask, world: World) -> None:
    api = Api(app.test_client(), manage_token(app, world, "Alice CC"))
    assert api.post(f"/applications/{world.alice_cc}/deactivate").status_code == 200
    assert problem_of(api.get(LIST), 401)["detail"] == "The application is inactive."


def test_a_revoked_token_is_refused(app: Flask, world: World) -> None:
    token = manage_token(app, world, "Alice CC")
    client = app.test_client()
    revoked = client.post(
        "/oauth2/revoke",
        data={"token": token, "client_id": world.client_ids["Alice CC"],
              "client_secret": world.secrets["Alice CC"]},
    )  # fmt: skip
    assert revoked.status_code == 200
    assert problem_of(Api(client, token).get(LIST), 401)["detail"] == (
        "The access token was revoked."
    )


def test_a_disabled_owner_is_refused(app: Flask, world: World) -> None:
    api = Api(app.test_client(), manage_token(app, world, "Alice CC"))
    with app.app_context():
        accounts.set_enabled(accounts.get_user("alice"), False)
    assert problem_of(api.get(LIST), 401)["detail"] == "The user is disabled."


def test_a_locked_owner_is_refused(app: Flask, world: World) -> None:
    api = Api(app.test_client(), manage_token(app, world, "Alice CC"))
    with app.app_context():
        user = db.session.get(User, world.alice)
        assert user is not None
        user.locked, user.locked_at = True, utcnow()
        db.session.commit()
    assert problem_of(api.get(LIST), 401)["detail"] == "The user is locked."


def test_the_bearer_header_shape_is_that_of_the_other_apis(app: Flask, world: World) -> None:
    token = manage_token(app, world, "Alice CC")
    response = app.test_client().get("/api/admin/applications", headers=bearer(token))
    assert response.status_code == 200
