"""GET /oauth2/logout (RP-initiated logout): the hint, the redirect URL, the state, the session."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from flask import Flask
from flask.testing import FlaskClient

from oauthapp.keys import keys
from oauthapp.models import Kind
from tests.authorize.helpers import REDIRECT, authorize_url, form_token
from tests.oidc.helpers import LOGOUT, sign_in_flow

LOGGED_OUT = "/oauth2/logged-out"


def still_signed_in(browser: FlaskClient, client_id: str) -> bool:
    """Whether an authorize request with prompt=none is answered with a code."""
    response = browser.get(authorize_url(client_id, scope="openid", prompt="none"))
    return "code=" in response.headers.get("Location", "")


@pytest.mark.parametrize("kind", list(Kind))
def test_a_registered_post_logout_redirect_gets_the_state_and_the_session_ends(
    app: Flask, kind: Kind
) -> None:
    code_app, browser, _, body = sign_in_flow(app, "openid", kind)
    assert still_signed_in(browser, code_app.client_id)
    query = {"id_token_hint": body["id_token"], "post_logout_redirect_uri": REDIRECT}
    response = browser.get(LOGOUT, query_string={**query, "state": "af0ifjsldkj"})
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    assert parse_qs(location.query) == {"state": ["af0ifjsldkj"]}
    assert not still_signed_in(browser, code_app.client_id)


def test_an_unregistered_post_logout_redirect_shows_the_page_instead(app: Flask) -> None:
    code_app, browser, _, body = sign_in_flow(app, "openid")
    query = {"id_token_hint": body["id_token"], "post_logout_redirect_uri": "https://evil.example/"}
    response = browser.get(LOGOUT, query_string=query)
    assert response.status_code == 302
    assert response.headers["Location"] == LOGGED_OUT
    page = browser.get(LOGGED_OUT)
    assert "You have been logged out." in page.get_data(as_text=True)
    assert not still_signed_in(browser, code_app.client_id)


def test_an_expired_id_token_hint_still_logs_out(app: Flask) -> None:
    code_app, browser, _, body = sign_in_flow(app, "openid")
    with app.app_context():
        ring = keys().ring()
        claims = jwt.decode(body["id_token"], options={"verify_signature": False})
        claims["exp"] = claims["iat"] - 10
        expired = jwt.encode(
            claims, ring.private_key, algorithm=ring.algorithm, headers={"kid": ring.kid}
        )
    query = {"id_token_hint": expired, "post_logout_redirect_uri": REDIRECT}
    response = browser.get(LOGOUT, query_string=query)
    assert response.headers["Location"] == REDIRECT
    assert not still_signed_in(browser, code_app.client_id)


def test_a_forged_id_token_hint_is_a_400_page_and_the_session_stays(app: Flask) -> None:
    code_app, browser, _, body = sign_in_flow(app, "openid")
    forged = body["id_token"][:-4] + ("AAAA" if body["id_token"][-4:] != "AAAA" else "BBBB")
    query = {"id_token_hint": forged, "post_logout_redirect_uri": REDIRECT}
    response = browser.get(LOGOUT, query_string=query)
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert still_signed_in(browser, code_app.client_id)


def test_an_access_token_is_no_id_token_hint(app: Flask) -> None:
    _, browser, _, body = sign_in_flow(app, "openid")
    response = browser.get(LOGOUT, query_string={"id_token_hint": body["access_token"]})
    assert response.status_code == 400


def test_without_a_hint_the_user_confirms_with_a_form(app: Flask) -> None:
    code_app, browser, _, _ = sign_in_flow(app, "openid")
    page = browser.get(LOGOUT, query_string={"post_logout_redirect_uri": REDIRECT})
    assert page.status_code == 200
    assert still_signed_in(browser, code_app.client_id)
    token = form_token(page.get_data(as_text=True))
    response = browser.post(LOGOUT, data={"csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"] == LOGGED_OUT
    assert not still_signed_in(browser, code_app.client_id)


def test_the_confirmation_without_its_csrf_token_ends_nothing(app: Flask) -> None:
    code_app, browser, _, _ = sign_in_flow(app, "openid")
    response = browser.post(LOGOUT, data={})
    assert response.status_code == 400
    assert still_signed_in(browser, code_app.client_id)


def test_without_a_session_the_logged_out_page_is_shown(client: FlaskClient) -> None:
    response = client.get(LOGOUT, follow_redirects=True)
    assert response.status_code == 200
    assert "You have been logged out." in response.get_data(as_text=True)
