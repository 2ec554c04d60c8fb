"""RFC 9728 protected resource metadata, and the APIs' 401s that point to it."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from oauthapp.models import Kind
from tests.token.grant_support import ME

DOCUMENTS = {
    Kind.BACKOFFICE: "/.well-known/oauth-protected-resource/api",
    Kind.STOREFRONT: "/.well-known/oauth-protected-resource/api/frontend",
}
RESOURCES = {Kind.BACKOFFICE: "/api", Kind.STOREFRONT: "/api/frontend"}


@pytest.mark.parametrize("kind", list(Kind))
def test_each_api_has_a_resource_document_naming_it_and_this_issuer(
    make_app,
    kind: Kind,  # type: ignore[no-untyped-def]
) -> None:
    app: Flask = make_app(oauth2_server={"issuer": "https://auth.example.com"})
    response = app.test_client().get(DOCUMENTS[kind])
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    document = response.get_json()
    assert document["resource"] == "https://auth.example.com" + RESOURCES[kind]
    assert document["authorization_servers"] == ["https://auth.example.com"]
    assert document["bearer_methods_supported"] == ["header"]
    management = ["applications:manage"] if kind == Kind.BACKOFFICE else []
    assert document["scopes_supported"] == ["openid", "profile", "email", *management]


@pytest.mark.parametrize("kind", list(Kind))
def test_an_apis_401_names_its_resource_document(client: FlaskClient, kind: Kind) -> None:
    response = client.get(ME[kind])
    assert response.status_code == 401
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith("Bearer ")
    assert 'error="invalid_token"' in challenge
    assert f'resource_metadata="http://localhost:5000{DOCUMENTS[kind]}"' in challenge


def test_the_server_metadata_advertises_the_authorization_code_grant(client: FlaskClient) -> None:
    document = client.get("/.well-known/oauth-authorization-server").get_json()
    assert document["authorization_endpoint"] == "http://localhost:5000/oauth2-token/authorize"
    assert document["response_types_supported"] == ["code"]
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert "authorization_code" in document["grant_types_supported"]
    assert "none" in document["token_endpoint_auth_methods_supported"]
    assert "none" not in document["revocation_endpoint_auth_methods_supported"]
    assert document["authorization_response_iss_parameter_supported"] is True
    assert document["scopes_supported"] == ["openid", "profile", "email", "applications:manage"]
