"""A client session against a real server, every request and answer checked by openapi-core
against the /openapi.json that server serves: the token endpoint's grants, the two APIs,
introspection, revocation and userinfo, their error answers included."""

from __future__ import annotations

import base64
import copy
import hashlib
import secrets
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from openapi_core.validation.request.exceptions import InvalidRequestBody
from openapi_core.validation.response.exceptions import InvalidData

from tests.authorize.real_server import log_in_and_grant
from tests.openapi.live import (
    CUSTOMER,
    PASSWORD,
    REDIRECT,
    USERNAME,
    LiveAPI,
    bearer,
    live_fixture,  # noqa: F401 (the fixture)
)


def test_client_credentials_tokens_read_their_own_api_only(live: LiveAPI) -> None:
    backoffice = live.token("backoffice", grant_type="client_credentials")["access_token"]
    storefront = live.token("storefront", grant_type="client_credentials")["access_token"]

    me = live.call("GET", "/api/me", headers=bearer(backoffice))
    frontend_me = live.call("GET", "/api/frontend/me", headers=bearer(storefront))
    crossed = live.call("GET", "/api/frontend/me", headers=bearer(backoffice))
    forged = live.call("GET", "/api/me", headers=bearer("not-a-token"))

    assert (me.status_code, me.json()["username"]) == (200, USERNAME)
    assert (frontend_me.status_code, frontend_me.json()["email"]) == (200, CUSTOMER)
    for refused in (crossed, forged):
        assert refused.status_code == 401
        assert refused.json()["error"] == "invalid_token"
        assert 'error="invalid_token"' in refused.headers["WWW-Authenticate"]


def test_a_json_token_request_with_the_credentials_in_the_body(live: LiveAPI) -> None:
    app = live.apps["backoffice"]
    body = {"grant_type": "client_credentials", "client_id": app.client_id,
            "client_secret": app.client_secret}  # fmt: skip

    response = live.call("POST", "/oauth2-token", json=body)

    assert response.status_code == 200
    assert response.json()["token_type"] == "Bearer"


def test_a_wrong_secret_is_invalid_client_by_basic_and_in_the_body(live: LiveAPI) -> None:
    client_id = live.apps["backoffice"].client_id
    grant = {"grant_type": "client_credentials"}

    basic = live.call("POST", "/oauth2-token", auth=(client_id, "wrong"), data=grant)
    wrong = {**grant, "client_id": client_id, "client_secret": "wrong"}
    in_body = live.call("POST", "/oauth2-token", data=wrong)

    for response in (basic, in_body):
        assert (response.status_code, response.json()["error"]) == (401, "invalid_client")
    assert basic.headers["WWW-Authenticate"] == 'Basic realm="OAuth"'


def test_password_then_refresh_rotates_and_the_old_refresh_token_is_refused(
    live: LiveAPI,
) -> None:
    first = live.token("password", grant_type="password", username=USERNAME, password=PASSWORD)
    second = live.token("password", grant_type="refresh_token",
                        refresh_token=first["refresh_token"])  # fmt: skip
    reused = live.call("POST", "/oauth2-token", auth=live.apps["password"].basic(),
                       data={"grant_type": "refresh_token",
                             "refresh_token": first["refresh_token"]})  # fmt: skip

    assert second["refresh_token"] != first["refresh_token"]
    assert (reused.status_code, reused.json()["error"]) == (400, "invalid_grant")


def test_a_wrong_password_is_invalid_grant(live: LiveAPI) -> None:
    response = live.call("POST", "/oauth2-token", auth=live.apps["password"].basic(),
                         data={"grant_type": "password", "username": USERNAME,
                               "password": "wrong"})  # fmt: skip

    assert (response.status_code, response.json()["error"]) == (400, "invalid_grant")


