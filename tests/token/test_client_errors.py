"""POST /oauth2-token: every client that may not have a token is 401 invalid_client."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from oauthapp.accounts.service import set_enabled, set_organization_enabled
from oauthapp.extensions import db
from oauthapp.models import Grant, Kind, OAuthApplication, User, utcnow
from tests.factories import (
    PASSWORD,
    make_application,
    make_code_application,
    make_org,
    make_user,
)
from tests.token.helpers import assert_error, basic, post_token

METHODS = ["body", "basic"]
CHALLENGE = 'Basic realm="OAuth"'


class Client:
    """An application created for a test, and how to ask for a token as it."""

    def __init__(self, app: Flask, application: OAuthApplication, secret: str) -> None:
        self.app, self.id, self.secret = app, application.client_id, secret
        self.username = ""

    def post(
        self,
        method: str,
        grant_type: str = "client_credentials",
        *,
        client_id: str | None = None,
        secret: str | None = None,
        as_json: bool = False,
        **params: Any,
    ) -> TestResponse:
        client_id = self.id if client_id is None else client_id
        secret = self.secret if secret is None else secret
        data: dict[str, Any] = {"grant_type": grant_type, **params}
        headers: dict[str, str] = {}
        if method == "basic":
            headers = basic(client_id, secret)
        else:
            data |= {"client_id": client_id, "client_secret": secret}
        return post_token(self.app.test_client(), data, as_json=as_json, headers=headers)

    def last_used_at(self) -> Any:
        with self.app.app_context():
            return db.session.scalar(
                db.select(OAuthApplication.last_used_at).filter_by(client_id=self.id)
            )


Factory = Callable[..., Client]


@pytest.fixture
def new_client(app: Flask) -> Factory:
    """Create an application (and, for the password grant, a user of its organization)."""

    def create(grant: Grant = Grant.CLIENT_CREDENTIALS, **options: Any) -> Client:
        with app.app_context():
            org = make_org()
            if grant == Grant.AUTHORIZATION_CODE:
                application, code_secret = make_code_application(org, **options)
                assert code_secret is not None
                return Client(app, application, code_secret)
            application, secret = make_application(org, grant=grant, **options)
            made = Client(app, application, secret)
            if grant == Grant.PASSWORD:
                made.username = make_user(orgs=[org]).username
            elif isinstance(application.owner, User):
                made.username = application.owner.username  # the login it would try
            return made

    return create


def grant_params(client: Client, grant: Grant) -> dict[str, str]:
    """What a request of that grant sends besides the client's credentials."""
    if grant == Grant.PASSWORD:
        return {"username": client.username, "password": PASSWORD}
    if grant == Grant.AUTHORIZATION_CODE:
        return {"code": "some-code", "redirect_uri": "https://app.example/cb"}
    return {}


def assert_refused(response: TestResponse, method: str) -> dict[str, Any]:
    """401 invalid_client, challenging for Basic only when the client used Basic."""
    body = assert_error(response, 401, "invalid_client")
    challenge = response.headers.get("WWW-Authenticate", "")
    if method == "basic":
        assert challenge == CHALLENGE
    else:
        assert "basic" not in challenge.lower()
    return body


@pytest.mark.parametrize("as_json", [False, True], ids=["form", "json"])
@pytest.mark.parametrize("method", METHODS)
def test_an_unknown_client_id_is_refused(new_client: Factory, method: str, as_json: bool) -> None:
    client = new_client()
    unknown = ("y" if client.id.startswith("x") else "x") + client.id[1:]
    assert_refused(client.post(method, client_id=unknown, as_json=as_json), method)


@pytest.mark.parametrize("method", METHODS)
def test_a_client_id_longer_than_64_characters_is_refused(new_client: Factory, method: str) -> None:
    assert_refused(new_client().post(method, client_id="a" * 65), method)


@pytest.mark.parametrize("grant", list(Grant))
@pytest.mark.parametrize("as_json", [False, True], ids=["form", "json"])
@pytest.mark.parametrize("method", METHODS)
def test_a_wrong_secret_is_refused(
    new_client: Factory, method: str, as_json: bool, grant: Grant
) -> None:
    client = new_client(grant)
    params = grant_params(client, grant)
    response = client.post(
        method, grant.value, secret=client.secret + "x", as_json=as_json, **params
    )
    assert_refused(response, method)
    assert client.last_used_at() is None


@pytest.mark.parametrize("method", METHODS)
def test_the_secret_of_another_application_is_refused(new_client: Factory, method: str) -> None:
    client, other = new_client(), new_client()
    assert_refused(client.post(method, secret=other.secret), method)


