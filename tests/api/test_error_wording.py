"""Refusals say what happened in the client developer's words (not a library's)."""

from __future__ import annotations

from flask import Flask

from oauthapp import get_settings
from oauthapp.accounts import service as accounts
from oauthapp.applications import service as applications
from oauthapp.extensions import db
from oauthapp.keys import keys
from oauthapp.models import OAuthApplication, User
from oauthapp.security import lockout
from oauthapp.token import access_tokens
from oauthapp.token.body import SEND_AS
from tests.factories import make_application, make_org
from tests.token.helpers import bearer, client_credentials


def refusal(app: Flask, token: str) -> str:
    response = app.test_client().get("/api/me", headers=bearer(token))
    assert response.status_code == 401
    description: str = response.get_json()["error_description"]
    return description


def test_each_refusal_of_a_token_says_why(app: Flask) -> None:
    with app.app_context():
        application, secret = make_application(make_org())
        app_id, client_id = application.id, application.client_id
        owner = application.user
        assert owner is not None
        owner_id, org_name = owner.id, application.organization.name
        expired = access_tokens.issue(
            keys().ring(), issuer=get_settings().oauth2_server.issuer, kind=application.kind,
            subject=owner_id, client_id=client_id, organization_id=application.organization_id,
            lifetime=-(access_tokens.LEEWAY + 1),
        ).token  # fmt: skip
    token = client_credentials(app.test_client(), client_id, secret).get_json()["access_token"]
    assert refusal(app, expired) == "The access token has expired."
    assert refusal(app, token[:-4] + "AAAA") == "The access token's signature does not verify."

    with app.app_context():
        accounts.set_organization_enabled(org_name, False)
    assert refusal(app, token) == "The organization is disabled."
    with app.app_context():
        accounts.set_organization_enabled(org_name, True)
        applications.set_active(db.session.get_one(OAuthApplication, app_id), False)
    assert refusal(app, token) == "The application is inactive."
    with app.app_context():
        applications.set_active(db.session.get_one(OAuthApplication, app_id), True)
        accounts.set_enabled(db.session.get_one(User, owner_id), False)
    assert refusal(app, token) == "The user is disabled."
    with app.app_context():
        accounts.set_enabled(db.session.get_one(User, owner_id), True)
        lockout.lock(db.session.get_one(User, owner_id))
        db.session.commit()
    assert refusal(app, token) == "The user is locked."
    with app.app_context():
        db.session.delete(db.session.get_one(User, owner_id))
        db.session.commit()
    assert refusal(app, token) == "The user no longer exists."


def test_json_sent_as_a_form_is_told_which_content_type_to_send(app: Flask) -> None:
    http = app.test_client()
    body = '{"grant_type": "client_credentials"}'
    as_curl_sends_it = http.post(
        "/oauth2-token", data=body, content_type="application/x-www-form-urlencoded"
    )
    assert as_curl_sends_it.status_code == 400
    assert as_curl_sends_it.get_json()["error_description"] == (
        f"The body looks like JSON but was sent as a form. {SEND_AS}"
    )
    untyped = http.post("/oauth2-token", data=body, content_type="text/plain")
    assert untyped.get_json()["error_description"] == SEND_AS
    assert SEND_AS == (
        "Send the body as application/json or application/x-www-form-urlencoded "
        "(Content-Type header)."
    )