def test_introspection_then_revocation_then_introspection(live: LiveAPI) -> None:
    auth = live.apps["password"].basic()
    tokens = live.token("password", grant_type="password", username=USERNAME, password=PASSWORD)
    access = {"token": tokens["access_token"]}

    active = live.call("POST", "/oauth2/introspect", auth=auth, data=access)
    revoked = live.call("POST", "/oauth2/revoke", auth=auth,
                        data={"token": tokens["refresh_token"],
                              "token_type_hint": "refresh_token"})  # fmt: skip
    inactive = live.call("POST", "/oauth2/introspect", auth=auth, data=access)
    refused = live.call("POST", "/oauth2/introspect", auth=(auth[0], "wrong"), data=access)

    assert active.json()["active"] is True and active.json()["username"] == USERNAME
    assert (revoked.status_code, revoked.json()) == (200, {})
    assert inactive.json() == {"active": False}
    assert (refused.status_code, refused.json()["error"]) == (401, "invalid_client")


def _code_flow_token(live: LiveAPI) -> str:
    """An access token with openid profile email, by the code flow with PKCE."""
    app = live.apps["web"]
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    query = {"response_type": "code", "client_id": app.client_id, "redirect_uri": REDIRECT,
             "scope": "openid profile email", "state": "s", "code_challenge": challenge,
             "code_challenge_method": "S256"}  # fmt: skip
    url = f"{live.base}/oauth2-token/authorize?{urlencode(query)}"
    granted = log_in_and_grant(live.base, url, {"username": USERNAME, "password": PASSWORD})
    code = parse_qs(urlsplit(granted.headers["Location"]).query)["code"][0]
    tokens = live.token("web", grant_type="authorization_code", code=code,
                        redirect_uri=REDIRECT, code_verifier=verifier)  # fmt: skip
    assert "id_token" in tokens
    return str(tokens["access_token"])


def test_userinfo_by_get_and_post_and_refused_without_openid(live: LiveAPI) -> None:
    token = _code_flow_token(live)
    client_token = live.token("backoffice", grant_type="client_credentials")["access_token"]

    by_get = live.call("GET", "/oauth2/userinfo", headers=bearer(token))
    by_post = live.call("POST", "/oauth2/userinfo", headers=bearer(token))
    no_openid = live.call("GET", "/oauth2/userinfo", headers=bearer(client_token))
    forged = live.call("POST", "/oauth2/userinfo", headers=bearer("not-a-token"))

    assert by_get.json() == by_post.json()
    assert by_get.json()["preferred_username"] == USERNAME
    assert (no_openid.status_code, no_openid.json()["error"]) == (403, "insufficient_scope")
    assert (forged.status_code, forged.json()["error"]) == (401, "invalid_token")


@pytest.mark.parametrize(
    "path",
    [
        "/.well-known/oauth-authorization-server",
        "/.well-known/openid-configuration",
        "/.well-known/oauth-protected-resource/api",
        "/.well-known/oauth-protected-resource/api/frontend",
        "/.well-known/jwks.json",
        "/openapi.json",
    ],
)
def test_the_discovery_documents_match_their_schemas(live: LiveAPI, path: str) -> None:
    assert live.call("GET", path).status_code == 200


def test_an_answer_the_document_does_not_describe_fails_the_call(live: LiveAPI) -> None:
    """The harness is no rubber stamp: a document that demands more fails a real answer."""
    stricter = copy.deepcopy(live.document)
    token_response = stricter["components"]["schemas"]["TokenResponse"]
    token_response["required"] = [*token_response["required"], "not_sent"]
    live.use(stricter)
    try:
        with pytest.raises(InvalidData):
            live.token("backoffice", grant_type="client_credentials")
    finally:
        live.use(live.session.get(f"{live.base}/openapi.json", timeout=10).json())


def test_a_request_the_document_does_not_allow_fails_before_it_is_sent(live: LiveAPI) -> None:
    with pytest.raises(InvalidRequestBody):
        live.call("POST", "/oauth2-token", auth=live.apps["password"].basic(),
                  data={"grant_type": "password", "username": USERNAME})  # fmt: skip
