"""/openapi.json: generated from the routes, valid OpenAPI 3.1, every API route described."""

from __future__ import annotations

from importlib.metadata import version
from typing import Any

import pytest
from flask import Flask
from openapi_spec_validator import validate

from oauthapp.openapi import documented
from oauthapp.openapi.document import build_document, openapi_path
from oauthapp.openapi.schemas import SCHEMAS, component, ref
from oauthapp.openapi.views import document

API_PREFIXES = ("/oauth2-token", "/oauth2/", "/api/", "/.well-known/", "/openapi.json")


def test_the_served_document_is_valid_openapi_3_1(app: Flask) -> None:
    response = app.test_client().get("/openapi.json")

    assert response.status_code == 200
    served: dict[str, Any] = response.get_json()
    validate(served)
    assert served["openapi"] == "3.1.0"


def test_every_api_route_and_method_is_described(app: Flask) -> None:
    with app.app_context():
        paths = document(app)["paths"]
    missing = []
    api_rules = [rule for rule in app.url_map.iter_rules() if rule.rule.startswith(API_PREFIXES)]
    for rule in api_rules:
        for method in sorted(set(rule.methods or ()) - {"HEAD", "OPTIONS"}):
            if method.lower() not in paths.get(openapi_path(rule.rule), {}):
                missing.append(f"{method} {rule.rule}")

    assert len(api_rules) >= 15
    assert missing == [], "describe these with oauthapp.openapi.documented"


def test_the_document_names_this_server_and_version(make_app: Any) -> None:
    app = make_app(oauth2_server={"issuer": "https://auth.example.com"})

    with app.app_context():
        built = document(app)

    assert built["servers"] == [{"url": "https://auth.example.com"}]
    assert built["info"]["version"] == version("oauthapp")
    assert set(built["components"]["securitySchemes"]) == {"bearer", "basic"}


def test_the_token_endpoint_takes_each_grant_as_form_or_json(app: Flask) -> None:
    with app.app_context():
        token = document(app)["paths"]["/oauth2-token"]["post"]

    content = token["requestBody"]["content"]
    assert set(content) == {"application/x-www-form-urlencoded", "application/json"}
    grants = [branch["properties"]["grant_type"]["const"]
              for branch in content["application/json"]["schema"]["oneOf"]]  # fmt: skip
    assert grants == ["client_credentials", "password", "refresh_token", "authorization_code"]
    assert token["responses"]["200"]["content"]["application/json"]["schema"] == ref(
        "TokenResponse"
    )
    assert {"400", "401", "429", "503"} <= set(token["responses"])
    assert token["security"] == [{"basic": []}, {}]


def test_openapi_json_is_public_cacheable_and_readable_cross_origin(make_app: Any) -> None:
    cors = {"allow_origins": ["https://app.example"]}
    app = make_app(oauth2_server={"authorization_server": {"cors": cors}})
    client = app.test_client()

    response = client.get("/openapi.json", headers={"Origin": "https://app.example"})
    again = client.get("/openapi.json", headers={"If-None-Match": response.headers["ETag"]})

    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert response.headers["Access-Control-Allow-Origin"] == "https://app.example"
    assert again.status_code == 304


def test_the_document_is_built_once_per_process(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []

    def counted(*args: Any) -> dict[str, Any]:
        calls.append(args)
        return build_document(*args)

    monkeypatch.setattr("oauthapp.openapi.views.build_document", counted)
    client = app.test_client()

    first, second = client.get("/openapi.json"), client.get("/openapi.json")

    assert first.get_data() == second.get_data()
    assert len(calls) == 1


# The generator on routes of its own ----------------------------------------------------------


def _app_with(rule: str, **operation: Any) -> Flask:
    app = Flask(__name__)

    @app.route(rule, methods=["GET", "POST"])
    @documented(summary="A thing", **operation)
    def thing(**values: Any) -> str:
        return ""

    return app


def test_flask_converters_become_typed_path_parameters() -> None:
    app = _app_with("/things/<int(max=99):id>/<uuid:key>/<any(a, b):kind>/<name>",
                    methods=["GET"], responses={200: "The thing"})  # fmt: skip

    built = build_document(app, "https://auth.example.com")

    validate(built)
    operation = built["paths"]["/things/{id}/{key}/{kind}/{name}"]["get"]
    schemas = {item["name"]: item["schema"] for item in operation["parameters"]}
    assert schemas == {
        "id": {"type": "integer", "minimum": 0, "maximum": 99},
        "key": {"type": "string", "format": "uuid"},
        "kind": {"type": "string", "enum": ["a", "b"]},
        "name": {"type": "string"},
    }
    assert all(item["required"] and item["in"] == "path" for item in operation["parameters"])


def test_a_view_for_several_methods_gets_an_operation_id_per_method() -> None:
    app = _app_with("/things", responses={200: "Done"})

    built = build_document(app, "https://auth.example.com")

    ids = {method: op["operationId"] for method, op in built["paths"]["/things"].items()}
    assert ids == {"get": "thing_get", "post": "thing_post"}


def test_problem_details_are_served_as_application_problem_json() -> None:
    app = _app_with("/things", methods=["POST"],
                    responses={422: ("The form's messages", ref("Problem"))})  # fmt: skip

    built = build_document(app, "https://auth.example.com")

    validate(built)
    content = built["paths"]["/things"]["post"]["responses"]["422"]["content"]
    assert content == {"application/problem+json": {"schema": ref("Problem")}}


def test_an_unknown_security_scheme_is_refused() -> None:
    app = _app_with("/things", methods=["GET"], responses={200: "Done"}, security=["cookie"])

    with pytest.raises(ValueError, match="unknown security schemes"):
        build_document(app, "https://auth.example.com")


def test_two_operations_for_one_method_are_refused() -> None:
    app = _app_with("/things", methods=["GET"], responses={200: "Done"})
    documented(summary="Again", methods=["GET"], responses={200: "Done"})(
        app.view_functions["thing"]
    )

    with pytest.raises(ValueError, match="described twice"):
        build_document(app, "https://auth.example.com")


def test_a_feature_shares_a_schema_as_a_component_under_one_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(SCHEMAS, "TestThing", {})  # undone after the test
    del SCHEMAS["TestThing"]
    schema = {"type": "object", "properties": {"id": {"type": "integer"}}}
    app = _app_with("/things", methods=["GET"],
                    responses={200: ("A thing", component("TestThing", schema))})  # fmt: skip

    built = build_document(app, "https://auth.example.com")

    validate(built)
    assert built["components"]["schemas"]["TestThing"] == schema
    assert component("TestThing", dict(schema)) == ref("TestThing")  # the same again: fine
    with pytest.raises(ValueError, match="already named"):
        component("TestThing", {"type": "string"})
