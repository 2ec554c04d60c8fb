"""POST /oauth2-token refuses malformed requests: body, parameters, grant type, scope."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from oauthapp.extensions import db
from oauthapp.models import Grant, OAuthApplication, RefreshToken
from oauthapp.token.body import MAX_BODY, MAX_PARAMETERS
from tests.factories import PASSWORD, make_application, make_org, make_user
from tests.token.helpers import TOKEN_URL, assert_error, post_token

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


@pytest.fixture
def cc(app: Flask) -> tuple[str, str]:
    """A client-credentials application: (client_id, secret)."""
    with app.app_context():
        application, secret = make_application()
        return application.client_id, secret


@pytest.fixture
def pw(app: Flask) -> tuple[str, str, str]:
    """A password application and a user of its organization: (client_id, secret, username)."""
    with app.app_context():
        org = make_org()
        application, secret = make_application(org, grant=Grant.PASSWORD)
        return application.client_id, secret, make_user(orgs=[org]).username


def raw(client: FlaskClient, body: bytes, content_type: str | None = JSON) -> TestResponse:
    """POST bytes as they are, with that content type (or none)."""
    headers = {"Content-Type": content_type} if content_type else {}
    return client.post(TOKEN_URL, data=body, headers=headers)


def cc_form(cc: tuple[str, str]) -> str:
    return f"grant_type=client_credentials&client_id={cc[0]}&client_secret={cc[1]}"


def cc_json(cc: tuple[str, str], **changes: Any) -> dict[str, Any]:
    return {
        "grant_type": "client_credentials",
        "client_id": cc[0],
        "client_secret": cc[1],
        **changes,
    }


def password_data(pw: tuple[str, str, str], **changes: Any) -> dict[str, Any]:
    data = {"grant_type": "password", "client_id": pw[0], "client_secret": pw[1]}
    data |= {"username": pw[2], "password": PASSWORD}
    return {key: value for key, value in (data | changes).items() if value is not None}


def assert_untouched(app: Flask, client_id: str) -> None:
    """A refused request left no trace: no last use, no refresh token."""
    with app.app_context():
        application = db.session.scalar(
            select(OAuthApplication).where(OAuthApplication.client_id == client_id)
        )
        assert application is not None and application.last_used_at is None
        assert db.session.scalar(select(func.count()).select_from(RefreshToken)) == 0


def test_the_valid_requests_these_tests_alter_succeed(
    client: FlaskClient, cc: tuple[str, str], pw: tuple[str, str, str]
) -> None:
    assert raw(client, cc_form(cc).encode(), FORM).status_code == 200
    assert raw(client, json.dumps(cc_json(cc)).encode()).status_code == 200
    assert post_token(client, password_data(pw)).status_code == 200


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", "text/json", None])
def test_a_body_that_is_neither_form_nor_json_is_an_invalid_request(
    app: Flask, client: FlaskClient, cc: tuple[str, str], content_type: str | None
) -> None:
    assert_error(raw(client, cc_form(cc).encode(), content_type), 400, "invalid_request")
    assert_untouched(app, cc[0])


def test_a_multipart_body_is_an_invalid_request(
    app: Flask, client: FlaskClient, cc: tuple[str, str]
) -> None:
    response = client.post(TOKEN_URL, data=cc_json(cc), content_type="multipart/form-data")
    assert_error(response, 400, "invalid_request")
    assert_untouched(app, cc[0])


@pytest.mark.parametrize("body", ["[]", '["grant_type"]', '"client_credentials"', "42", "null"])
def test_a_json_body_that_is_not_an_object_is_an_invalid_request(
    client: FlaskClient, body: str
) -> None:
    assert_error(raw(client, body.encode()), 400, "invalid_request")


@pytest.mark.parametrize(
    "body",
    ["", "{", '{"grant_type": "client_credentials",}', "{'grant_type': 'password'}",
     '{"grant_type": NaN}', "[" * 5000 + "]" * 5000],
    ids=["empty", "truncated", "trailing-comma", "single-quotes", "nan", "deeply-nested"],
)  # fmt: skip
def test_a_body_that_is_not_json_is_an_invalid_request(client: FlaskClient, body: str) -> None:
    assert_error(raw(client, body.encode()), 400, "invalid_request")


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"grant_type=client_credentials&client_id=\xff\xfe", FORM),
        (b"grant_type=client_credentials&client_id=%FF%FE", FORM),
        (b'{"grant_type": "client_credentials", "client_id": "\xff\xfe"}', JSON),
    ],
    ids=["form-raw", "form-percent-encoded", "json"],
)
def test_a_body_that_is_not_utf8_is_an_invalid_request(
    client: FlaskClient, body: bytes, content_type: str
) -> None:
    assert_error(raw(client, body, content_type), 400, "invalid_request")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32"])
def test_a_json_body_in_another_unicode_encoding_is_an_invalid_request(
    app: Flask, client: FlaskClient, cc: tuple[str, str], encoding: str
) -> None:
    # RFC 8259 section 8.1: JSON between systems is UTF-8; the form body is held to it too.
    assert_error(raw(client, json.dumps(cc_json(cc)).encode(encoding)), 400, "invalid_request")
    assert_untouched(app, cc[0])


def oversized(cc: tuple[str, str], size: int) -> bytes:
    """A valid client-credentials form body padded to exactly `size` bytes."""
    body = (cc_form(cc) + "&padding=").encode()
    return body + b"x" * (size - len(body))


def test_a_body_of_exactly_64_kib_is_read(client: FlaskClient, cc: tuple[str, str]) -> None:
    assert raw(client, oversized(cc, MAX_BODY), FORM).status_code == 200


@pytest.mark.parametrize("size", [MAX_BODY + 1, 2 * 1024 * 1024], ids=["64KiB+1", "2MiB"])
def test_a_body_over_64_kib_is_an_invalid_request(
    app: Flask, client: FlaskClient, cc: tuple[str, str], size: int
) -> None:
    assert_error(raw(client, oversized(cc, size), FORM), 400, "invalid_request")
    assert_untouched(app, cc[0])


def chunked(client: FlaskClient, body: bytes) -> TestResponse:
    """POST without Content-Length, as a server that terminates a chunked stream passes it."""
    return client.post(
        TOKEN_URL,
        input_stream=io.BytesIO(body),
        headers={"Content-Type": FORM, "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )


def test_a_chunked_body_under_64_kib_is_read(client: FlaskClient, cc: tuple[str, str]) -> None:
    assert chunked(client, oversized(cc, MAX_BODY)).status_code == 200


@pytest.mark.parametrize("size", [MAX_BODY + 1, 2 * 1024 * 1024], ids=["64KiB+1", "2MiB"])
def test_a_chunked_body_over_64_kib_is_an_invalid_request(
    app: Flask, client: FlaskClient, cc: tuple[str, str], size: int
) -> None:
    assert_error(chunked(client, oversized(cc, size)), 400, "invalid_request")
    assert_untouched(app, cc[0])


@pytest.mark.parametrize("repeated", ["grant_type=client_credentials", "a=1&a=2", "client_id=x"])
def test_a_repeated_form_parameter_is_an_invalid_request(
    app: Flask, client: FlaskClient, cc: tuple[str, str], repeated: str
) -> None:
    body = f"{cc_form(cc)}&{repeated}"
    assert_error(raw(client, body.encode(), FORM), 400, "invalid_request")
    assert_untouched(app, cc[0])


@pytest.mark.parametrize("repeated", ['"grant_type": "client_credentials"', '"a": "1", "a": "2"'])
def test_a_duplicate_json_key_is_an_invalid_request(
    app: Flask, client: FlaskClient, cc: tuple[str, str], repeated: str
) -> None:
    body = json.dumps(cc_json(cc))[:-1] + ", " + repeated + "}"
    assert_error(raw(client, body.encode()), 400, "invalid_request")
    assert_untouched(app, cc[0])


@pytest.mark.parametrize("value", [42, 1.5, True, None, ["secret"], {"secret": "x"}])
@pytest.mark.parametrize("name", ["client_secret", "grant_type", "extra"])
def test_a_json_value_that_is_not_a_string_is_an_invalid_request(
    app: Flask, client: FlaskClient, cc: tuple[str, str], name: str, value: Any
) -> None:
    response = post_token(client, cc_json(cc, **{name: value}), as_json=True)
    assert_error(response, 400, "invalid_request")
    assert_untouched(app, cc[0])


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("{form}&extra=a%00b", FORM),
        ("{form}&na%00me=x", FORM),
        ('{{"grant_type": "client_credentials", "client_id": "{id}\\u0000"}}', JSON),
        ('{{"grant_type": "client_credentials", "client_id": "{id}", "x": "\\ud800"}}', JSON),
        ('{{"grant_type": "client_credentials", "client_id": "{id}", "\\udfff": "x"}}', JSON),
    ],
    ids=["form-nul-value", "form-nul-name", "json-nul", "json-lone-surrogate",
         "json-surrogate-name"],
)  # fmt: skip
def test_nul_bytes_and_lone_surrogates_are_an_invalid_request(
    app: Flask, client: FlaskClient, cc: tuple[str, str], body: str, content_type: str
) -> None:
    text = body.format(form=cc_form(cc), id=cc[0])
    assert_error(raw(client, text.encode(), content_type), 400, "invalid_request")
    assert_untouched(app, cc[0])


@pytest.mark.parametrize("name", ['say "hi"', "back\\slash", "caf\u00e9", "tab\tname", "x" * 200])
def test_an_error_description_naming_a_parameter_stays_within_the_rfc_6749_characters(
    client: FlaskClient, cc: tuple[str, str], name: str
) -> None:
    body = assert_error(
        post_token(client, cc_json(cc, **{name: 1}), as_json=True), 400, "invalid_request"
    )
    description = body["error_description"]
    assert all(0x20 <= ord(char) <= 0x7E and char not in '"\\' for char in description)
    assert len(description) < 120


@pytest.mark.parametrize("as_json", [False, True], ids=["form", "json"])
def test_too_many_parameters_are_an_invalid_request(
    client: FlaskClient, cc: tuple[str, str], as_json: bool
) -> None:
    extra = {f"p{number}": "x" for number in range(MAX_PARAMETERS)}
    assert_error(post_token(client, cc_json(cc, **extra), as_json=as_json), 400, "invalid_request")


@pytest.mark.parametrize("as_json", [False, True], ids=["form", "json"])
@pytest.mark.parametrize("grant_type", [None, ""], ids=["absent", "empty"])
def test_a_missing_grant_type_is_unsupported(
    app: Flask, client: FlaskClient, cc: tuple[str, str], as_json: bool, grant_type: str | None
) -> None:
    data = {"client_id": cc[0], "client_secret": cc[1]}
    if grant_type is not None:
        data["grant_type"] = grant_type
    assert_error(post_token(client, data, as_json=as_json), 400, "unsupported_grant_type")
    assert_untouched(app, cc[0])


@pytest.mark.parametrize(
    "grant_type",
    ["implicit", "device_code", "urn:ietf:params:oauth:grant-type:jwt-bearer",
     "CLIENT_CREDENTIALS", " client_credentials", "client_credentials password"],
)  # fmt: skip
def test_an_unknown_grant_type_is_unsupported(
    app: Flask, client: FlaskClient, cc: tuple[str, str], grant_type: str
) -> None:
    response = post_token(client, cc_json(cc, grant_type=grant_type))
    assert_error(response, 400, "unsupported_grant_type")
    assert_untouched(app, cc[0])


def test_the_refresh_grant_is_unsupported_when_refresh_tokens_are_disabled(make_app: Any) -> None:
    app = make_app(oauth2_server={"authorization_server": {"enable_refresh_token": False}})
    with app.app_context():
        application, secret = make_application(grant=Grant.PASSWORD)
        client_id = application.client_id
    data = {"grant_type": "refresh_token", "client_id": client_id, "client_secret": secret}
    response = post_token(app.test_client(), {**data, "refresh_token": "anything"})
    assert_error(response, 400, "unsupported_grant_type")


@pytest.mark.parametrize(
    "changes",
    [{"username": None}, {"password": None}, {"username": ""}, {"password": ""}],
    ids=["no-username", "no-password", "empty-username", "empty-password"],
)
@pytest.mark.parametrize("as_json", [False, True], ids=["form", "json"])
def test_a_password_grant_without_credentials_is_an_invalid_request(
    app: Flask,
    client: FlaskClient,
    pw: tuple[str, str, str],
    changes: dict[str, Any],
    as_json: bool,
) -> None:
    response = post_token(client, password_data(pw, **changes), as_json=as_json)
    assert_error(response, 400, "invalid_request")
    assert_untouched(app, pw[0])


@pytest.mark.parametrize("refresh_token", [None, ""], ids=["absent", "empty"])
def test_a_refresh_grant_without_a_refresh_token_is_an_invalid_request(
    app: Flask, client: FlaskClient, pw: tuple[str, str, str], refresh_token: str | None
) -> None:
    data = {"grant_type": "refresh_token", "client_id": pw[0], "client_secret": pw[1]}
    if refresh_token is not None:
        data["refresh_token"] = refresh_token
    assert_error(post_token(client, data), 400, "invalid_request")
    assert_untouched(app, pw[0])


@pytest.mark.parametrize("as_json", [False, True], ids=["form", "json"])
@pytest.mark.parametrize("scope", ["api", "openid profile", "*"])
@pytest.mark.parametrize("grant_type", ["client_credentials", "password", "refresh_token"])
def test_a_scope_parameter_is_refused(
    app: Flask,
    client: FlaskClient,
    cc: tuple[str, str],
    pw: tuple[str, str, str],
    grant_type: str,
    scope: str,
    as_json: bool,
) -> None:
    data = cc_json(cc) if grant_type == "client_credentials" else password_data(pw)
    data |= {"grant_type": grant_type, "scope": scope, "refresh_token": "r" * 43}
    assert_error(post_token(client, data, as_json=as_json), 400, "invalid_scope")
    assert_untouched(app, data["client_id"])
