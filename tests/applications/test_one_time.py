"""One-time forms and pages: POST -> 303 -> a page that shows the new secret once.

The same form sent twice (a double click, a reload of the POST, Back and submit again) creates
one application or regenerates once; a second look at the one-time page shows no secret.
"""

from __future__ import annotations

import html
import re
import time
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update
from werkzeug.test import TestResponse

from oauthapp.applications import once
from oauthapp.extensions import db
from oauthapp.models import FormSubmission, OAuthApplication, SecurityEvent, utcnow
from oauthapp.security.credentials import verify_secret
from tests.applications.conftest import CREATE, World, logged_in, post_form
from tests.applications.test_secret import code, database_values
from tests.token.helpers import client_credentials

ALREADY_SUBMITTED = "This form was already submitted."
NO_LONGER_SHOWN = "This secret is no longer shown."
EXPIRED = "This form has expired. Please check it and submit it again."
NOTICE = "Please copy Client Secret and save it somewhere safe."
_FORM_TOKEN = re.compile(r'name="form_token"[^>]*value="([^"]+)"')
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def page_of(response: TestResponse) -> str:
    return response.get_data(as_text=True)


def form_of(page: str) -> dict[str, str]:
    """The CSRF and one-time form tokens of a page's form."""
    csrf, token = _CSRF.search(page), _FORM_TOKEN.search(page)
    assert csrf and token, "no CSRF token or form token on the page"
    return {"csrf_token": csrf.group(1), "form_token": html.unescape(token.group(1))}


def create_form(client: FlaskClient, world: World, name: str = "Once CC") -> dict[str, str]:
    """A filled-in create form, with the tokens of a fresh GET of the create page."""
    return {
        **form_of(page_of(client.get(CREATE))),
        "organization": str(world.acme),
        "name": name,
        "active": "y",
        "grant": "client_credentials",
        "owner": str(world.alice),
    }


def count(app: Flask, model: Any, *where: Any) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def regenerations(app: Flask, application_id: int) -> int:
    """How many regenerations the application's Activity shows (repeats are counted too)."""
    with app.app_context():
        found = db.session.scalar(
            select(func.sum(SecurityEvent.count)).where(
                SecurityEvent.application_id == application_id,
                SecurityEvent.event == "secret_regenerated",
            )
        )
        return int(found or 0)


def secret_hash(app: Flask, application_id: int) -> str | None:
    with app.app_context():
        found = db.session.get(OAuthApplication, application_id)
        assert found is not None
        return found.secret_hash


def application_link(page: str) -> str | None:
    match = re.search(r'<a class="button primary" href="(/admin/oauth2/\d+)">', page)
    return match.group(1) if match else None


# Create --------------------------------------------------------------------------------------


def test_create_redirects_to_a_one_time_page_with_nothing_secret_in_the_url(
    app: Flask, world: World
) -> None:
    client = logged_in(app, "alice")

    response = client.post(CREATE, data=create_form(client, world))

    assert response.status_code == 303
    location = response.headers["Location"]
    assert re.fullmatch(r"/admin/oauth2/credentials/\d+", location), location
    page = page_of(client.get(location))
    secret = code(page, "client-secret")
    assert secret and secret not in location
    with app.app_context():
        application = db.session.scalar(select(OAuthApplication).filter_by(name="Once CC"))
        assert application is not None and verify_secret(secret, application.secret_hash)


def test_a_reload_of_the_one_time_page_shows_no_secret_and_links_to_the_application(
    app: Flask, world: World
) -> None:
    client = logged_in(app, "alice")
    location = client.post(CREATE, data=create_form(client, world)).headers["Location"]
    first = page_of(client.get(location))
    secret, client_id = code(first, "client-secret"), code(first, "client-id")

    again = client.get(location)

    page = page_of(again)
    assert again.status_code == 200
    assert again.headers["Cache-Control"] == "no-store"
    assert NO_LONGER_SHOWN in page
    assert secret and secret not in page and NOTICE not in page
    assert 'id="client-secret"' not in page and 'id="access-token"' not in page
    with app.app_context():
        found = db.session.scalar(select(OAuthApplication).filter_by(client_id=client_id))
        assert found is not None
    assert application_link(page) == f"/admin/oauth2/{found.id}"


