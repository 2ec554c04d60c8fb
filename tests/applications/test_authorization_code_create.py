"""Creating authorization-code applications: the fields, their errors, rows without script, and
the one-time page of a public client."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from oauthapp.applications.redirects import (
    CUSTOM_SCHEME,
    FRAGMENT,
    MAX_REDIRECT_URIS,
    PLAIN_HTTP,
    RELATIVE,
    REQUIRED,
    TOO_LONG,
    TOO_MANY,
)
from oauthapp.security.credentials import verify_secret
from tests.applications.conftest import CREATE, FRONTEND_CREATE, World, logged_in, post_form
from tests.applications.helpers import (
    CALLBACK,
    CREATED,
    NOTICE,
    checkbox_checked,
    code_form,
    list_errors,
    page_of,
    redirect_rows,
    stored_by_name,
)
from tests.applications.test_create import application_count, field_wrapper, grant_choices

WORLD_SIZE = 6


def secret_shown(page: str) -> str | None:
    match = re.search(r'<code id="client-secret"[^>]*>([^<]*)</code>', page)
    return match.group(1) if match else None


# The form ----------------------------------------------------------------------------------


def test_the_grants_are_authorization_code_client_credentials_and_password_in_that_order(
    app: Flask, world: World
) -> None:
    page = page_of(logged_in(app, "alice").get(CREATE))
    assert [label for _, label in grant_choices(page)] == [
        "Authorization Code",
        "Client Credentials",
        "Password",
    ]


def test_the_form_has_one_empty_redirect_row_and_the_two_switches_with_their_defaults(
    app: Flask, world: World
) -> None:
    page = page_of(logged_in(app, "alice").get(CREATE))
    assert (
        '<legend>Redirect URLs<span class="required-mark" aria-hidden="true"> *</span></legend>'
        in page
    )
    assert redirect_rows(page) == [("", [])]
    assert '<label for="confidential">Confidential Client</label>' in page
    assert '<label for="skip_consent">Skip User Consent</label>' in page
    assert checkbox_checked(page, "confidential")
    assert not checkbox_checked(page, "skip_consent")
    assert 'name="add_redirect_uri"' in page and "Add another URL" in page


def test_the_authorization_code_fields_are_marked_for_that_grant_only(
    app: Flask, world: World
) -> None:
    page = page_of(logged_in(app, "alice").get(FRONTEND_CREATE))
    block = re.search(r'<div id="authorization-code-fields"([^>]*)>', page)
    assert block and 'data-shown-for="authorization_code"' in block.group(1)
    assert "<script>" not in page and "onclick" not in page


# Creating ----------------------------------------------------------------------------------


def test_a_confidential_application_is_created_without_owner_and_shows_its_secret_once(
    app: Flask, world: World
) -> None:
    form = code_form(world, redirect_uris=[CALLBACK, "com.example.app:/cb"])
    response = post_form(logged_in(app, "alice"), CREATE, form)
    page = page_of(response)
    assert response.status_code == 200 and CREATED in page and NOTICE in page
    created = stored_by_name(app, "Web App")
    assert created is not None and created.grant_type == "authorization_code"
    assert created.redirect_uris == [CALLBACK, "com.example.app:/cb"]
    assert (created.confidential, created.skip_consent) == (True, False)
    assert (created.user_id, created.customer_user_id, created.owner_key) == (None, None, "")
    secret = secret_shown(page)
    assert secret and created.secret_hash
    with app.app_context():
        assert verify_secret(secret, created.secret_hash)
    assert "Temporary Access Token" not in page


def test_skip_user_consent_is_stored_when_ticked(app: Flask, world: World) -> None:
    post_form(logged_in(app, "alice"), CREATE, code_form(world, skip_consent="y"))
    created = stored_by_name(app, "Web App")
    assert created is not None and created.skip_consent is True


def test_a_public_client_is_stored_without_any_secret(app: Flask, world: World) -> None:
    post_form(logged_in(app, "alice"), CREATE, code_form(world, confidential=None))
    created = stored_by_name(app, "Web App")
    assert created is not None
    assert (created.confidential, created.secret_hash) == (False, None)


def test_the_public_clients_page_shows_only_the_client_id_and_says_it_uses_pkce(
    app: Flask, world: World
) -> None:
    response = post_form(logged_in(app, "alice"), CREATE, code_form(world, confidential=None))
    page = page_of(response)
    created = stored_by_name(app, "Web App")
    assert created is not None
    assert response.status_code == 200 and CREATED in page
    assert (
        f'<code id="client-id" aria-labelledby="client-id-label">{created.client_id}</code>' in page
    )
    assert secret_shown(page) is None
    assert "Client Secret" not in page.replace("no Client Secret", "")
    assert NOTICE not in page
    assert "public client" in page and "PKCE" in page
    assert response.headers["Cache-Control"] == "no-store"


def test_a_storefront_authorization_code_application_has_no_customer_owner(
    app: Flask, world: World
) -> None:
    response = post_form(logged_in(app, "alice"), FRONTEND_CREATE, code_form(world))
    assert response.status_code == 200
    created = stored_by_name(app, "Web App")
    assert created is not None
    assert (created.kind, created.customer_user_id, created.user_id) == ("storefront", None, None)


def test_redirect_urls_posted_for_another_grant_are_ignored(app: Flask, world: World) -> None:
    form = code_form(world, grant="client_credentials", owner=str(world.alice), confidential=None)
    response = post_form(logged_in(app, "alice"), CREATE, {**form, "skip_consent": "y"})
    assert response.status_code == 200 and CREATED in page_of(response)
    created = stored_by_name(app, "Web App")
    assert created is not None
    assert (created.redirect_uris, created.confidential, created.skip_consent) == ([], True, False)
    assert created.secret_hash is not None


def test_a_user_role_may_not_create_an_application_it_would_not_own(
    app: Flask, world: World
) -> None:
    response = post_form(logged_in(app, "bob"), CREATE, code_form(world))
    assert "You may only create Client Credentials applications that you own." in page_of(response)
    assert application_count(app) == WORLD_SIZE


# Errors next to the field ------------------------------------------------------------------


def refused_page(app: Flask, world: World, uris: list[str]) -> str:
    response = post_form(logged_in(app, "alice"), CREATE, code_form(world, redirect_uris=uris))
    page = page_of(response)
    assert response.status_code == 200 and CREATED not in page
    assert application_count(app) == WORLD_SIZE
    return page


def test_no_redirect_url_is_refused_below_the_redirect_urls(app: Flask, world: World) -> None:
    page = refused_page(app, world, [""])
    assert list_errors(page) == [REQUIRED]
    assert field_wrapper(page, "redirect_uris").startswith('<fieldset class="field has-error"')


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("http://app.example/callback", PLAIN_HTTP),
        ("https://app.example/callback#x", FRAGMENT),
        ("/callback", RELATIVE),
        ("myapp:/callback", CUSTOM_SCHEME),
        ("https://app.example/" + "a" * 2000, TOO_LONG),
    ],
)
def test_a_bad_redirect_url_is_refused_next_to_its_row(
    app: Flask, world: World, uri: str, message: str
) -> None:
    page = refused_page(app, world, [CALLBACK, uri])
    assert redirect_rows(page) == [(CALLBACK, []), (uri, [message])]
    assert list_errors(page) == []
    assert re.search(r'id="redirect_uris-1"[^>]*aria-invalid="true"', page)


def test_too_many_redirect_urls_are_refused(app: Flask, world: World) -> None:
    uris = [f"https://app.example/cb{n}" for n in range(MAX_REDIRECT_URIS + 1)]
    page = refused_page(app, world, uris)
    assert list_errors(page) == [TOO_MANY]
    assert [value for value, _ in redirect_rows(page)] == uris


# Rows without JavaScript -------------------------------------------------------------------


def test_add_another_url_comes_back_with_one_more_row_and_creates_nothing(
    app: Flask, world: World
) -> None:
    client = logged_in(app, "alice")
    form = code_form(world, name="Kept", add_redirect_uri="1")
    response = post_form(client, CREATE, form)
    page = page_of(response)
    assert response.status_code == 200
    assert redirect_rows(page) == [(CALLBACK, []), ("", [])]
    assert re.search(r'<input [^>]*name="name"[^>]*value="Kept"', page)
    assert application_count(app) == WORLD_SIZE and CREATED not in page
    assert 'class="field-errors"' not in page

    filled = code_form(world, name="Kept", redirect_uris=[CALLBACK, "http://localhost:8400/cb"])
    created_page = page_of(post_form(client, CREATE, filled))
    assert CREATED in created_page
    created = stored_by_name(app, "Kept")
    assert created is not None
    assert created.redirect_uris == [CALLBACK, "http://localhost:8400/cb"]


def test_remove_takes_out_that_row_and_creates_nothing(app: Flask, world: World) -> None:
    uris = ["https://a.example/cb", "https://b.example/cb", "https://c.example/cb"]
    form = code_form(world, redirect_uris=uris, remove_redirect_uri="2")
    page = page_of(post_form(logged_in(app, "alice"), CREATE, form))
    assert redirect_rows(page) == [("https://a.example/cb", []), ("https://c.example/cb", [])]
    assert application_count(app) == WORLD_SIZE


def test_removing_the_only_row_leaves_one_empty_row(app: Flask, world: World) -> None:
    form = code_form(world, remove_redirect_uri="1")
    page = page_of(post_form(logged_in(app, "alice"), CREATE, form))
    assert redirect_rows(page) == [("", [])]


def test_enter_in_a_text_box_submits_the_form_not_a_row_button(app: Flask, world: World) -> None:
    page = page_of(logged_in(app, "alice").get(CREATE))
    form = re.search(r'<form method="post"[^>]*id="application-form">(.*)</form>', page, re.DOTALL)
    assert form
    first_button = re.search(r"<(?:button|input)[^>]*type=\"submit\"[^>]*>", form.group(1))
    assert first_button and 'name="submit"' in first_button.group(0)
    assert 'value="Create"' in first_button.group(0)


def test_add_application_for_an_owner_offers_no_authorization_code_fields(
    app: Flask, world: World
) -> None:
    page = page_of(logged_in(app, "alice").get(f"{CREATE}?owner={world.alice}"))
    assert grant_choices(page) == [("client_credentials", "Client Credentials")]
    assert 'name="redirect_uris"' not in page and 'name="confidential"' not in page
