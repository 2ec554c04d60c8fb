"""GET /api/me and /api/frontend/me: who a token acts for, and every way a token is refused."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from flask import Flask

from oauthapp.accounts.service import set_enabled, set_organization_enabled, unlock_account
from oauthapp.applications.service import set_active
from oauthapp.extensions import db
from oauthapp.models import CustomerUser, Grant, Kind, OAuthApplication, User, utcnow
from tests.token.issued import ME, Client, assert_invalid_token, register

KINDS = [Kind.BACKOFFICE, Kind.STOREFRONT]


def switch_application(client: Client, active: bool) -> None:
    with client.app.app_context():
        set_active(db.session.get_one(OAuthApplication, client.application_id), active)


def test_a_back_office_token_tells_who_the_owner_is(app: Flask) -> None:
    client = register(app)
    response = client.me(client.access_token())
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["id"] == client.account_id
    assert body["type"] == "user"
    assert body["username"] == client.login
    assert body["organization"] == client.organization
    assert "email" not in body


def test_a_password_token_tells_who_logged_in(app: Flask) -> None:
    client = register(app, grant=Grant.PASSWORD)
    body = client.me(client.access_token()).get_json()
    assert (body["id"], body["type"], body["username"]) == (client.account_id, "user", client.login)


def test_a_storefront_token_tells_which_customer_user_it_acts_for(app: Flask) -> None:
    client = register(app, Kind.STOREFRONT)
    response = client.me(client.access_token())
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["id"] == client.account_id
    assert body["type"] == "customer_user"
    assert body["email"] == client.login
    assert body["organization"] == client.organization
    assert "username" not in body


def test_a_storefront_password_token_tells_which_customer_user_logged_in(app: Flask) -> None:
    client = register(app, Kind.STOREFRONT, Grant.PASSWORD)
    body = client.me(client.access_token()).get_json()
    assert (body["id"], body["type"], body["email"]) == (
        client.account_id,
        "customer_user",
        client.login,
    )


def test_a_back_office_token_is_refused_by_the_storefront_api(app: Flask) -> None:
    client = register(app)
    assert_invalid_token(client.me(client.access_token(), Kind.STOREFRONT))


def test_a_storefront_token_is_refused_by_the_back_office_api(app: Flask) -> None:
    client = register(app, Kind.STOREFRONT)
    assert_invalid_token(client.me(client.access_token(), Kind.BACKOFFICE))


@pytest.mark.parametrize("path", ME.values())
def test_a_request_without_authorization_is_refused(app: Flask, path: str) -> None:
    assert_invalid_token(app.test_client().get(path))


@pytest.mark.parametrize("kind", KINDS)
def test_a_valid_token_in_the_query_string_is_refused(app: Flask, kind: Kind) -> None:
    client = register(app, kind)
    token = client.access_token()
    assert_invalid_token(app.test_client().get(ME[kind], query_string={"access_token": token}))


def test_a_valid_token_in_the_query_string_is_refused_even_beside_the_header(app: Flask) -> None:
    client = register(app)
    token = client.access_token()
    response = app.test_client().get(
        "/api/me",
        query_string={"access_token": token},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert_invalid_token(response)


def test_a_token_sent_with_the_basic_scheme_is_refused(app: Flask) -> None:
    client = register(app)
    encoded = base64.b64encode(f"{client.client_id}:{client.secret}".encode()).decode()
    response = app.test_client().get("/api/me", headers={"Authorization": f"Basic {encoded}"})
    assert_invalid_token(response)


def test_a_valid_token_sent_with_the_basic_scheme_is_refused(app: Flask) -> None:
    client = register(app)
    response = app.test_client().get(
        "/api/me", headers={"Authorization": f"Basic {client.access_token()}"}
    )
    assert_invalid_token(response)


def test_the_bearer_scheme_is_case_insensitive(app: Flask) -> None:
    client = register(app)
    response = app.test_client().get(
        "/api/me", headers={"Authorization": f"bearer {client.access_token()}"}
    )
    assert response.status_code == 200, response.get_data(as_text=True)


def test_an_empty_bearer_header_is_refused(app: Flask) -> None:
    assert_invalid_token(app.test_client().get("/api/me", headers={"Authorization": "Bearer "}))


@pytest.mark.parametrize("kind", KINDS)
def test_deactivating_the_application_refuses_its_token_on_the_next_request(
    app: Flask, kind: Kind
) -> None:
    client = register(app, kind)
    token = client.access_token()
    assert client.me(token).status_code == 200
    switch_application(client, False)
    assert_invalid_token(client.me(token))


def test_reactivating_the_application_accepts_its_unexpired_token_again(app: Flask) -> None:
    client = register(app)
    token = client.access_token()
    switch_application(client, False)
    assert_invalid_token(client.me(token))
    switch_application(client, True)
    response = client.me(token)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["id"] == client.account_id


@pytest.mark.parametrize("kind", KINDS)
def test_a_token_of_a_deleted_application_is_refused(app: Flask, kind: Kind) -> None:
    client = register(app, kind)
    token = client.access_token()
    with app.app_context():
        db.session.delete(db.session.get_one(OAuthApplication, client.application_id))
        db.session.commit()
    assert_invalid_token(client.me(token))


@pytest.mark.parametrize("grant", [Grant.PASSWORD, Grant.CLIENT_CREDENTIALS])
def test_a_token_of_a_disabled_user_is_refused(app: Flask, grant: Grant) -> None:
    client = register(app, grant=grant)
    token = client.access_token()
    with app.app_context():
        set_enabled(db.session.get_one(User, client.account_id), False)
    assert_invalid_token(client.me(token))


def test_a_token_of_a_disabled_customer_user_is_refused(app: Flask) -> None:
    client = register(app, Kind.STOREFRONT, Grant.PASSWORD)
    token = client.access_token()
    with app.app_context():
        set_enabled(db.session.get_one(CustomerUser, client.account_id), False)
    assert_invalid_token(client.me(token))


def lock_account(client: Client, ago: timedelta = timedelta(0)) -> None:
    """Lock the token's account as failed logins do, ago in the past."""
    model = CustomerUser if client.kind == Kind.STOREFRONT else User
    with client.app.app_context():
        account = db.session.get_one(model, client.account_id)
        account.locked, account.locked_at = True, utcnow() - ago
        db.session.commit()