def test_the_same_form_sent_twice_creates_one_application(app: Flask, world: World) -> None:
    client = logged_in(app, "alice")
    form = create_form(client, world)
    before = count(app, OAuthApplication)
    first = client.post(CREATE, data=form)
    shown = page_of(client.get(first.headers["Location"]))

    second = client.post(CREATE, data=form)

    page = page_of(second)
    assert second.status_code == 409
    assert ALREADY_SUBMITTED in page
    assert count(app, OAuthApplication) == before + 1
    secret = code(shown, "client-secret")
    assert secret and secret not in page and 'id="client-secret"' not in page
    with app.app_context():
        created = db.session.scalar(select(OAuthApplication).filter_by(name="Once CC"))
        assert created is not None
    assert application_link(page) == f"/admin/oauth2/{created.id}"


def test_a_second_submit_before_the_page_was_seen_shows_no_secret_either(
    app: Flask, world: World
) -> None:
    client = logged_in(app, "alice")
    form = create_form(client, world)
    first = client.post(CREATE, data=form)

    second = client.post(CREATE, data=form)

    assert second.status_code == 409 and ALREADY_SUBMITTED in page_of(second)
    assert count(app, OAuthApplication, OAuthApplication.name == "Once CC") == 1
    assert NOTICE in page_of(client.get(first.headers["Location"]))  # still shown once


def test_a_refused_form_may_be_corrected_and_sent_with_the_same_token(
    app: Flask, world: World
) -> None:
    client = logged_in(app, "alice")
    form = create_form(client, world, name="Alice CC")  # taken: refused

    refused = client.post(CREATE, data=form)
    assert refused.status_code == 200
    assert "An application with this name already exists" in page_of(refused)
    assert form_of(page_of(refused))["form_token"] == form["form_token"]

    corrected = client.post(CREATE, data={**form, "name": "Alice CC 2"})

    assert corrected.status_code == 303
    assert count(app, OAuthApplication, OAuthApplication.name == "Alice CC 2") == 1


@pytest.mark.parametrize("token", [None, "", "forged", "x" * 300])
def test_a_form_without_a_valid_token_creates_nothing_and_gets_a_fresh_one(
    app: Flask, world: World, token: str | None
) -> None:
    client = logged_in(app, "alice")
    form = create_form(client, world)
    if token is None:
        del form["form_token"]
    else:
        form["form_token"] = token
    before = count(app, OAuthApplication)

    response = client.post(CREATE, data=form)

    page = page_of(response)
    assert response.status_code == 200
    assert EXPIRED in page
    assert count(app, OAuthApplication) == before
    fresh = form_of(page)["form_token"]
    assert fresh != token and once_valid(app, fresh)
    assert client.post(CREATE, data={**form, "form_token": fresh}).status_code == 303


def once_valid(app: Flask, token: str) -> bool:
    with app.test_request_context():
        return once.token_hash(token) is not None


def test_a_token_older_than_its_lifetime_is_refused(app: Flask, world: World) -> None:
    client = logged_in(app, "alice")
    form = create_form(client, world)
    with app.test_request_context():  # a form token signed as if two days ago
        serializer = once._serializer()
        signer = serializer.make_signer(serializer.salt)
        two_days_ago = int(time.time()) - 2 * 86400
        signer.get_timestamp = lambda: two_days_ago  # type: ignore[method-assign]
        form["form_token"] = signer.sign(serializer.dump_payload("stale")).decode()

    response = client.post(CREATE, data=form)

    assert response.status_code == 200 and EXPIRED in page_of(response)
    assert count(app, OAuthApplication, OAuthApplication.name == "Once CC") == 0


def test_someone_else_gets_no_one_time_page(app: Flask, world: World) -> None:
    client = logged_in(app, "alice")
    location = client.post(CREATE, data=create_form(client, world)).headers["Location"]

    other = logged_in(app, "root").get(location)

    assert other.status_code == 404
    assert NOTICE in page_of(client.get(location))  # alice's page is still there for her


def test_an_unknown_one_time_page_is_a_404(app: Flask, world: World) -> None:
    assert logged_in(app, "alice").get("/admin/oauth2/credentials/999999").status_code == 404


def test_a_secret_not_looked_at_within_minutes_is_shown_no_more(app: Flask, world: World) -> None:
    client = logged_in(app, "alice")
    location = client.post(CREATE, data=create_form(client, world)).headers["Location"]
    with app.app_context():
        db.session.execute(
            update(FormSubmission).values(
                created_at=utcnow() - once.SECRET_TTL - timedelta(seconds=1)
            )
        )
        db.session.commit()

    page = page_of(client.get(location))

    assert NO_LONGER_SHOWN in page and 'id="client-secret"' not in page


