"""Every token request's outcome reaches the listeners: issued or refused, and for which client."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from oauthapp.models import Grant
from oauthapp.token import outcomes
from oauthapp.token.outcomes import TokenOutcome
from tests.token.grant_support import new_application
from tests.token.helpers import client_credentials, password_grant, post_token


@pytest.fixture
def heard() -> Iterator[list[TokenOutcome]]:
    seen: list[TokenOutcome] = []
    listener = outcomes.listen(seen.append)
    yield seen
    outcomes.forget(listener)


def test_an_issued_token_is_told_with_its_grant_and_application(
    app: Flask, heard: list[TokenOutcome]
) -> None:
    registered = new_application(app)

    assert (
        client_credentials(app.test_client(), registered.client_id, registered.secret).status_code
        == 200
    )

    [outcome] = heard
    assert (outcome.grant, outcome.status, outcome.error, outcome.issued) == (
        "client_credentials", 200, None, True)  # fmt: skip
    assert outcome.application is not None and outcome.application.id == registered.id


def test_a_wrong_secret_is_told_as_refused_for_the_application_it_named(
    app: Flask, heard: list[TokenOutcome]
) -> None:
    registered = new_application(app)

    client_credentials(app.test_client(), registered.client_id, "wrong secret")

    [outcome] = heard
    assert (outcome.error, outcome.status, outcome.issued) == ("invalid_client", 401, False)
    assert outcome.application is not None and outcome.application.id == registered.id


def test_a_refusal_after_authentication_names_the_application(
    app: Flask, heard: list[TokenOutcome]
) -> None:
    registered = new_application(app, grant=Grant.PASSWORD)

    password_grant(app.test_client(), registered.client_id, registered.secret, "nobody", "x")

    [outcome] = heard
    assert (outcome.grant, outcome.error) == ("password", "invalid_grant")
    assert outcome.application is not None and outcome.application.id == registered.id


def test_an_unknown_client_and_an_unknown_grant_are_told_without_an_application(
    app: Flask, heard: list[TokenOutcome]
) -> None:
    post_token(app.test_client(), {"grant_type": "urn:made-up", "client_id": "nobody",
                                   "client_secret": "x"})  # fmt: skip
    post_token(app.test_client(), {})

    assert [(o.grant, o.application) for o in heard] == [("other", None), ("", None)]
    assert all(o.error and not o.issued for o in heard)


def test_a_failing_listener_costs_the_client_nothing(app: Flask, heard: list[TokenOutcome]) -> None:
    def broken(outcome: TokenOutcome) -> None:
        raise RuntimeError("recorder down")

    outcomes.listen(broken)
    try:
        registered = new_application(app)
        response = client_credentials(app.test_client(), registered.client_id, registered.secret)
    finally:
        outcomes.forget(broken)

    assert response.status_code == 200 and len(heard) == 1
