"""The consent page: what it says, Grant and Cancel, what is remembered, and who skips it."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from oauthapp.extensions import db
from oauthapp.models import AuthorizationCode, Consent, Kind, Organization, SecurityEvent
from tests.authorize.helpers import (
    CodeApp,
    assert_redirected_error,
    authorize_url,
    browser_for,
    decide,
    form_token,
    new_code_app,
    quoted,
    redirected,
)
from tests.security.authorization_support import snapshot


def consent_rows(app: Flask) -> list[tuple[int, str, str]]:
    with app.app_context():
        rows = db.session.execute(
            select(Consent.application_id, Consent.subject_key, Consent.scope)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


def events(app: Flask, code_app: CodeApp) -> list[str]:
    with app.app_context():
        query = select(SecurityEvent.event).where(
            SecurityEvent.application_id == code_app.id, SecurityEvent.event.like("consent_%")
        )
        return list(db.session.scalars(query.order_by(SecurityEvent.id)))


def test_the_consent_page_names_the_application_its_organization_and_what_it_shares(
    app: Flask, browser: FlaskClient, code_app: CodeApp
) -> None:
    response = browser.get(authorize_url(code_app.client_id, scope="openid email"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"{quoted(code_app.name)} wants to access your account." in html
    with app.app_context():
        org = db.session.get_one(Organization, code_app.organization_id)
        assert f"organization <strong>{org.name}</strong>" in html
    assert "See your email address" in html
    assert "See your account identifier" in html
    assert "Your name, username" not in html and "your name, username" not in html
    assert 'value="grant"' in html and ">Grant</button>" in html
    assert ">Cancel</button>" in html
    assert response.headers["Cache-Control"] == "no-store"


def test_the_consent_page_lets_its_form_lead_to_the_redirect_url(
    browser: FlaskClient, code_app: CodeApp
) -> None:
    policy = browser.get(authorize_url(code_app.client_id)).headers["Content-Security-Policy"]
    assert "form-action 'self' https://app.example;" in policy


def test_grant_redirects_with_a_code_the_state_and_the_issuer(
    app: Flask, browser: FlaskClient, code_app: CodeApp
) -> None:
    params = redirected(decide(browser, authorize_url(code_app.client_id, scope="openid")))
    assert set(params) == {"code", "state", "iss"}
    assert params["state"] == "xyz" and params["iss"] == "http://localhost:5000"
    assert len(params["code"]) >= 43  # 256 bits, base64url
    assert consent_rows(app) == [(code_app.id, consent_rows(app)[0][1], "openid")]
    assert events(app, code_app) == ["consent_granted"]


def test_cancel_redirects_with_access_denied_and_remembers_nothing(
    app: Flask, browser: FlaskClient, code_app: CodeApp
) -> None:
    response = decide(browser, authorize_url(code_app.client_id), "cancel")
    assert_redirected_error(response, "access_denied")
    assert consent_rows(app) == []
    assert events(app, code_app) == ["consent_denied"]


def test_a_consent_post_without_a_csrf_token_changes_nothing(
    app: Flask, browser: FlaskClient, code_app: CodeApp
) -> None:
    url = authorize_url(code_app.client_id)
    assert browser.get(url).status_code == 200
    before = snapshot(app)
    response = browser.post(url, data={"decision": "grant"})
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert response.mimetype == "text/html"
    assert snapshot(app) == before


def test_a_consent_post_with_another_sessions_token_changes_nothing(
    app: Flask, browser: FlaskClient, code_app: CodeApp
) -> None:
    url = authorize_url(code_app.client_id)
    other, _ = browser_for(app, code_app)
    token = form_token(other.get(url).get_data(as_text=True))
    before = snapshot(app)
    assert browser.post(url, data={"csrf_token": token, "decision": "grant"}).status_code == 400
    assert snapshot(app) == before


def test_a_granted_consent_is_remembered(browser: FlaskClient, code_app: CodeApp) -> None:
    url = authorize_url(code_app.client_id, scope="openid email")
    redirected(decide(browser, url))
    assert "code" in redirected(browser.get(url))


def test_fewer_scopes_than_granted_need_no_new_consent(
    browser: FlaskClient, code_app: CodeApp
) -> None:
    redirected(decide(browser, authorize_url(code_app.client_id, scope="openid email")))
    assert "code" in redirected(browser.get(authorize_url(code_app.client_id, scope="email")))


def test_a_new_scope_shows_the_page_again_and_adds_to_the_consent(
    app: Flask, browser: FlaskClient, code_app: CodeApp
) -> None:
    redirected(decide(browser, authorize_url(code_app.client_id, scope="openid")))
    url = authorize_url(code_app.client_id, scope="openid profile")
    assert browser.get(url).status_code == 200
    redirected(decide(browser, url))
    assert [row[2] for row in consent_rows(app)] == ["openid profile"]


def test_prompt_consent_shows_the_page_again(browser: FlaskClient, code_app: CodeApp) -> None:
    redirected(decide(browser, authorize_url(code_app.client_id)))
    response = browser.get(authorize_url(code_app.client_id, prompt="consent"))
    assert response.status_code == 200
    assert "wants to access your account" in response.get_data(as_text=True)


def test_a_consent_is_per_user(app: Flask, browser: FlaskClient, code_app: CodeApp) -> None:
    redirected(decide(browser, authorize_url(code_app.client_id)))
    other, _ = browser_for(app, code_app)
    assert other.get(authorize_url(code_app.client_id)).status_code == 200


def test_a_consent_is_per_application(app: Flask, browser: FlaskClient, code_app: CodeApp) -> None:
    redirected(decide(browser, authorize_url(code_app.client_id)))
    sibling = new_code_app(app, code_app.organization_id)
    assert browser.get(authorize_url(sibling.client_id)).status_code == 200


def test_a_skip_consent_application_never_shows_the_page(app: Flask) -> None:
    trusted = new_code_app(app, skip_consent=True)
    browser, _ = browser_for(app, trusted)
    for prompt in (None, "consent"):
        response = browser.get(authorize_url(trusted.client_id, prompt=prompt, scope="email"))
        assert "code" in redirected(response)
    assert consent_rows(app) == []


def test_a_storefront_customer_grants_consent(app: Flask) -> None:
    store = new_code_app(app, kind=Kind.STOREFRONT)
    browser, customer_id = browser_for(app, store)
    url = authorize_url(store.client_id, scope="profile")
    assert "Use the storefront API" in browser.get(url).get_data(as_text=True)
    params = redirected(decide(browser, url))
    with app.app_context():
        code = db.session.scalar(select(AuthorizationCode))
        assert code is not None
        assert (code.customer_user_id, code.user_id, code.scope) == (customer_id, None, "profile")
    assert consent_rows(app) == [(store.id, f"c:{customer_id}", "profile")]
    assert "code" in params


def test_consents_show_in_the_applications_activity(
    app: Flask, browser: FlaskClient, code_app: CodeApp
) -> None:
    redirected(decide(browser, authorize_url(code_app.client_id), "cancel"))
    redirected(decide(browser, authorize_url(code_app.client_id)))
    page = browser.get(f"/admin/oauth2/{code_app.id}").get_data(as_text=True)  # an administrator
    assert "Consent granted" in page and "Consent denied" in page