@pytest.mark.parametrize("method", METHODS)
def test_a_wrong_secret_is_refused_before_the_user_credentials_are_looked_at(
    new_client: Factory, method: str
) -> None:
    client = new_client(Grant.PASSWORD)
    response = client.post(
        method, "password", secret="wrong", username=client.username, password="also wrong"
    )
    assert_refused(response, method)


@pytest.mark.parametrize(
    "credentials",
    [{}, {"client_id": "ID"}, {"client_secret": "SECRET"}, {"client_id": "", "client_secret": ""}],
    ids=["none", "id-only", "secret-only", "empty"],
)
@pytest.mark.parametrize("as_json", [False, True], ids=["form", "json"])
def test_missing_client_credentials_are_refused(
    app: Flask, new_client: Factory, credentials: dict[str, str], as_json: bool
) -> None:
    client = new_client()
    data = {"grant_type": "client_credentials"}
    data |= {key: value.replace("ID", client.id).replace("SECRET", client.secret)
             for key, value in credentials.items()}  # fmt: skip
    assert_refused(post_token(app.test_client(), data, as_json=as_json), "body")
    assert client.last_used_at() is None


@pytest.mark.parametrize("grant", list(Grant))
@pytest.mark.parametrize("as_json", [False, True], ids=["form", "json"])
@pytest.mark.parametrize("method", METHODS)
def test_an_inactive_application_is_refused(
    new_client: Factory, method: str, as_json: bool, grant: Grant
) -> None:
    client = new_client(grant, active=False)
    params = grant_params(client, grant)
    assert_refused(client.post(method, grant.value, as_json=as_json, **params), method)
    assert client.last_used_at() is None


@pytest.mark.parametrize("grant", list(Grant))
@pytest.mark.parametrize("method", METHODS)
def test_an_application_of_a_disabled_organization_is_refused(
    app: Flask, new_client: Factory, method: str, grant: Grant
) -> None:
    client = new_client(grant)
    with app.app_context():
        application = db.session.scalar(db.select(OAuthApplication).filter_by(client_id=client.id))
        assert application is not None
        set_organization_enabled(application.organization.name, False)
    assert_refused(client.post(method, grant.value, **grant_params(client, grant)), method)
    assert client.last_used_at() is None


def _disable(owner: Any) -> None:
    set_enabled(owner, False)


def _lock(owner: Any) -> None:
    owner.locked = True
    db.session.commit()


@pytest.mark.parametrize("change", [_disable, _lock], ids=["disabled", "locked"])
@pytest.mark.parametrize("kind", list(Kind))
@pytest.mark.parametrize("method", METHODS)
def test_a_client_credentials_application_whose_owner_is_disabled_or_locked_is_refused(
    app: Flask,
    new_client: Factory,
    method: str,
    kind: Kind,
    change: Callable[[Any], None],
) -> None:
    client = new_client(kind=kind)
    assert client.post(method).status_code == 200
    with app.app_context():
        application = db.session.scalar(db.select(OAuthApplication).filter_by(client_id=client.id))
        assert application is not None and application.owner is not None
        change(application.owner)
    assert_refused(client.post(method), method)


@pytest.mark.parametrize("kind", list(Kind))
def test_a_client_credentials_application_whose_owners_lock_has_expired_works(
    app: Flask, new_client: Factory, kind: Kind
) -> None:
    client = new_client(kind=kind)
    with app.app_context():
        application = db.session.scalar(db.select(OAuthApplication).filter_by(client_id=client.id))
        assert application is not None and application.owner is not None
        application.owner.locked = True
        application.owner.locked_at = utcnow() - timedelta(seconds=901)
        db.session.commit()
    assert client.post("basic").status_code == 200


def _refresh_token(client: Client) -> str:
    response = client.post("body", "password", username=client.username, password=PASSWORD)
    assert response.status_code == 200, response.get_data(as_text=True)
    token: str = response.get_json()["refresh_token"]
    return token


ALLOWED = {
    (Grant.CLIENT_CREDENTIALS, "client_credentials"),
    (Grant.PASSWORD, "password"),
    (Grant.PASSWORD, "refresh_token"),
    (Grant.AUTHORIZATION_CODE, "authorization_code"),
    (Grant.AUTHORIZATION_CODE, "refresh_token"),
}
REQUESTED = ["client_credentials", "password", "refresh_token", "authorization_code"]


