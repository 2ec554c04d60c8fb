"""Third-party clients against a real server: requests-oauthlib fetches tokens, PyJWT verifies them.

One `flask run` process serves the whole module. It is set up the way an operator would, with
`flask --app app …` commands in separate processes on a fresh SQLite database, and the clients
know only its URL and the Client IDs and Secrets the CLI printed.
"""

from __future__ import annotations

import base64
import json
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
import pytest
import requests
from oauthlib.oauth2 import (
    BackendApplicationClient,
    InvalidClientError,
    InvalidGrantError,
    LegacyApplicationClient,
)
from requests.auth import HTTPBasicAuth
from requests_oauthlib import OAuth2Session

from tests.server import (
    SQLITE_PASS_ONLY,
    flask_batch,
    flask_ok,
    flask_ok_together,
    free_port,
    serve,
    server_environ,
    site_config,
)

pytestmark = SQLITE_PASS_ONLY

ORG = "Acme Retail"
USERNAME = "olivia"
CUSTOMER = "carol@example.com"
PASSWORD = "correct horse battery"
TIMEOUT = 10  # seconds, for every HTTP request to the server


@dataclass(frozen=True)
class Credentials:
    client_id: str
    client_secret: str

    def basic(self) -> HTTPBasicAuth:
        return HTTPBasicAuth(self.client_id, self.client_secret)


@dataclass(frozen=True)
class Deployment:
    base: str
    env: dict[str, str] = field(repr=False)  # the environment of CLI commands
    log: Path
    backoffice: Credentials  # client credentials, owned by the user USERNAME
    password: Credentials  # back-office password application
    storefront: Credentials  # client credentials, owned by the customer user CUSTOMER
    switchable: Credentials  # like backoffice, switched off and on by one test

    @property
    def issuer(self) -> str:
        return self.base

    @property
    def token_url(self) -> str:
        return f"{self.base}/oauth2-token"

    @property
    def jwks_url(self) -> str:
        return f"{self.base}/.well-known/jwks.json"


def create_app_commands(*apps: tuple[str, ...]) -> list[tuple[str, ...]]:
    """`oauth create-app --org ORG … --json` for each of APPS, for `flask_batch`."""
    return [("oauth", "create-app", "--org", ORG, *args, "--json") for args in apps]


def set_up_with_apps(env: dict[str, str], *apps: tuple[str, ...]) -> list[Credentials]:
    """Schema, keys, ORG and USERNAME, then APPS, in one process (`flask_batch`); their
    credentials."""
    outputs = flask_batch(
        env,
        ("db", "upgrade"),
        ("oauth", "generate-keys"),
        ("orgs", "create", ORG),
        ("users", "create", USERNAME, "--email", "olivia@example.com",
         "--password", PASSWORD, "--org", ORG),
        *create_app_commands(*apps),
    )  # fmt: skip
    return printed_credentials(outputs[len(outputs) - len(apps) :])


def printed_credentials(outputs: list[str]) -> list[Credentials]:
    """The credentials `oauth create-app --json` printed in each of OUTPUTS."""
    found = [json.loads(output.strip()) for output in outputs]
    return [Credentials(data["client_id"], data["client_secret"]) for data in found]


def create_apps(env: dict[str, str], *apps: tuple[str, ...]) -> list[Credentials]:
    """`oauth create-app --org ORG … --json` for each of APPS; the printed credentials."""
    commands = [("oauth", "create-app", "--org", ORG, *args, "--json") for args in apps]
    outputs = [json.loads(output.strip()) for output in flask_ok_together(env, *commands)]
    return [Credentials(data["client_id"], data["client_secret"]) for data in outputs]


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    folder = tmp_path_factory.mktemp("e2e")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    config = site_config(folder, base)
    env = server_environ(config)
    # The operator's set-up, one process per command; commands that need nothing of each other
    # run at once (the first one alone: it creates the secret key file).
    flask_ok(env, "db", "upgrade")
    flask_ok_together(env, ("oauth", "generate-keys"), ("orgs", "create", ORG))
    flask_ok_together(
        env,
        ("users", "create", USERNAME, "--email", "olivia@example.com", "--password", PASSWORD,
         "--org", ORG),
        ("customers", "create", CUSTOMER, "--password", PASSWORD, "--org", ORG, "--name", "Carol"),
    )  # fmt: skip
    cc = ("--grant", "client_credentials")
    backoffice, password, storefront, switchable = create_apps(
        env,
        ("--name", "Nightly sync", *cc, "--owner", USERNAME),
        ("--name", "Mobile app", "--grant", "password"),
        ("--name", "Shop sync", *cc, "--owner", CUSTOMER, "--storefront"),
        ("--name", "Switchable", *cc, "--owner", USERNAME),
    )
    log = folder / "server.log"
    with serve(env, log, port) as url:
        assert url == base
        yield Deployment(base, env, log, backoffice, password, storefront, switchable)


