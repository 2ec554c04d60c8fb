"""GET and POST /oauth2-token/authorize: the grant validates, the view decides the next step."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from urllib.parse import urlsplit

from authlib.oauth2.rfc6749.errors import AccessDeniedError, OAuth2Error
from flask import Blueprint, make_response, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from oauthapp import audit
from oauthapp.authorize import consents, sessions
from oauthapp.authorize.descriptions import AUTHORIZE, DECIDE
from oauthapp.authorize.flow import Situation, Step, may_use, next_step, prompts
from oauthapp.authorize.requests import AUTHORIZE_PATH, AuthorizeRequest
from oauthapp.authorize.scopes import descriptions
from oauthapp.models import CustomerUser, Kind, OAuthApplication, User
from oauthapp.openapi import documented
from oauthapp.security.headers import CONTENT_SECURITY_POLICY
from oauthapp.token.code_grant import AuthorizationCodeGrant, UntrustedRequest, state_of
from oauthapp.token.server import server

blueprint = Blueprint("authorize", __name__)
LOGIN_VIEW = {Kind.BACKOFFICE: "accounts.login", Kind.STOREFRONT: "customer.login"}


@blueprint.route(AUTHORIZE_PATH, methods=["GET", "POST"])
@documented(**AUTHORIZE)
@documented(**DECIDE)
def authorize() -> Response:
    oauth_request = AuthorizeRequest(request)
    try:
        grant: AuthorizationCodeGrant = server.get_consent_grant(oauth_request)
    except UntrustedRequest as untrusted:
        return untrusted_page(str(untrusted))
    except OAuth2Error as error:
        return _refused(oauth_request, error)
    try:
        return _decided(grant) if request.method == "POST" else _next(grant)
    except OAuth2Error as error:
        error.redirect_uri = grant.redirect_uri
        return _refused(oauth_request, error)


def _refused(oauth_request: AuthorizeRequest, error: OAuth2Error) -> Response:
    """Back to the client's redirect URL with the error, the state and our issuer."""
    if not error.redirect_uri:  # only trusted redirect URLs are ever set; this is a guard
        return untrusted_page(error.get_error_description() or error.error)
    error.state = state_of(oauth_request.payload.datalist)
    return no_store(server.handle_error_response(oauth_request, error))


def _next(grant: AuthorizationCodeGrant) -> Response:
    application: OAuthApplication = grant.client
    kind = Kind(application.kind)
    data = grant.request.payload.data
    asked = prompts(data.get("prompt"))
    situation = Situation(
        account=sessions.signed_in(kind),
        auth_time=sessions.auth_time(kind),
        fresh_login=sessions.take_fresh_login(kind),
        now=int(time.time()),
    )
    max_age = int(data["max_age"]) if "max_age" in data else None
    step = next_step(application, grant.request.scopes, asked, max_age, situation)
    if step == Step.LOGIN:
        if situation.account is not None:  # prompt=login or max_age: log in again
            sessions.sign_out(kind)
        return redirect(url_for(LOGIN_VIEW[kind], next=request.full_path))
    assert situation.account is not None
    if step == Step.CONSENT:
        return consent_page(grant, situation.account)
    return _issue(grant, situation.account)


def _decided(grant: AuthorizationCodeGrant) -> Response:
    """The consent form was sent (its CSRF token already checked)."""
    application: OAuthApplication = grant.client
    kind = Kind(application.kind)
    account = sessions.signed_in(kind)
    if account is None:
        return redirect(url_for(LOGIN_VIEW[kind], next=request.full_path))
    if not may_use(application, account):
        raise AccessDeniedError("This account may not use this application.")
    scopes = grant.request.scopes
    if request.form.get("decision") != "grant":
        consents.record_denial(application, scopes, actor_of(account))
        raise AccessDeniedError("The user denied access to the application.")
    consents.grant_consent(application, account, scopes, actor_of(account))
    return _issue(grant, account)


def _issue(grant: AuthorizationCodeGrant, account: User | CustomerUser) -> Response:
    kind = Kind(grant.client.kind)
    grant.request.auth_time = datetime.fromtimestamp(sessions.auth_time(kind), UTC)
    status, body, headers = grant.create_authorization_response(grant.redirect_uri, account)
    return no_store(server.handle_response(status, body, headers))


def consent_page(grant: AuthorizationCodeGrant, account: User | CustomerUser) -> Response:
    application: OAuthApplication = grant.client
    response = make_response(
        render_template(
            "authorize/consent.html",
            application=application,
            account=account,
            shares=descriptions(grant.request.scopes),
            api="storefront" if application.kind == Kind.STOREFRONT else "back-office",
            action=request.full_path,
        )
    )
    response.headers["Content-Security-Policy"] = policy_for(application)
    return no_store(response)


def policy_for(application: OAuthApplication) -> str:
    """The site's policy, letting forms lead on to the application's redirect URLs: browsers
    apply form-action to the redirects that follow a form's submission."""
    sources = " ".join(sorted({_source(uri) for uri in application.redirect_uris or []}))
    return CONTENT_SECURITY_POLICY.replace("form-action 'self'", f"form-action 'self' {sources}")


def _source(uri: str) -> str:
    parts = urlsplit(uri)
    if parts.scheme in ("http", "https"):
        return f"{parts.scheme}://{parts.netloc}"
    return f"{parts.scheme}:"


def untrusted_page(description: str) -> Response:
    """400 on this server: the client or its redirect URL cannot be trusted with a redirect."""
    page = render_template(
        "errors/error.html", status=400, title="Bad Request", description=description
    )
    return no_store(make_response(page, 400))


def actor_of(account: User | CustomerUser) -> audit.Actor:
    ip = request.remote_addr or ""
    if isinstance(account, User):
        return audit.Actor(account.id, account.username, ip)
    return audit.Actor(None, account.email, ip)


def no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response
