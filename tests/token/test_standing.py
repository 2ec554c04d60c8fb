"""An account's standing wherever its tokens are used: the APIs, userinfo, introspection and the
token endpoint refuse the tokens of a locked account and of one that left the application's
organization, and accept them again once unlocked or back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import delete

from oauthapp.accounts.service import unlock_account
from oauthapp.extensions import db
from oauthapp.models import CustomerUser, Grant, Kind, Organization, Role, User, UserRole, utcnow
from tests.factories import PASSWORD, make_org
from tests.oidc.helpers import sign_in_flow, userinfo
from tests.token.grant_support import update_row
from tests.token.helpers import assert_error, client_credentials, password_grant
from tests.token.issued import Client, assert_invalid_token, assert_ok_json, register

KINDS = [Kind.BACKOFFICE, Kind.STOREFRONT]
INACTIVE = {"active": False}


def other_org(app: Flask, is_global: bool = False) -> int:
    with app.app_context():
        return make_org(is_global=is_global).id


def join(app: Flask, user_id: int, org_id: int) -> None:
    with app.app_context():
        db.session.add(UserRole(user_id=user_id, organization_id=org_id, role=Role.USER.value))
        db.session.commit()


def leave(app: Flask, user_id: int, org_id: int) -> None:
    """Remove the user from the organization, as an ORM delete of the role."""
    with app.app_context():
        db.session.delete(db.session.get_one(UserRole, (user_id, org_id)))
        db.session.commit()


def move_out(client: Client) -> int:
    """Take the client's account out of its organization (a user keeps another one; a customer
    user moves to another); returns that other organization."""
    elsewhere = other_org(client.app)
    if client.kind == Kind.STOREFRONT:
        update_row(client.app, CustomerUser, client.account_id, organization_id=elsewhere)
    else:
        join(client.app, client.account_id, elsewhere)
        leave(client.app, client.account_id, client.organization_id)
    return elsewhere


def move_back(client: Client) -> None:
    if client.kind == Kind.STOREFRONT:
        update_row(
            client.app, CustomerUser, client.account_id, organization_id=client.organization_id
        )
    else:
        join(client.app, client.account_id, client.organization_id)


def lock(client: Client) -> None:
    model = CustomerUser if client.kind == Kind.STOREFRONT else User
    update_row(client.app, model, client.account_id, locked=True, locked_at=utcnow())


def unlock(client: Client) -> None:
    model = CustomerUser if client.kind == Kind.STOREFRONT else User
    with client.app.app_context():
        unlock_account(db.session.get_one(model, client.account_id))


# --- the APIs --------------------------------------------------------------------------------


@pytest.mark.parametrize("grant", [Grant.PASSWORD, Grant.CLIENT_CREDENTIALS])
@pytest.mark.parametrize("kind", KINDS)
def test_a_token_of_an_account_that_left_the_organization_is_refused_until_it_is_back(
    app: Flask, kind: Kind, grant: Grant
) -> None:
    client = register(app, kind, grant)
    token = client.access_token()
    assert client.me(token).status_code == 200
    move_out(client)
    body = assert_invalid_token(client.me(token))
    assert "no longer a member" in body["error_description"]
    move_back(client)
    assert client.me(token).status_code == 200


def test_a_member_of_the_global_organization_counts_as_a_member_of_all(app: Flask) -> None:
    client = register(app, Kind.BACKOFFICE, Grant.PASSWORD)
    token = client.access_token()
    everywhere = other_org(app, is_global=True)
    join(app, client.account_id, everywhere)
    leave(app, client.account_id, client.organization_id)
    assert client.me(token).status_code == 200
    assert client.tokens()["access_token"]  # the password grant follows the same rule
    leave(app, client.account_id, everywhere)
    assert_invalid_token(client.me(token))


def test_a_role_in_another_organization_is_no_membership(app: Flask) -> None:
    client = register(app, Kind.BACKOFFICE, Grant.PASSWORD)
    token = client.access_token()
    join(app, client.account_id, other_org(app))
    assert client.me(token).status_code == 200
    leave(app, client.account_id, client.organization_id)
    assert_invalid_token(client.me(token))


def test_a_removal_by_a_bulk_delete_is_seen_too(app: Flask) -> None:
    client = register(app, Kind.BACKOFFICE, Grant.PASSWORD)
    token = client.access_token()
    assert client.me(token).status_code == 200
    with app.app_context():
        db.session.execute(delete(UserRole).where(UserRole.user_id == client.account_id))
        db.session.commit()
    assert_invalid_token(client.me(token))


# --- the token endpoint ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_a_client_credentials_application_whose_owner_left_is_refused_until_it_is_back(
    app: Flask, kind: Kind
) -> None:
    client = register(app, kind)
    http = app.test_client()
    assert client_credentials(http, client.client_id, client.secret).status_code == 200
    move_out(client)
    body = assert_error(client_credentials(http, client.client_id, client.secret), 401,
                        "invalid_client")  # fmt: skip
    assert body["error_description"] == (
        "The application's owner is no longer a member of its organization."
    )
    move_back(client)
    assert client_credentials(http, client.client_id, client.secret).status_code == 200


@pytest.mark.parametrize("kind", KINDS)
def test_the_refresh_of_an_account_that_left_is_refused_until_it_is_back(
    app: Flask, kind: Kind
) -> None:
    client = register(app, kind, Grant.PASSWORD)
    refresh_token = client.tokens()["refresh_token"]
    move_out(client)
    assert_error(client.refresh(refresh_token), 400, "invalid_grant")
    move_back(client)
    assert client.refresh(refresh_token).status_code == 200  # the refusal rotated nothing


@pytest.mark.parametrize("kind", KINDS)
def test_the_password_grant_refuses_an_account_that_left(app: Flask, kind: Kind) -> None:
    client = register(app, kind, Grant.PASSWORD)
    move_out(client)
    response = password_grant(
        app.test_client(), client.client_id, client.secret, client.login, PASSWORD
    )
    assert_error(response, 400, "invalid_grant")


# --- introspection ---------------------------------------------------------------------------


@pytest.mark.parametrize("token_type", ["access_token", "refresh_token"])
@pytest.mark.parametrize("kind", KINDS)
def test_introspection_of_a_token_of_an_account_that_left_is_inactive_until_it_is_back(
    app: Flask, kind: Kind, token_type: str
) -> None:
    client = register(app, kind, Grant.PASSWORD)
    token = client.tokens()[token_type]
    move_out(client)
    assert assert_ok_json(client.introspect(token)) == INACTIVE
    move_back(client)
    assert assert_ok_json(client.introspect(token))["active"] is True


@pytest.mark.parametrize("token_type", ["access_token", "refresh_token"])
@pytest.mark.parametrize("kind", KINDS)
def test_introspection_of_a_token_of_a_locked_account_is_inactive_until_unlocked(
    app: Flask, kind: Kind, token_type: str
) -> None:
    client = register(app, kind, Grant.PASSWORD)
    token = client.tokens()[token_type]
    lock(client)
    assert assert_ok_json(client.introspect(token)) == INACTIVE
    unlock(client)
    assert assert_ok_json(client.introspect(token))["active"] is True


# --- userinfo ---------------------------------------------------------------------


def userinfo_account(app: Flask, kind: Kind) -> tuple[Client, str]:
    """A signed-in account of a code application (as a Client, for the helpers) and its
    access token with the openid scope."""
    code_app, _, account_id, body = sign_in_flow(app, "openid", kind)
    with app.app_context():
        organization = db.session.get_one(Organization, code_app.organization_id).name
    client = Client(
        app, code_app.client_id, code_app.secret or "", code_app.id, kind,
        Grant.AUTHORIZATION_CODE, organization, code_app.organization_id, account_id, "",
    )  # fmt: skip
    return client, body["access_token"]


Change = Callable[[Client], Any]


@pytest.mark.parametrize(
    ("spoil", "mend"), [(lock, unlock), (move_out, move_back)], ids=["locked", "left"]
)
@pytest.mark.parametrize("kind", KINDS)
def test_userinfo_refuses_a_locked_or_departed_account_until_it_is_back(
    app: Flask, kind: Kind, spoil: Change, mend: Change
) -> None:
    client, token = userinfo_account(app, kind)
    http = app.test_client()
    assert userinfo(http, token).status_code == 200
    spoil(client)
    assert_error(userinfo(http, token), 401, "invalid_token")
    mend(client)
    assert userinfo(http, token).status_code == 200
