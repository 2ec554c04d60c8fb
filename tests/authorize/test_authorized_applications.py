"""Authorized Applications on My User and the customer profile, with Revoke Access."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from oauthapp.extensions import db
from oauthapp.models import Consent, Kind, SecurityEvent
from tests.authorize.helpers import (
    CodeApp,
    authorize_url,
    browser_for,
    exchange,
    form_token,
    new_code_app,
    obtain_code,
)
from tests.security.authorization_support import snapshot
from tests.token.grant_support import me, token_body
from tests.token.helpers import assert_error, refresh_grant

PROFILE = {Kind.BACKOFFICE: "/admin/profile", Kind.STOREFRONT: "/customer/user/profile"}
REVOKE = {
    Kind.BACKOFFICE: "/admin/profile/applications/{}/revoke",
    Kind.STOREFRONT: "/customer/user/profile/applications/{}/revoke",
}


def granted(app: Flask, kind: Kind) -> tuple[CodeApp, FlaskClient, dict[str, str]]:
    """An application of that kind a signed-in account granted, and the tokens it got."""
    code_app = new_code_app(app, kind=kind)
    browser, _ = browser_for(app, code_app)
    code = obtain_code(browser, code_app, scope="email")
    return code_app, browser, token_body(exchange(app.test_client(), code_app, code))


def revoke(browser: FlaskClient, kind: Kind, application_id: int) -> None:
    token = form_token(browser.get(PROFILE[kind]).get_data(as_text=True))
    response = browser.post(REVOKE[kind].format(application_id), data={"csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"] == PROFILE[kind]


@pytest.mark.parametrize("kind", list(Kind))
def test_the_profile_lists_the_granted_application_with_revoke_access(
    app: Flask, kind: Kind
) -> None:
    code_app, browser, _ = granted(app, kind)
    html = browser.get(PROFILE[kind]).get_data(as_text=True)
    assert "Authorized Applications" in html
    assert code_app.name in html
    assert ">Revoke Access</button>" in html
    assert REVOKE[kind].format(code_app.id) in html


@pytest.mark.parametrize("kind", list(Kind))
def test_a_profile_without_grants_says_so(app: Flask, kind: Kind) -> None:
    code_app = new_code_app(app, kind=kind)
    browser, _ = browser_for(app, code_app)
    html = browser.get(PROFILE[kind]).get_data(as_text=True)
    assert "You have not authorized any application." in html


@pytest.mark.parametrize("kind", list(Kind))
def test_revoke_access_forgets_the_consent_and_revokes_the_tokens(app: Flask, kind: Kind) -> None:
    code_app, browser, tokens = granted(app, kind)
    client = app.test_client()
    assert me(client, tokens["access_token"], kind).status_code == 200

    revoke(browser, kind, code_app.id)

    assert me(client, tokens["access_token"], kind).status_code == 401
    assert code_app.secret is not None
    response = refresh_grant(client, code_app.client_id, code_app.secret, tokens["refresh_token"])
    assert_error(response, 400, "invalid_grant")
    assert "Access has been revoked." in browser.get(PROFILE[kind]).get_data(as_text=True)
    assert browser.get(authorize_url(code_app.client_id, scope="email")).status_code == 200
    with app.app_context():
        assert db.session.scalar(select(Consent)) is None
        events = db.session.scalars(select(SecurityEvent.event))
        assert "consent_revoked" in list(events)


def test_revoke_access_revokes_tokens_refreshed_since_the_grant(app: Flask) -> None:
    code_app, browser, tokens = granted(app, Kind.BACKOFFICE)
    client = app.test_client()
    assert code_app.secret is not None
    fresh = token_body(
        refresh_grant(client, code_app.client_id, code_app.secret, tokens["refresh_token"])
    )
    revoke(browser, Kind.BACKOFFICE, code_app.id)
    assert me(client, fresh["access_token"]).status_code == 401


def test_revoke_access_leaves_other_users_alone(app: Flask) -> None:
    code_app, browser, _ = granted(app, Kind.BACKOFFICE)
    other, _ = browser_for(app, code_app)
    theirs = token_body(exchange(app.test_client(), code_app, obtain_code(other, code_app)))
    revoke(browser, Kind.BACKOFFICE, code_app.id)
    assert me(app.test_client(), theirs["access_token"]).status_code == 200


def test_revoking_an_application_not_granted_changes_nothing(app: Flask) -> None:
    code_app, _, _ = granted(app, Kind.BACKOFFICE)
    stranger, _ = browser_for(app, code_app)
    before = snapshot(app)
    token = form_token(stranger.get(PROFILE[Kind.BACKOFFICE]).get_data(as_text=True))
    response = stranger.post(REVOKE[Kind.BACKOFFICE].format(code_app.id),
                             data={"csrf_token": token})  # fmt: skip
    assert response.status_code == 302
    assert snapshot(app) == before


@pytest.mark.parametrize("kind", list(Kind))
def test_revoke_access_without_a_csrf_token_changes_nothing(app: Flask, kind: Kind) -> None:
    code_app, browser, _ = granted(app, kind)
    before = snapshot(app)
    assert browser.post(REVOKE[kind].format(code_app.id)).status_code == 400
    assert snapshot(app) == before


def test_the_customer_profile_needs_a_customer_session(client: FlaskClient) -> None:
    response = client.get(PROFILE[Kind.STOREFRONT])
    assert response.headers["Location"] == "/customer/user/login"