@pytest.mark.parametrize("kind", KINDS)
def test_a_token_of_a_locked_user_is_refused(app: Flask, kind: Kind) -> None:
    client = register(app, kind, Grant.PASSWORD)
    token = client.access_token()
    lock_account(client)
    assert_invalid_token(client.me(token))


@pytest.mark.parametrize("kind", KINDS)
def test_a_token_of_a_locked_user_is_accepted_again_after_unlock(app: Flask, kind: Kind) -> None:
    client = register(app, kind, Grant.PASSWORD)
    token = client.access_token()
    lock_account(client)
    model = CustomerUser if kind == Kind.STOREFRONT else User
    with app.app_context():
        unlock_account(db.session.get_one(model, client.account_id))
    assert client.me(token).status_code == 200


@pytest.mark.parametrize("kind", KINDS)
def test_a_token_is_accepted_again_once_its_users_lock_has_expired(app: Flask, kind: Kind) -> None:
    client = register(app, kind, Grant.PASSWORD)
    token = client.access_token()
    lock_account(client, ago=timedelta(seconds=901))
    assert client.me(token).status_code == 200


def test_a_client_credentials_token_of_a_locked_owner_is_refused(app: Flask) -> None:
    client = register(app)
    token = client.access_token()
    lock_account(client)
    assert_invalid_token(client.me(token))


@pytest.mark.parametrize("kind", KINDS)
def test_a_token_of_a_disabled_organization_is_refused(app: Flask, kind: Kind) -> None:
    client = register(app, kind)
    token = client.access_token()
    with app.app_context():
        set_organization_enabled(client.organization, False)
    assert_invalid_token(client.me(token))


@pytest.mark.parametrize("kind", KINDS)
def test_a_revoked_token_is_refused(app: Flask, kind: Kind) -> None:
    client = register(app, kind)
    token = client.access_token()
    assert client.revoke(token).status_code == 200
    assert_invalid_token(client.me(token))


def test_revoking_one_token_leaves_another_token_of_the_application_working(app: Flask) -> None:
    client = register(app)
    revoked, kept = client.access_token(), client.access_token()
    assert client.revoke(revoked).status_code == 200
    assert client.me(kept).status_code == 200
