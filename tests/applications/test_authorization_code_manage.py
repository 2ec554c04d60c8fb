"""Authorization-code applications after create: view, edit, switching the client type,
Regenerate secret, the audit trail and the grid."""

from __future__ import annotations

import re

from flask import Flask
from sqlalchemy import select

from oauthapp.applications.redirects import PLAIN_HTTP
from oauthapp.applications.service import PUBLIC_CLIENT
from oauthapp.extensions import db
from oauthapp.models import SecurityEvent
from oauthapp.security.credentials import verify_secret
from tests.applications.conftest import GRID, World, grid_names, logged_in, post_form
from tests.applications.helpers import (
    CALLBACK,
    UPDATED,
    checkbox_checked,
    grant_consent,
    make_code_application,
    page_of,
    redirect_rows,
    stored,
)
from tests.applications.test_view_edit import details, text_of

LOOPBACK = "http://127.0.0.1:8400/callback"


def edit_path(application_id: int) -> str:
    return f"/admin/oauth2/{application_id}/edit"


def edit_form(**changes: object) -> dict[str, object]:
    form: dict[str, object] = {
        "name": "Web App",
        "active": "y",
        "redirect_uris": [CALLBACK],
        "confidential": "y",
    }
    form.update(changes)
    return {key: value for key, value in form.items() if value is not None}


def updated_details(app: Flask, application_id: int) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(SecurityEvent.detail).where(
                    SecurityEvent.application_id == application_id,
                    SecurityEvent.event == "application_updated",
                )
            )
        )


# View --------------------------------------------------------------------------------------


def test_the_view_page_lists_the_redirect_urls_the_switches_and_who_authorized_it(
    app: Flask, world: World
) -> None:
    app_id, _ = make_code_application(
        app, world.acme, redirect_uris=[CALLBACK, LOOPBACK], skip_consent=True
    )
    grant_consent(app, app_id, world.alice)
    grant_consent(app, app_id, world.bob)
    shown = details(page_of(logged_in(app, "alice").get(f"/admin/oauth2/{app_id}")))
    assert shown["Grants"] == "Authorization Code"
    assert re.findall(r"<li><code>(.*?)</code></li>", shown["Redirect URLs"]) == [
        CALLBACK,
        LOOPBACK,
    ]
    assert shown["Confidential Client"] == "Yes"
    assert shown["Skip User Consent"] == "Yes"
    assert text_of(shown["Authorized Users"]) == "Authorized by 2 users"


def test_the_view_page_of_a_public_client_says_so_and_offers_no_regenerate(
    app: Flask, world: World
) -> None:
    app_id, _ = make_code_application(app, world.acme, confidential=False)
    page = page_of(logged_in(app, "alice").get(f"/admin/oauth2/{app_id}"))
    assert details(page)["Confidential Client"].startswith("No (a public client")
    assert text_of(details(page)["Authorized Users"]) == "Authorized by 0 users"
    assert "regenerate-secret" not in page


def test_one_consent_reads_authorized_by_1_user(app: Flask, world: World) -> None:
    app_id, _ = make_code_application(app, world.acme)
    grant_consent(app, app_id, world.alice)
    page = page_of(logged_in(app, "alice").get(f"/admin/oauth2/{app_id}"))
    assert text_of(details(page)["Authorized Users"]) == "Authorized by 1 user"


def test_other_grants_show_no_redirect_urls(app: Flask, world: World) -> None:
    page = page_of(logged_in(app, "alice").get(f"/admin/oauth2/{world.alice_cc}"))
    assert "Redirect URLs" not in details(page) and "Authorized Users" not in details(page)


# Edit --------------------------------------------------------------------------------------


def test_the_edit_form_shows_the_redirect_urls_and_switches(app: Flask, world: World) -> None:
    app_id, _ = make_code_application(app, world.acme, redirect_uris=[CALLBACK, LOOPBACK])
    page = page_of(logged_in(app, "alice").get(edit_path(app_id)))
    assert redirect_rows(page) == [(CALLBACK, []), (LOOPBACK, [])]
    assert checkbox_checked(page, "confidential")
    assert not checkbox_checked(page, "skip_consent")


def test_editing_replaces_the_redirect_urls_and_records_what_changed(
    app: Flask, world: World
) -> None:
    app_id, _ = make_code_application(app, world.acme)
    client = logged_in(app, "alice")
    response = post_form(client, edit_path(app_id), edit_form(redirect_uris=[LOOPBACK]))
    assert response.status_code == 302
    assert UPDATED in page_of(client.get(response.headers["Location"]))
    assert stored(app, app_id).redirect_uris == [LOOPBACK]
    assert updated_details(app, app_id) == [
        f"redirect URL added: {LOOPBACK}; redirect URL removed: {CALLBACK}"
    ]


def test_a_bad_redirect_url_on_edit_is_shown_next_to_its_row_and_changes_nothing(
    app: Flask, world: World
) -> None:
    app_id, _ = make_code_application(app, world.acme)
    form = edit_form(redirect_uris=[CALLBACK, "http://app.example/cb"])
    response = post_form(logged_in(app, "alice"), edit_path(app_id), form)
    assert response.status_code == 200
    assert redirect_rows(page_of(response))[1] == ("http://app.example/cb", [PLAIN_HTTP])
    assert stored(app, app_id).redirect_uris == [CALLBACK]


