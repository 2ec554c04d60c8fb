"""GET /.well-known/openid-configuration: the RFC 8414 document plus the OpenID fields."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from tests.conftest import AppFactory
from tests.oidc.helpers import DISCOVERY, app_with_algorithm

ISSUER = "http://localhost:5000"


def test_the_openid_document_repeats_every_field_of_the_rfc_8414_document(app: Flask) -> None:
    client = app.test_client()
    oauth = client.get("/.well-known/oauth-authorization-server").get_json()
    openid = client.get(DISCOVERY).get_json()
    assert {name: openid[name] for name in oauth} == oauth


def test_the_openid_document_names_the_openid_endpoints_and_choices(app: Flask) -> None:
    response = app.test_client().get(DISCOVERY)
    assert response.status_code == 200
    document = response.get_json()
    assert document["issuer"] == ISSUER
    assert document["userinfo_endpoint"] == f"{ISSUER}/oauth2/userinfo"
    assert document["end_session_endpoint"] == f"{ISSUER}/oauth2/logout"
    assert document["subject_types_supported"] == ["public"]
    assert document["response_types_supported"] == ["code"]
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert document["scopes_supported"] == ["openid", "profile", "email", "applications:manage"]
    assert set(document["token_endpoint_auth_methods_supported"]) == {
        "client_secret_basic",
        "client_secret_post",
        "none",
    }
    assert {"sub", "name", "preferred_username", "locale", "email", "email_verified"} <= set(
        document["claims_supported"]
    )
    assert document["request_uri_parameter_supported"] is False


def test_the_signing_algorithm_is_the_configured_one(make_app: AppFactory, tmp_path: Path) -> None:
    app = app_with_algorithm(make_app, tmp_path, "ES256")
    document = app.test_client().get(DISCOVERY).get_json()
    assert document["id_token_signing_alg_values_supported"] == ["ES256"]


def test_every_advertised_endpoint_answers(app: Flask) -> None:
    client = app.test_client()
    document = client.get(DISCOVERY).get_json()
    for name in ("jwks_uri", "userinfo_endpoint", "end_session_endpoint"):
        path = document[name].removeprefix(ISSUER)
        assert client.get(path).status_code in (200, 302, 401), name
