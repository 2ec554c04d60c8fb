"""Errors: JSON on OAuth and API paths, a readable page elsewhere; security headers everywhere."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from oauthapp.errors import wants_json


def test_an_unknown_api_path_answers_json(client: FlaskClient) -> None:
    response = client.get("/api/nothing-here")
    assert response.status_code == 404
    assert response.is_json
    assert response.json is not None and response.json["error"] == "invalid_request"
    assert response.headers["Cache-Control"] == "no-store"


def test_an_unknown_page_answers_html(client: FlaskClient) -> None:
    response = client.get("/nothing-here")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "404" in response.get_data(as_text=True)


def test_oauth_and_api_paths_want_json() -> None:
    assert wants_json("/oauth2-token")
    assert wants_json("/api/me")
    assert wants_json("/.well-known/jwks.json")
    assert not wants_json("/admin/oauth2/")
    assert not wants_json("/login")


def test_an_unexpected_error_is_a_clean_500_without_internals(app: Flask) -> None:
    @app.get("/api/explode")
    def explode() -> str:
        raise RuntimeError("internal detail")

    response = app.test_client().get("/api/explode")
    assert response.status_code == 500
    assert response.json == {
        "error": "server_error",
        "error_description": "Something went wrong on our side. Please try again later.",
    }


def test_pages_carry_the_security_headers(client: FlaskClient) -> None:
    headers = client.get("/login").headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"


def test_templates_hold_no_inline_scripts() -> None:
    from oauthapp.settings import ROOT

    for template in (ROOT / "templates").rglob("*.html"):
        html = template.read_text()
        assert "<script>" not in html and " onclick=" not in html, template