def test_add_another_url_on_edit_changes_nothing(app: Flask, world: World) -> None:
    app_id, _ = make_code_application(app, world.acme)
    form = edit_form(redirect_uris=[LOOPBACK], add_redirect_uri="1")
    response = post_form(logged_in(app, "alice"), edit_path(app_id), form)
    assert response.status_code == 200
    assert redirect_rows(page_of(response)) == [(LOOPBACK, []), ("", [])]
    assert stored(app, app_id).redirect_uris == [CALLBACK]


def test_ticking_skip_user_consent_is_saved_and_recorded(app: Flask, world: World) -> None:
    app_id, _ = make_code_application(app, world.acme)
    post_form(logged_in(app, "alice"), edit_path(app_id), edit_form(skip_consent="y"))
    assert stored(app, app_id).skip_consent is True
    assert updated_details(app, app_id) == ["skip consent: false -> true"]


def test_making_a_client_public_drops_its_secret(app: Flask, world: World) -> None:
    app_id, secret = make_code_application(app, world.acme)
    assert secret is not None
    post_form(logged_in(app, "alice"), edit_path(app_id), edit_form(confidential=None))
    application = stored(app, app_id)
    assert (application.confidential, application.secret_hash) == (False, None)
    assert updated_details(app, app_id) == ["confidential: true -> false (secret removed)"]


def test_a_public_client_made_confidential_has_no_secret_until_one_is_regenerated(
    app: Flask, world: World
) -> None:
    app_id, _ = make_code_application(app, world.acme, confidential=False)
    client = logged_in(app, "alice")
    post_form(client, edit_path(app_id), edit_form())
    assert (stored(app, app_id).confidential, stored(app, app_id).secret_hash) == (True, None)
    view = page_of(client.get(f"/admin/oauth2/{app_id}"))
    assert "has no Client Secret yet" in view and "regenerate-secret" in view

    response = post_form(client, f"/admin/oauth2/{app_id}/regenerate-secret", {})
    secret = re.search(r'<code id="client-secret"[^>]*>([^<]*)</code>', page_of(response))
    assert response.status_code == 200 and secret
    stored_hash = stored(app, app_id).secret_hash
    assert stored_hash is not None
    with app.app_context():
        assert verify_secret(secret.group(1), stored_hash)
    assert "has no Client Secret yet" not in page_of(client.get(f"/admin/oauth2/{app_id}"))


def test_the_edit_of_another_grant_ignores_posted_redirect_urls(app: Flask, world: World) -> None:
    form = {"name": "Alice CC", "active": "y", "redirect_uris": CALLBACK, "skip_consent": "y"}
    response = post_form(logged_in(app, "alice"), edit_path(world.alice_cc), form)
    assert response.status_code == 302
    application = stored(app, world.alice_cc)
    assert (application.redirect_uris, application.confidential) == ([], True)
    assert application.skip_consent is False


# Regenerate secret of a public client ------------------------------------------------------


def test_regenerate_secret_of_a_public_client_is_refused_with_a_message(
    app: Flask, world: World
) -> None:
    app_id, _ = make_code_application(app, world.acme, confidential=False)
    client = logged_in(app, "alice")
    for response in (
        client.get(f"/admin/oauth2/{app_id}/regenerate-secret"),
        post_form(client, f"/admin/oauth2/{app_id}/regenerate-secret", {}),
    ):
        assert response.status_code == 302
        assert response.headers["Location"] == f"/admin/oauth2/{app_id}"
    page = page_of(client.get(f"/admin/oauth2/{app_id}"))
    assert f'<div class="flash flash-error" role="status">{PUBLIC_CLIENT}</div>' in page
    assert stored(app, app_id).secret_hash is None


# Grid --------------------------------------------------------------------------------------


def test_the_grid_shows_authorization_code_in_the_grants_column(app: Flask, world: World) -> None:
    make_code_application(app, world.acme)
    page = page_of(logged_in(app, "alice").get(GRID))
    row = re.search(r"<tr>\s*<td[^>]*><a [^>]*>Web App</a>.*?</tr>", page, re.DOTALL)
    assert row and '<td data-label="Grants">Authorization Code</td>' in row.group(0)


def test_the_grants_filter_shows_only_that_grant(app: Flask, world: World) -> None:
    make_code_application(app, world.acme)
    client = logged_in(app, "alice")
    assert grid_names(client.get(GRID, query_string="grant=authorization_code")) == ["Web App"]
    assert grid_names(client.get(GRID, query_string="grant=password")) == ["Acme Password"]


def test_the_grants_filter_offers_the_three_grants_and_keeps_the_choice(
    app: Flask, world: World
) -> None:
    page = page_of(logged_in(app, "alice").get(GRID, query_string="grant=authorization_code"))
    select_ = re.search(r'<select id="filter-grant" name="grant">(.*?)</select>', page, re.DOTALL)
    assert select_
    assert re.findall(r'<option value="([^"]*)"', select_.group(1)) == [
        "",
        "authorization_code",
        "client_credentials",
        "password",
    ]
    assert '<option value="authorization_code" selected>' in select_.group(1)


def test_an_unknown_grant_in_the_query_string_is_ignored(app: Flask, world: World) -> None:
    make_code_application(app, world.acme)
    names = grid_names(logged_in(app, "alice").get(GRID, query_string="grant=implicit"))
    assert sorted(names) == ["Acme Password", "Alice CC", "Bob CC", "Web App"]


def test_the_pager_links_keep_the_grants_filter(app: Flask, world: World) -> None:
    page = page_of(
        logged_in(app, "alice").get(GRID, query_string="grant=client_credentials&per_page=10")
    )
    pager = re.search(r'<nav class="pager".*?</nav>', page, re.DOTALL)
    assert pager and "grant=client_credentials" in pager.group(0)
