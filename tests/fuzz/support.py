"""What every hostile request must leave true: the answer's shape, and no trace when refused."""

from __future__ import annotations

import json
from typing import Any

from flask import Flask
from hypothesis import HealthCheck, settings
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from oauthapp.extensions import db
from oauthapp.models import OAuthApplication, OutboxMessage, RefreshToken, RevokedAccessToken

# Every run tries the same examples (derandomize, no example database), so CI is reproducible;
# the app and its world are built once per test and serve every example.
FUZZ = settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=False,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)

# Error codes of RFC 6749 §5.2, RFC 7009 §2.2.1, RFC 6750 §3.1, and this server's 429 and 503.
OAUTH_ERRORS = frozenset(
    {
        "invalid_request",
        "invalid_client",
        "invalid_grant",
        "unauthorized_client",
        "unsupported_grant_type",
        "invalid_scope",
        "unsupported_token_type",
        "too_many_requests",
    }
)


def snapshot(app: Flask) -> dict[str, Any]:
    """The rows a refused request must not write: counts, and the state of what exists."""
    with app.app_context():
        counts = (
            db.session.execute(
                select(
                    *(
                        select(func.count())
                        .select_from(model)
                        .scalar_subquery()
                        .label(model.__name__)
                        for model in (
                            OAuthApplication,
                            RefreshToken,
                            RevokedAccessToken,
                            OutboxMessage,
                        )
                    )
                )
            )
            .one()
            ._asdict()
        )
        applications = db.session.execute(
            select(
                OAuthApplication.id,
                OAuthApplication.name,
                OAuthApplication.active,
                OAuthApplication.secret_hash,
                OAuthApplication.last_used_at,
                OAuthApplication.updated_at,
            ).order_by(OAuthApplication.id)
        ).all()
        refresh_tokens = db.session.execute(
            select(RefreshToken.id, RefreshToken.revoked, RefreshToken.rotated_at).order_by(
                RefreshToken.id
            )
        ).all()
        return {"counts": counts, "applications": applications, "refresh": refresh_tokens}


def assert_not_server_error(response: TestResponse) -> None:
    body = response.get_data()[:500]
    assert response.status_code < 500, f"{response.status_code}: {body!r}"


def json_body(response: TestResponse) -> Any:
    """The body parsed as JSON; the response must say it is JSON."""
    assert response.mimetype == "application/json", response.headers.get("Content-Type")
    return json.loads(response.get_data())


def assert_oauth_error(response: TestResponse) -> dict[str, Any]:
    """An RFC 6749 §5.2 error: 4xx, JSON with a known error code and a description, no-store."""
    assert_not_server_error(response)
    assert 400 <= response.status_code < 500, response.status_code
    body = json_body(response)
    assert isinstance(body, dict), body
    assert body.get("error") in OAUTH_ERRORS, body
    description = body.get("error_description")
    assert isinstance(description, str) and description, body
    # §5.2: the description is printable ASCII without '"' and '\'.
    assert all(0x20 <= ord(c) <= 0x7E and c not in '"\\' for c in description), description
    assert response.headers.get("Cache-Control") == "no-store"
    if response.status_code == 429:
        assert response.headers.get("Retry-After", "").isdigit()
    return body


def assert_html_or_redirect(response: TestResponse) -> None:
    """A back-office answer: a page for people, or a redirect to a page on this site."""
    assert_not_server_error(response)
    if 300 <= response.status_code < 400:
        location = response.headers.get("Location", "")
        assert location.startswith("/") and not location.startswith("//"), location
        assert "\\" not in location, location
        return
    assert response.mimetype == "text/html", (response.status_code, response.mimetype)
    assert response.get_data().lstrip().lower().startswith(b"<!doctype html"), response.status_code
