"""GET and POST /oauth2/userinfo: the claims of the token's scopes, and every refusal."""

from __future__ import annotations

import pytest
from flask import Flask

from oauthapp.models import CustomerUser, Kind, OAuthApplication, User, utcnow
from tests.conftest import AppFactory
from tests.oidc.helpers import USERINFO, expected_sub, sign_in_flow, userinfo, verify_id_token
from tests.token.grant_support import new_application, update_row
from tests.token.helpers import assert_error, client_credentials


def challenge(response: object) -> str:
    value: str = response.headers["WWW-Authenticate"]  # type: ignore[attr-defined]
    return value


@pytest.mark.parametrize("kind", list(Kind))
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_userinfo_answers_the_claims_with_the_id_tokens_sub(
    app: Flask, kind: Kind, method: str
) -> None:
    code_app, _, account_id, body = sign_in_flow(app, "openid profile email", kind)
    response = userinfo(app.test_client(), body["access_token"], method)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    info = response.get_json()
    id_claims = verify_id_token(app, body["id_token"], code_app.client_id)
    assert info["sub"] == id_claims["sub"] == expected_sub(kind, account_id)
    for name in ("name", "preferred_username", "locale", "email", "email_verified"):
        assert info[name] == id_claims[name]


def test_userinfo_gives_only_the_claims_of_the_granted_scopes(app: Flask) -> None:
    _, _, _, body = sign_in_flow(app, "openid email")
    info = userinfo(app.test_client(), body["access_token"]).get_json()
    assert set(info) == {"sub", "email", "email_verified"}


def test_no_token_is_invalid_token(app: Flask) -> None:
    response = app.test_client().get(USERINFO)
    assert_error(response, 401, "invalid_token")
    assert challenge(response).startswith('Bearer realm="api", error="invalid_token"')


def test_a_forged_token_is_invalid_token(app: Flask) -> None:
    _, _, _, body = sign_in_flow(app, "openid")
    forged = body["access_token"][:-4] + ("AAAA" if body["access_token"][-4:] != "AAAA" else "BBBB")
    assert_error(userinfo(app.test_client(), forged), 401, "invalid_token")


def test_a_token_in_the_query_string_is_refused(app: Flask) -> None:
    _, _, _, body = sign_in_flow(app, "openid")
    response = app.test_client().get(USERINFO, query_string={"access_token": body["access_token"]})
    assert_error(response, 401, "invalid_token")


def test_a_token_in_the_body_is_refused_even_beside_the_header(app: Flask) -> None:
    _, _, _, body = sign_in_flow(app, "openid")
    token = body["access_token"]
    response = app.test_client().post(
        USERINFO, data={"access_token": token}, headers={"Authorization": f"Bearer {token}"}
    )
    assert_error(response, 401, "invalid_token")


def test_a_token_without_openid_is_insufficient_scope(app: Flask) -> None:
    _, _, _, body = sign_in_flow(app, "profile email")
    response = userinfo(app.test_client(), body["access_token"])
    assert_error(response, 403, "insufficient_scope")
    assert 'error="insufficient_scope"' in challenge(response)
    assert 'scope="openid"' in challenge(response)


def test_a_deactivated_applications_token_is_invalid_token(app: Flask) -> None:
    code_app, _, _, body = sign_in_flow(app, "openid")
    update_row(app, OAuthApplication, code_app.id, active=False)
    assert_error(userinfo(app.test_client(), body["access_token"]), 401, "invalid_token")


@pytest.mark.parametrize("kind", list(Kind))
def test_a_disabled_users_token_is_invalid_token(app: Flask, kind: Kind) -> None:
    _, _, account_id, body = sign_in_flow(app, "openid", kind)
    update_row(app, CustomerUser if kind == Kind.STOREFRONT else User, account_id, enabled=False)
    assert_error(userinfo(app.test_client(), body["access_token"]), 401, "invalid_token")


@pytest.mark.parametrize("kind", list(Kind))
def test_a_locked_users_token_is_invalid_token(app: Flask, kind: Kind) -> None:
    _, _, account_id, body = sign_in_flow(app, "openid", kind)
    model = CustomerUser if kind == Kind.STOREFRONT else User
    update_row(app, model, account_id, locked=True, locked_at=utcnow())
    assert_error(userinfo(app.test_client(), body["access_token"]), 401, "invalid_token")


def test_a_revoked_token_is_invalid_token(app: Flask) -> None:
    code_app, _, _, body = sign_in_flow(app, "openid")
    client = app.test_client()
    revoked = client.post(
        "/oauth2/revoke",
        data={
            "token": body["access_token"],
            "client_id": code_app.client_id,
            "client_secret": code_app.secret,
        },
    )
    assert revoked.status_code == 200
    assert_error(userinfo(client, body["access_token"]), 401, "invalid_token")


def test_a_client_credentials_token_has_no_openid_scope(app: Flask) -> None:
    application = new_application(app)
    token = client_credentials(app.test_client(), application.client_id, application.secret)
    response = userinfo(app.test_client(), token.get_json()["access_token"])
    assert_error(response, 403, "insufficient_scope")


def test_an_allowed_origin_may_read_userinfo(make_app: AppFactory) -> None:
    app = make_app(
        oauth2_server={"authorization_server": {"cors": {"allow_origins": ["https://rp.example"]}}}
    )
    _, _, _, body = sign_in_flow(app, "openid")
    response = app.test_client().get(
        USERINFO,
        headers={"Authorization": f"Bearer {body['access_token']}", "Origin": "https://rp.example"},
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "https://rp.example"