@pytest.fixture(autouse=True)
def _client_side(deployment: Deployment, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """oauthlib refuses plain http without this; a failing test shows what the server logged."""
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    start = deployment.log.stat().st_size
    yield
    with deployment.log.open() as log:
        log.seek(start)
        print(f"--- server log during this test ({deployment.log}) ---\n{log.read()}")


class Recorder:
    """The requests a session sent, as the server received them."""

    def __init__(self, session: requests.Session) -> None:
        self.sent: list[requests.PreparedRequest] = []
        session.hooks["response"].append(self._record)

    def _record(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self.sent.append(response.request)

    def last(self) -> tuple[dict[str, str], dict[str, list[str]]]:
        """Headers and form body of the last request."""
        request = self.sent[-1]
        body = request.body or ""
        text = body.decode() if isinstance(body, bytes) else body
        return dict(request.headers), urllib.parse.parse_qs(text)


def backend_session(app: Credentials) -> OAuth2Session:
    return OAuth2Session(client=BackendApplicationClient(client_id=app.client_id))


def password_session(app: Credentials) -> OAuth2Session:
    return OAuth2Session(client=LegacyApplicationClient(client_id=app.client_id))


def fetch_client_credentials(deployment: Deployment, app: Credentials) -> OAuth2Session:
    session = backend_session(app)
    session.fetch_token(deployment.token_url, auth=app.basic(), timeout=TIMEOUT)
    return session


def verify(deployment: Deployment, token: str, audience: str) -> dict[str, Any]:
    """Verify TOKEN with nothing but the JWKS served over HTTP, as a resource server would."""
    signing_key = jwt.PyJWKClient(deployment.jwks_url, timeout=TIMEOUT).get_signing_key_from_jwt(
        token
    )
    claims: dict[str, Any] = jwt.decode(
        token,
        signing_key.key,
        algorithms=["RS256"],
        audience=audience,
        issuer=deployment.issuer,
        options={"require": ["iss", "sub", "aud", "exp", "iat", "nbf", "jti", "client_id"]},
    )
    return claims


def get(session: requests.Session, url: str) -> requests.Response:
    return session.get(url, timeout=TIMEOUT)


def assert_invalid_token(response: requests.Response) -> None:
    assert response.status_code == 401, response.text
    assert 'error="invalid_token"' in response.headers.get("WWW-Authenticate", "")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_metadata_names_the_configured_issuer_and_the_real_endpoints(
    deployment: Deployment,
) -> None:
    response = requests.get(
        f"{deployment.base}/.well-known/oauth-authorization-server", timeout=TIMEOUT
    )
    assert response.status_code == 200
    metadata = response.json()
    assert metadata["issuer"] == deployment.issuer
    assert metadata["token_endpoint"] == deployment.token_url
    assert metadata["jwks_uri"] == deployment.jwks_url
    assert {"client_credentials", "password", "refresh_token"} <= set(
        metadata["grant_types_supported"]
    )
    assert {"client_secret_basic", "client_secret_post"} <= set(
        metadata["token_endpoint_auth_methods_supported"]
    )


@pytest.mark.parametrize("method", ["body", "basic", "library_default"])
def test_client_credentials_token_verifies_with_the_jwks_and_acts_for_the_owner(
    deployment: Deployment, method: str
) -> None:
    app = deployment.backoffice
    session = backend_session(app)
    sent = Recorder(session)
    if method == "body":
        session.fetch_token(
            deployment.token_url,
            client_id=app.client_id,
            client_secret=app.client_secret,
            include_client_id=True,
            timeout=TIMEOUT,
        )
    elif method == "basic":
        session.fetch_token(deployment.token_url, auth=app.basic(), timeout=TIMEOUT)
    else:  # requests-oauthlib sends client_id and client_secret as HTTP Basic by itself
        session.fetch_token(
            deployment.token_url,
            client_id=app.client_id,
            client_secret=app.client_secret,
            timeout=TIMEOUT,
        )

    headers, form = sent.last()
    assert form["grant_type"] == ["client_credentials"]
    if method == "body":
        assert "Authorization" not in headers
        assert form["client_id"] == [app.client_id]
        assert form["client_secret"] == [app.client_secret]
    else:
        expected = base64.b64encode(f"{app.client_id}:{app.client_secret}".encode()).decode()
        assert headers["Authorization"] == f"Basic {expected}"
        assert "client_secret" not in form
    token = session.token
    assert token["token_type"].lower() == "bearer"
    assert token["expires_in"] == 3600
    assert "refresh_token" not in token

    access_token = token["access_token"]
    assert jwt.get_unverified_header(access_token)["typ"] == "at+jwt"
    claims = verify(deployment, access_token, f"{deployment.issuer}/api")
    assert claims["client_id"] == app.client_id

    me = get(session, f"{deployment.base}/api/me")
    assert me.status_code == 200, me.text
    body = me.json()
    assert body["type"] == "user"
    assert body["username"] == USERNAME
    assert body["organization"] == ORG
    assert claims["sub"] == str(body["id"])


def test_a_storefront_token_verifies_for_the_storefront_api_and_acts_for_the_customer(
    deployment: Deployment,
) -> None:
    session = fetch_client_credentials(deployment, deployment.storefront)
    claims = verify(deployment, session.token["access_token"], f"{deployment.issuer}/api/frontend")
    me = get(session, f"{deployment.base}/api/frontend/me")
    assert me.status_code == 200, me.text
    assert me.json()["type"] == "customer_user"
    assert me.json()["email"] == CUSTOMER
    assert claims["sub"] == str(me.json()["id"])
    with pytest.raises(jwt.InvalidAudienceError):
        verify(deployment, session.token["access_token"], f"{deployment.issuer}/api")


def test_back_office_and_storefront_tokens_are_not_interchangeable(
    deployment: Deployment,
) -> None:
    backoffice = fetch_client_credentials(deployment, deployment.backoffice)
    storefront = fetch_client_credentials(deployment, deployment.storefront)

    assert_invalid_token(get(backoffice, f"{deployment.base}/api/frontend/me"))
    assert_invalid_token(get(storefront, f"{deployment.base}/api/me"))


def test_a_wrong_secret_is_refused_by_the_client_library_as_invalid_client(
    deployment: Deployment,
) -> None:
    app = deployment.backoffice
    session = backend_session(app)
    with pytest.raises(InvalidClientError) as refused:
        session.fetch_token(
            deployment.token_url, auth=HTTPBasicAuth(app.client_id, "wrong"), timeout=TIMEOUT
        )
    assert refused.value.status_code == 401


def password_tokens(deployment: Deployment) -> OAuth2Session:
    session = password_session(deployment.password)
    session.fetch_token(
        deployment.token_url,
        username=USERNAME,
        password=PASSWORD,
        auth=deployment.password.basic(),
        timeout=TIMEOUT,
    )
    return session


def refresh(session: OAuth2Session, deployment: Deployment, refresh_token: str, method: str) -> Any:
    app = deployment.password
    if method == "basic":
        return session.refresh_token(
            deployment.token_url, refresh_token=refresh_token, auth=app.basic(), timeout=TIMEOUT
        )
    return session.refresh_token(
        deployment.token_url,
        refresh_token=refresh_token,
        client_id=app.client_id,
        client_secret=app.client_secret,
        timeout=TIMEOUT,
    )


@pytest.mark.parametrize("method", ["basic", "body"])
def test_password_grant_refresh_rotates_the_pair_and_refuses_the_old_refresh_token(
    deployment: Deployment, method: str
) -> None:
    session = password_tokens(deployment)
    first = dict(session.token)
    assert first["refresh_token"]
    verify(deployment, first["access_token"], f"{deployment.issuer}/api")
    me = get(session, f"{deployment.base}/api/me")
    assert me.status_code == 200, me.text
    assert me.json()["username"] == USERNAME

    sent = Recorder(session)
    second = dict(refresh(session, deployment, first["refresh_token"], method))
    headers, form = sent.last()
    assert form["grant_type"] == ["refresh_token"]
    assert form["refresh_token"] == [first["refresh_token"]]
    assert ("Authorization" in headers) == (method == "basic")
    assert ("client_secret" in form) == (method == "body")
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    claims = verify(deployment, second["access_token"], f"{deployment.issuer}/api")
    me = get(session, f"{deployment.base}/api/me")  # the session now carries the new token
    assert me.status_code == 200, me.text
    assert claims["sub"] == str(me.json()["id"])

    with pytest.raises(InvalidGrantError) as refused:
        refresh(password_session(deployment.password), deployment, first["refresh_token"], method)
    assert refused.value.status_code == 400


def test_refresh_cuts_off_the_access_token_issued_with_the_old_refresh_token(
    deployment: Deployment,
) -> None:
    session = password_tokens(deployment)
    old = OAuth2Session(deployment.password.client_id, token=dict(session.token))
    assert get(old, f"{deployment.base}/api/me").status_code == 200

    refresh(session, deployment, session.token["refresh_token"], "basic")

    assert get(session, f"{deployment.base}/api/me").status_code == 200
    assert_invalid_token(get(old, f"{deployment.base}/api/me"))


def test_reusing_a_rotated_refresh_token_revokes_its_family(deployment: Deployment) -> None:
    session = password_tokens(deployment)
    first = session.token["refresh_token"]
    second = refresh(session, deployment, first, "basic")["refresh_token"]

    with pytest.raises(InvalidGrantError):
        refresh(password_session(deployment.password), deployment, first, "basic")
    with pytest.raises(InvalidGrantError):
        refresh(password_session(deployment.password), deployment, second, "basic")


def test_deactivating_the_application_from_the_cli_cuts_off_its_token_at_once(
    deployment: Deployment,
) -> None:
    app = deployment.switchable
    session = fetch_client_credentials(deployment, app)
    me_url = f"{deployment.base}/api/me"
    assert get(session, me_url).status_code == 200

    flask_ok(deployment.env, "oauth", "deactivate", app.client_id)
    try:
        assert_invalid_token(get(session, me_url))
        with pytest.raises(InvalidClientError):
            fetch_client_credentials(deployment, app)
    finally:
        flask_ok(deployment.env, "oauth", "activate", app.client_id)

    me = get(session, me_url)
    assert me.status_code == 200, me.text
    assert me.json()["username"] == USERNAME
    assert fetch_client_credentials(deployment, app).token["access_token"]
