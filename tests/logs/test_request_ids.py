"""Every response names its request id: a trusted proxy's X-Request-ID, or a new one."""

from __future__ import annotations

import re

import pytest
from flask import Flask, Response, g, request

from oauthapp.extensions import db
from oauthapp.logs.context import CLIENT_ID
from tests.conftest import AppFactory
from tests.factories import make_application
from tests.token.helpers import bearer, client_credentials

NEW_ID = re.compile(r"^[0-9a-f]{32}$")
PROXY_ID = "proxy-4bf92f3577b34da6"
OUTSIDER = "203.0.113.9"


def answered_id(
    app: Flask, sent: str | None = None, peer: str = "127.0.0.1", **headers: str
) -> str:
    """The X-Request-ID of the answer to GET /health/live from PEER."""
    if sent is not None:
        headers["X-Request-ID"] = sent
    response = app.test_client().get(
        "/health/live", headers=headers, environ_base={"REMOTE_ADDR": peer}
    )
    assert response.status_code == 200
    return response.headers["X-Request-ID"]


def test_every_response_gets_a_new_id_of_its_own(app: Flask) -> None:
    client = app.test_client()
    answers = [client.get("/health/live"), client.get("/login"), client.get("/no/such/page")]
    assert [answer.status_code for answer in answers] == [200, 200, 404]
    ids = [answer.headers["X-Request-ID"] for answer in answers]
    assert all(NEW_ID.match(found) for found in ids)
    assert len(set(ids)) == 3


def test_a_trusted_proxys_id_is_kept_and_on_flask_g(app: Flask) -> None:
    assert answered_id(app, PROXY_ID) == PROXY_ID
    loopback = {"REMOTE_ADDR": "127.0.0.1"}
    with app.test_request_context("/", headers={"X-Request-ID": PROXY_ID}, environ_base=loopback):
        app.preprocess_request()
        assert g.request_id == PROXY_ID


def test_loopback_is_trusted_by_default_on_ipv6_too(app: Flask) -> None:
    assert answered_id(app, PROXY_ID, peer="::1") == PROXY_ID


def test_an_id_sent_by_an_untrusted_peer_is_replaced(app: Flask) -> None:
    answered = answered_id(app, PROXY_ID, peer=OUTSIDER)
    assert NEW_ID.match(answered)


@pytest.mark.parametrize(
    "sent",
    ["a" * 129, "has space", 'quote"d', "new\\line", "semi;colon", "é", ""],
    ids=["too-long", "space", "quote", "backslash", "semicolon", "non-ascii", "empty"],
)
def test_a_malformed_id_is_replaced_even_from_a_trusted_proxy(app: Flask, sent: str) -> None:
    assert NEW_ID.match(answered_id(app, sent))


def test_an_id_of_128_token_characters_is_kept(app: Flask) -> None:
    sent = "A1!#$%&'*+.^_`|~-" + "x" * 111
    assert len(sent) == 128
    assert answered_id(app, sent) == sent


def test_the_configured_proxies_are_trusted_and_no_others(make_app: AppFactory) -> None:
    app = make_app(logging={"trusted_proxies": ["10.0.0.0/8", "2001:db8::/32"]})
    assert answered_id(app, PROXY_ID, peer="10.1.2.3") == PROXY_ID
    assert answered_id(app, PROXY_ID, peer="2001:db8::7") == PROXY_ID
    assert NEW_ID.match(answered_id(app, PROXY_ID, peer="127.0.0.1"))


def test_behind_proxy_fix_the_connecting_peer_decides_not_x_forwarded_for(
    make_app: AppFactory,
) -> None:
    app = make_app(security={"proxy_count": 1})
    through_proxy = answered_id(app, PROXY_ID, **{"X-Forwarded-For": OUTSIDER})
    assert through_proxy == PROXY_ID  # the local proxy forwarded a client's request
    forged = answered_id(app, PROXY_ID, peer=OUTSIDER, **{"X-Forwarded-For": "127.0.0.1"})
    assert NEW_ID.match(forged)  # an outsider claiming to come from loopback is not trusted


def test_no_proxy_is_trusted_with_an_empty_list(make_app: AppFactory) -> None:
    app = make_app(logging={"trusted_proxies": []})
    assert NEW_ID.match(answered_id(app, PROXY_ID))


def test_the_token_endpoint_notes_its_client_and_the_api_the_tokens_client(app: Flask) -> None:
    noted: list[str | None] = []

    @app.after_request
    def note(response: Response) -> Response:  # what the server's access line will read
        noted.append(request.environ.get(CLIENT_ID))
        return response

    with app.app_context():
        application, secret = make_application()
        client_id = application.client_id
        db.session.commit()
    client = app.test_client()
    issued = client_credentials(client, client_id, secret)
    wrong = client_credentials(client, client_id, "not-the-secret")
    unknown = client_credentials(client, "no-such-client", secret)
    me = client.get("/api/me", headers=bearer(issued.get_json()["access_token"]))
    refused = client.get("/api/me", headers=bearer("not.a.token"))
    statuses = [r.status_code for r in (issued, wrong, unknown, me, refused)]
    assert statuses == [200, 401, 401, 200, 401]
    # A failing client is named too; what anyone sends as a client id or token is not.
    assert noted == [client_id, client_id, None, client_id, None]
