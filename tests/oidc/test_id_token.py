"""ID tokens from the authorization code grant: claims, scopes, algorithms, key rotation."""

from __future__ import annotations

from pathlib import Path

import jwt
import pytest
from flask import Flask

from oauthapp.extensions import db
from oauthapp.models import CustomerUser, Kind, User
from tests.authorize.helpers import browser_for, exchange, new_code_app, obtain_code
from tests.conftest import AppFactory
from tests.oidc.helpers import (
    app_with_algorithm,
    at_hash,
    expected_sub,
    sign_in_flow,
    verify_id_token,
)
from tests.token.grant_support import issuer, token_body

PROFILE = {"name", "preferred_username", "locale"}
EMAIL = {"email", "email_verified"}
BASE = {"iss", "sub", "aud", "exp", "iat", "auth_time", "at_hash"}


@pytest.mark.parametrize(
    ("scope", "extra"),
    [
        ("openid", set()),
        ("openid profile", PROFILE),
        ("openid email", EMAIL),
        ("openid profile email", PROFILE | EMAIL),
    ],
)
def test_each_scope_combination_gives_its_claims_and_no_others(
    app: Flask, scope: str, extra: set[str]
) -> None:
    code_app, _, _, body = sign_in_flow(app, scope)
    claims = verify_id_token(app, body["id_token"], code_app.client_id)
    assert set(claims) == BASE | extra


def test_profile_without_openid_gives_no_id_token(app: Flask) -> None:
    _, _, _, body = sign_in_flow(app, "profile email")
    assert body["scope"] == "profile email"
    assert "id_token" not in body


def test_no_scope_gives_no_id_token(app: Flask) -> None:
    _, _, _, body = sign_in_flow(app, "")
    assert "id_token" not in body


@pytest.mark.parametrize("kind", list(Kind))
def test_the_claims_name_the_account_and_the_client(app: Flask, kind: Kind) -> None:
    code_app, _, account_id, body = sign_in_flow(app, "openid profile email", kind)
    claims = verify_id_token(app, body["id_token"], code_app.client_id)
    assert claims["iss"] == issuer(app)
    assert claims["aud"] == code_app.client_id
    assert claims["sub"] == expected_sub(kind, account_id)
    assert claims["exp"] - claims["iat"] == 3600
    with app.app_context():
        model = CustomerUser if kind == Kind.STOREFRONT else User
        account = db.session.get(model, account_id)
        assert account is not None
        login = account.email if isinstance(account, CustomerUser) else account.username
        assert claims["name"] == account.display_name
        assert claims["preferred_username"] == login
        assert claims["locale"] == account.locale
        assert claims["email"] == account.email
    assert claims["email_verified"] is False


def test_a_user_and_a_customer_with_the_same_id_get_different_subjects(app: Flask) -> None:
    subjects = {}
    for kind in Kind:
        code_app, _, account_id, body = sign_in_flow(app, "openid", kind)
        subjects[kind] = (account_id, verify_id_token(app, body["id_token"], code_app.client_id))
    assert subjects[Kind.BACKOFFICE][1]["sub"] != subjects[Kind.STOREFRONT][1]["sub"]


def test_the_subject_is_stable_across_sign_ins(app: Flask) -> None:
    code_app = new_code_app(app)
    browser, _ = browser_for(app, code_app)
    subjects = set()
    for _ in range(2):
        code = obtain_code(browser, code_app, scope="openid")
        body = token_body(exchange(app.test_client(), code_app, code))
        subjects.add(verify_id_token(app, body["id_token"], code_app.client_id)["sub"])
    assert len(subjects) == 1


def test_the_nonce_sent_comes_back_in_the_id_token(app: Flask) -> None:
    code_app, _, _, body = sign_in_flow(app, "openid", nonce="n-0S6_WzA2Mj")
    assert verify_id_token(app, body["id_token"], code_app.client_id)["nonce"] == "n-0S6_WzA2Mj"


def test_without_a_nonce_the_id_token_has_none(app: Flask) -> None:
    code_app, _, _, body = sign_in_flow(app, "openid")
    assert "nonce" not in verify_id_token(app, body["id_token"], code_app.client_id)


@pytest.mark.parametrize("algorithm", ["RS256", "ES256", "EdDSA"])
def test_each_algorithm_signs_with_the_current_key_and_its_at_hash(
    make_app: AppFactory, tmp_path: Path, algorithm: str
) -> None:
    app = app_with_algorithm(make_app, tmp_path, algorithm)
    code_app, _, _, body = sign_in_flow(app, "openid")
    header = jwt.get_unverified_header(body["id_token"])
    access_header = jwt.get_unverified_header(body["access_token"])
    assert header["alg"] == algorithm
    assert header["kid"] == access_header["kid"]
    claims = verify_id_token(app, body["id_token"], code_app.client_id)
    assert claims["at_hash"] == at_hash(body["access_token"], algorithm)


def test_an_id_token_signed_before_a_rotation_still_verifies_through_the_jwks(
    make_app: AppFactory, tmp_path: Path
) -> None:
    app = app_with_algorithm(make_app, tmp_path, "RS256")
    code_app, _, _, before = sign_in_flow(app, "openid")
    result = app.test_cli_runner().invoke(args=["oauth", "rotate-keys"])
    assert result.exit_code == 0, result.output
    _, _, _, after = sign_in_flow(app, "openid")
    old_kid = jwt.get_unverified_header(before["id_token"])["kid"]
    assert jwt.get_unverified_header(after["id_token"])["kid"] != old_kid
    assert verify_id_token(app, before["id_token"], code_app.client_id)["sub"]


def test_auth_time_is_the_time_of_the_login(app: Flask) -> None:
    code_app = new_code_app(app)
    browser, _ = browser_for(app, code_app)
    with browser.session_transaction() as session:
        logged_in_at = session["auth_time"]
    code = obtain_code(browser, code_app, scope="openid")
    body = token_body(exchange(app.test_client(), code_app, code))
    claims = verify_id_token(app, body["id_token"], code_app.client_id)
    assert claims["auth_time"] == logged_in_at
