"""Discovery documents, signing algorithms end to end, and CORS on the token endpoint."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from authlib.oauth2.rfc8414 import AuthorizationServerMetadata
from flask import Flask
from flask.testing import FlaskClient

from oauthapp.keys import generate_keys
from oauthapp.models import Kind
from tests.token.grant_support import (
    JWKS_URL,
    me,
    new_application,
    token_body,
    verify_with_jwks,
)
from tests.token.helpers import TOKEN_URL, basic, client_credentials, post_token

METADATA_URL = "/.well-known/oauth-authorization-server"
AUTH_METHODS = {"client_secret_basic", "client_secret_post"}
ORIGIN = "https://app.example"
CORS_HEADERS = (
    "Access-Control-Allow-Origin",
    "Access-Control-Allow-Methods",
    "Access-Control-Allow-Headers",
    "Access-Control-Max-Age",
    "Access-Control-Expose-Headers",
)


def metadata(client: FlaskClient) -> dict[str, Any]:
    response = client.get(METADATA_URL)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    body: dict[str, Any] = response.get_json()
    return body


def test_the_metadata_is_valid_rfc_8414_server_metadata(make_app: Any) -> None:
    app = make_app(oauth2_server={"issuer": "https://auth.example.com"})
    document = metadata(app.test_client())
    AuthorizationServerMetadata(document).validate()
    assert document["issuer"] == "https://auth.example.com"
    assert document["authorization_endpoint"] == "https://auth.example.com/oauth2-token/authorize"
    assert document["response_types_supported"] == ["code"]
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert document["authorization_response_iss_parameter_supported"] is True


def test_the_metadata_names_every_endpoint_under_the_issuer(client: FlaskClient) -> None:
    document = metadata(client)
    assert document["issuer"] == "http://localhost:5000"
    assert document["token_endpoint"] == "http://localhost:5000/oauth2-token"
    assert document["jwks_uri"] == "http://localhost:5000/.well-known/jwks.json"
    assert document["revocation_endpoint"] == "http://localhost:5000/oauth2/revoke"
    assert document["introspection_endpoint"] == "http://localhost:5000/oauth2/introspect"


@pytest.mark.parametrize(
    "member", ["token_endpoint", "revocation_endpoint", "introspection_endpoint"]
)
def test_each_advertised_oauth_endpoint_answers_posts_with_an_oauth_error(
    client: FlaskClient, member: str
) -> None:
    response = client.post(urlsplit(metadata(client)[member]).path, data={})
    assert response.status_code in (400, 401)
    assert "error" in response.get_json()


def test_the_advertised_jwks_uri_serves_the_jwks(client: FlaskClient) -> None:
    response = client.get(urlsplit(metadata(client)["jwks_uri"]).path)
    assert response.status_code == 200
    assert response.get_json()["keys"]


def test_the_metadata_lists_the_grants_and_client_authentication_methods(
    client: FlaskClient,
) -> None:
    document = metadata(client)
    assert set(document["grant_types_supported"]) == {
        "authorization_code",
        "client_credentials",
        "password",
        "refresh_token",
    }
    # "none": public authorization-code clients send their client_id alone.
    assert set(document["token_endpoint_auth_methods_supported"]) == AUTH_METHODS | {"none"}
    for endpoint in ("revocation", "introspection"):
        assert set(document[f"{endpoint}_endpoint_auth_methods_supported"]) == AUTH_METHODS


def test_without_refresh_tokens_the_metadata_drops_the_refresh_grant(make_app: Any) -> None:
    app = make_app(oauth2_server={"authorization_server": {"enable_refresh_token": False}})
    grants = metadata(app.test_client())["grant_types_supported"]
    assert set(grants) == {"authorization_code", "client_credentials", "password"}


def test_the_jwks_has_the_public_key_with_kid_alg_and_use(client: FlaskClient) -> None:
    response = client.get(JWKS_URL)
    assert response.status_code == 200
    (key,) = response.get_json()["keys"]
    assert key["kty"] == "RSA"
    assert key["alg"] == "RS256"
    assert key["use"] == "sig"
    assert key["kid"]
    assert {"n", "e"} <= set(key)
    assert not {"d", "p", "q", "dp", "dq", "qi"} & set(key)


@pytest.mark.parametrize(
    ("algorithm", "kty"), [("RS256", "RSA"), ("ES256", "EC"), ("EdDSA", "OKP")]
)
def test_each_signing_algorithm_works_end_to_end(
    make_app: Any, tmp_path: Path, algorithm: str, kty: str
) -> None:
    private, public = tmp_path / "keys" / "private.pem", tmp_path / "keys" / "public.pem"
    generate_keys(private, public, algorithm)
    app = make_app(
        oauth2_server={
            "authorization_server": {"private_key": str(private), "signing_algorithm": algorithm},
            "resource_server": {"public_key": str(public)},
        }
    )
    registered = new_application(app)
    client = app.test_client()
    (key,) = client.get(JWKS_URL).get_json()["keys"]
    assert (key["kty"], key["alg"]) == (kty, algorithm)
    token = token_body(client_credentials(client, registered.client_id, registered.secret))
    header, claims = verify_with_jwks(app, client, token["access_token"], Kind.BACKOFFICE)
    assert (header["alg"], header["kid"]) == (algorithm, key["kid"])
    assert claims["sub"] == str(registered.owner_id)
    response = me(client, token["access_token"])
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["id"] == registered.owner_id


def cors_app(make_app: Any, **cors: Any) -> Flask:
    app: Flask = make_app(oauth2_server={"authorization_server": {"cors": cors}})
    return app


def preflight(client: FlaskClient, origin: str = ORIGIN) -> Any:
    return client.options(
        TOKEN_URL,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )


def token_post(app: Flask, origin: str = ORIGIN) -> Any:
    registered = new_application(app)
    headers = {"Origin": origin, **basic(registered.client_id, registered.secret)}
    return post_token(app.test_client(), {"grant_type": "client_credentials"}, headers=headers)


def header_names(value: str) -> set[str]:
    return {name.strip().lower() for name in value.split(",")}


@pytest.fixture
def cors_allowed(make_app: Any) -> Flask:
    return cors_app(
        make_app, allow_origins=[ORIGIN], allow_headers=["X-Request-Id"], preflight_max_age=123
    )


def test_a_preflight_from_an_allowed_origin_is_answered_with_no_content(
    cors_allowed: Flask,
) -> None:
    assert preflight(cors_allowed.test_client()).status_code == 204


def test_a_preflight_from_an_allowed_origin_names_that_origin(cors_allowed: Flask) -> None:
    response = preflight(cors_allowed.test_client())
    assert response.headers.get("Access-Control-Allow-Origin") == ORIGIN


def test_a_preflight_lists_post_and_the_base_and_configured_headers(cors_allowed: Flask) -> None:
    response = preflight(cors_allowed.test_client())
    assert "post" in header_names(response.headers.get("Access-Control-Allow-Methods", ""))
    allowed = header_names(response.headers.get("Access-Control-Allow-Headers", ""))
    assert allowed == {"authorization", "content-type", "x-request-id"}


def test_a_preflight_may_be_cached_for_the_configured_max_age(cors_allowed: Flask) -> None:
    response = preflight(cors_allowed.test_client())
    assert response.headers.get("Access-Control-Max-Age") == "123"


def test_a_token_response_to_an_allowed_origin_names_that_origin(cors_allowed: Flask) -> None:
    response = token_post(cors_allowed)
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN


def test_an_error_response_to_an_allowed_origin_names_that_origin(cors_allowed: Flask) -> None:
    response = post_token(
        cors_allowed.test_client(), {"grant_type": "password"}, headers={"Origin": ORIGIN}
    )
    assert response.status_code == 401
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN


def test_a_preflight_from_an_origin_not_in_the_list_gets_no_cors_headers(
    cors_allowed: Flask,
) -> None:
    response = preflight(cors_allowed.test_client(), "https://evil.example")
    assert not [name for name in CORS_HEADERS if name in response.headers]


def test_a_token_response_to_an_origin_not_in_the_list_gets_no_cors_headers(
    cors_allowed: Flask,
) -> None:
    response = token_post(cors_allowed, "https://evil.example")
    assert response.status_code == 200
    assert not [name for name in CORS_HEADERS if name in response.headers]


@pytest.mark.parametrize("setting", ["*", ["*"]], ids=["string", "list"])
def test_a_wildcard_lets_any_origin_read_the_token_response(make_app: Any, setting: Any) -> None:
    response = token_post(cors_app(make_app, allow_origins=setting), "https://any.example")
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_a_wildcard_preflight_allows_any_origin(make_app: Any) -> None:
    app = cors_app(make_app, allow_origins="*")
    response = preflight(app.test_client(), "https://any.example")
    assert response.headers.get("Access-Control-Allow-Origin") == "*"


def test_by_default_no_origin_gets_cors_headers(client: FlaskClient, app: Flask) -> None:
    responses = [preflight(client), token_post(app)]
    for response in responses:
        assert not [name for name in CORS_HEADERS if name in response.headers]