def test_the_waiting_secret_is_sealed_and_gone_once_shown(app: Flask, world: World) -> None:
    client = logged_in(app, "alice")
    location = client.post(CREATE, data=create_form(client, world)).headers["Location"]
    while_waiting = list(database_values(app))
    with app.app_context():
        sealed = db.session.scalar(select(FormSubmission.sealed_secret))
    assert sealed

    secret = code(page_of(client.get(location)), "client-secret")

    assert secret and not any(secret in value for _, _, value in while_waiting)
    with app.app_context():
        assert db.session.scalar(select(FormSubmission.sealed_secret)) is None


def test_old_submissions_are_cleared_when_a_form_is_next_submitted(
    app: Flask, world: World
) -> None:
    client = logged_in(app, "alice")
    client.post(CREATE, data=create_form(client, world, name="Old one"))
    with app.app_context():
        db.session.execute(
            update(FormSubmission).values(
                created_at=utcnow() - once.TOKEN_LIFETIME - timedelta(minutes=1)
            )
        )
        db.session.commit()

    client.post(CREATE, data=create_form(client, world, name="New one"))

    assert count(app, FormSubmission) == 1


def test_of_two_claims_of_one_token_only_the_first_counts(app: Flask, world: World) -> None:
    with app.test_request_context():
        hashed = once.token_hash(once.new_form_token())
        assert hashed is not None
        first = once.claim(hashed, once.CREATE, world.alice)
        second = once.claim(hashed, once.CREATE, world.alice)
        assert first is not None and second is None
        assert once.submission_of(hashed) == first


# Regenerate secret ---------------------------------------------------------------------------


def regenerate_form(client: FlaskClient, application_id: int) -> dict[str, str]:
    page = page_of(client.get(f"/admin/oauth2/{application_id}/regenerate-secret"))
    return form_of(page)


def test_regenerate_redirects_to_a_one_time_page(app: Flask, world: World) -> None:
    client = logged_in(app, "alice")
    path = f"/admin/oauth2/{world.alice_cc}/regenerate-secret"

    response = client.post(path, data=regenerate_form(client, world.alice_cc))

    assert response.status_code == 303
    page = page_of(client.get(response.headers["Location"]))
    secret = code(page, "client-secret")
    assert secret and secret not in response.headers["Location"]
    assert (
        client_credentials(app.test_client(), world.client_ids["Alice CC"], secret).status_code
        == 200
    )
    again = page_of(client.get(response.headers["Location"]))
    assert NO_LONGER_SHOWN in again and secret not in again
    assert application_link(again) == f"/admin/oauth2/{world.alice_cc}"


def test_a_replayed_regenerate_changes_nothing(app: Flask, world: World) -> None:
    client = logged_in(app, "alice")
    path = f"/admin/oauth2/{world.alice_cc}/regenerate-secret"
    form = regenerate_form(client, world.alice_cc)
    first = client.post(path, data=form)
    secret = code(page_of(client.get(first.headers["Location"])), "client-secret")
    hashed = secret_hash(app, world.alice_cc)

    replay = client.post(path, data=form)

    page = page_of(replay)
    assert replay.status_code == 409 and ALREADY_SUBMITTED in page
    assert application_link(page) == f"/admin/oauth2/{world.alice_cc}"
    assert secret_hash(app, world.alice_cc) == hashed
    assert regenerations(app, world.alice_cc) == 1
    assert (
        secret
        and client_credentials(app.test_client(), world.client_ids["Alice CC"], secret).status_code
        == 200
    )


def test_each_confirmation_regenerates_once(app: Flask, world: World) -> None:
    client = logged_in(app, "alice")
    path = f"/admin/oauth2/{world.alice_cc}/regenerate-secret"

    client.post(path, data=regenerate_form(client, world.alice_cc))
    client.post(path, data=regenerate_form(client, world.alice_cc))

    assert regenerations(app, world.alice_cc) == 2


def test_a_regenerate_without_a_valid_token_changes_nothing(app: Flask, world: World) -> None:
    client = logged_in(app, "alice")
    path = f"/admin/oauth2/{world.alice_cc}/regenerate-secret"
    form = {**regenerate_form(client, world.alice_cc), "form_token": "forged"}
    hashed = secret_hash(app, world.alice_cc)

    response = client.post(path, data=form)

    assert response.status_code == 200 and EXPIRED in page_of(response)
    assert secret_hash(app, world.alice_cc) == hashed
    assert regenerations(app, world.alice_cc) == 0
    fresh = form_of(page_of(response))["form_token"]
    assert client.post(path, data={**form, "form_token": fresh}).status_code == 303


def test_post_form_follows_the_redirect_as_a_browser_does(app: Flask, world: World) -> None:
    response = post_form(
        logged_in(app, "alice"), f"/admin/oauth2/{world.alice_cc}/regenerate-secret"
    )

    assert response.status_code == 200 and NOTICE in page_of(response)