@pytest.mark.parametrize("requested", REQUESTED)
@pytest.mark.parametrize("grant", list(Grant))
@pytest.mark.parametrize("method", METHODS)
def test_an_application_may_use_only_the_grant_it_was_created_for(
    new_client: Factory, method: str, grant: Grant, requested: str
) -> None:
    client = new_client(grant)
    params = grant_params(client, Grant(requested)) if requested != "refresh_token" else {}
    if requested == "refresh_token":
        params = {"refresh_token": _refresh_token(client) if grant == Grant.PASSWORD else "any"}
    response = client.post(method, requested, **params)
    if (grant, requested) not in ALLOWED:
        assert_refused(response, method)
    elif grant == Grant.AUTHORIZATION_CODE:  # the client passed; its made-up code did not
        assert_error(response, 400, "invalid_grant")
    else:
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.get_json()["token_type"] == "Bearer"


@pytest.mark.parametrize("as_json", [False, True], ids=["form", "json"])
def test_http_basic_and_a_body_secret_at_once_is_an_invalid_request(
    new_client: Factory, as_json: bool
) -> None:
    client = new_client()
    data = {"grant_type": "client_credentials", "client_secret": client.secret}
    headers = basic(client.id, client.secret)
    response = post_token(client.app.test_client(), data, as_json=as_json, headers=headers)
    assert_error(response, 400, "invalid_request")
    assert client.last_used_at() is None


def test_http_basic_with_a_different_client_id_in_the_body_is_an_invalid_request(
    new_client: Factory,
) -> None:
    client, other = new_client(), new_client()
    data = {"grant_type": "client_credentials", "client_id": other.id}
    response = post_token(client.app.test_client(), data, headers=basic(client.id, client.secret))
    assert_error(response, 400, "invalid_request")


def test_http_basic_with_the_same_client_id_in_the_body_is_accepted(new_client: Factory) -> None:
    client = new_client()
    data = {"grant_type": "client_credentials", "client_id": client.id}
    response = post_token(client.app.test_client(), data, headers=basic(client.id, client.secret))
    assert response.status_code == 200, response.get_data(as_text=True)


def _encoded(raw: bytes) -> str:
    return "Basic " + base64.b64encode(raw).decode()


@pytest.mark.parametrize(
    "header",
    ["Basic !!!not-base64!!!", "Basic " + "QQ", _encoded(b"no-colon-here"), _encoded(b":secret"),
     _encoded(b"client-id:"), _encoded(b"\xff\xfe:\xff"), "Basic ", "basic " + "e30="],
    ids=["bad-base64", "bad-padding", "no-colon", "no-id", "no-secret", "not-utf8", "empty",
         "lower-case-scheme"],
)  # fmt: skip
@pytest.mark.parametrize("as_json", [False, True], ids=["form", "json"])
def test_a_malformed_basic_header_is_refused(
    new_client: Factory, header: str, as_json: bool
) -> None:
    client = new_client()
    data = {"grant_type": "client_credentials"}
    response = post_token(
        client.app.test_client(), data, as_json=as_json, headers={"Authorization": header}
    )
    assert_refused(response, "basic")
    assert client.last_used_at() is None


@pytest.mark.parametrize("raw", [b"a\x00b:secret", b"a%00b:secret"], ids=["raw", "escaped"])
@pytest.mark.parametrize("url", ["/oauth2-token", "/oauth2/revoke", "/oauth2/introspect"])
def test_a_basic_client_id_with_a_nul_byte_is_an_unknown_client(
    new_client: Factory, raw: bytes, url: str
) -> None:
    """No client id holds a NUL byte; PostgreSQL refuses one, which must not look like an outage."""
    client = new_client()
    data = {"grant_type": "client_credentials", "token": "x"}
    response = client.app.test_client().post(
        url, data=data, headers={"Authorization": _encoded(raw)}
    )
    assert_refused(response, "basic")


def test_a_basic_header_without_credentials_is_challenged(new_client: Factory) -> None:
    # Servers strip trailing whitespace, so "Basic " arrives as "Basic": still an attempt at
    # HTTP Basic, which RFC 6749 section 5.2 answers with WWW-Authenticate.
    client = new_client()
    data = {"grant_type": "client_credentials"}
    headers = {"Authorization": "Basic"}
    assert_refused(post_token(client.app.test_client(), data, headers=headers), "basic")


def test_credentials_in_the_query_string_are_not_accepted(new_client: Factory) -> None:
    # RFC 6749 section 2.3.1: client credentials never travel in the request URI.
    client = new_client()
    query = {"client_id": client.id, "client_secret": client.secret}
    response = client.app.test_client().post(
        "/oauth2-token", query_string=query, data={"grant_type": "client_credentials"}
    )
    assert_refused(response, "body")
    assert client.last_used_at() is None
