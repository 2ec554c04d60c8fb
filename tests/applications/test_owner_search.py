"""The create form's Users search: the JSON endpoint, and the form with many users (no script)."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import insert, select

from oauthapp.accounts.service import create_customer_user
from oauthapp.extensions import db
from oauthapp.models import OAuthApplication, Organization, Role, User, UserRole
from tests.applications.conftest import CREATE, FRONTEND_CREATE, World, logged_in, post_form
from tests.applications.test_create import field_errors, form_of, owner_options, page_of
from tests.factories import PASSWORD, make_user

OWNERS = "/admin/oauth2/owners"
FRONTEND_OWNERS = "/admin/oauth2/frontend/owners"
CREATED = "OAuth application has been created"  # then ": " and the name


def search(app: Flask, viewer: str, path: str = OWNERS, **args: Any) -> dict[str, Any]:
    """The JSON answer of the search, which must be a 200."""
    response = logged_in(app, viewer).get(path, query_string=args)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    found: dict[str, Any] = response.get_json()
    return found


def labels(found: dict[str, Any]) -> list[str]:
    return [owner["label"] for owner in found["owners"]]


def add_acme_members(app: Flask, world: World, count: int, prefix: str = "member") -> None:
    """COUNT users of Acme (role USER), straight into the tables: member00000, member00001, …"""
    with app.app_context():
        password_hash = db.session.scalar(select(User.password_hash).where(User.id == world.bob))
        db.session.execute(
            insert(User),
            [{"username": f"{prefix}{n:05d}", "email": f"{prefix}{n:05d}@crowd.example",
              "password_hash": password_hash} for n in range(count)],
        )  # fmt: skip
        ids = db.session.scalars(select(User.id).where(User.username.like(f"{prefix}%")))
        db.session.execute(
            insert(UserRole),
            [{"user_id": id_, "organization_id": world.acme, "role": Role.USER.value}
             for id_ in ids],
        )  # fmt: skip
        db.session.commit()


def user_id(app: Flask, username: str) -> int:
    with app.app_context():
        found = db.session.scalar(select(User.id).where(User.username == username))
        assert found is not None
        return found


def search_status(page: str) -> str:
    """The text under the search box (how many match, or that none does)."""
    found = re.search(
        r'<p class="hint" id="owner-search-status" role="status">(.*?)</p>', page, re.S
    )
    assert found, "no search status"
    return html.unescape(" ".join(found.group(1).split()))


# The JSON search ----------------------------------------------------------------------------


def test_the_search_answers_the_users_an_administrator_may_pick_as_json(
    app: Flask, world: World
) -> None:
    response = logged_in(app, "alice").get(OWNERS)

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.get_json() == {
        "owners": [
            {"id": world.alice, "label": "alice", "email": "alice@example.com",
             "organizations": [world.acme]},
            {"id": world.bob, "label": "bob", "email": "bob@example.com",
             "organizations": [world.acme]},
        ],
        "total": 2,
        "page": 1,
        "per_page": 20,
        "pages": 1,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("text", "found"),
    [("BO", ["bob"]), ("Alice@Example", ["alice"]), ("@EXAMPLE.COM", ["alice", "bob"]), ("zz", [])],
)
def test_the_search_matches_a_username_or_email_whatever_its_case(
    app: Flask, world: World, text: str, found: list[str]
) -> None:
    assert labels(search(app, "alice", q=text)) == found


def test_a_global_administrator_searches_every_organization_or_the_one_asked(
    app: Flask, world: World
) -> None:
    everyone = search(app, "root")
    in_other = search(app, "root", organization=world.other)

    assert labels(everyone) == ["alice", "bob", "gus", "oscar", "root"]
    assert [owner["organizations"] for owner in everyone["owners"]] == [
        [world.acme], [world.acme], [world.main], [world.other], [world.main]
    ]  # fmt: skip
    assert labels(in_other) == ["oscar"]


@pytest.mark.parametrize("organization", ["other", "99999", "abc", "-1"])
def test_an_organization_the_user_may_not_create_in_is_not_found(
    app: Flask, world: World, organization: str
) -> None:
    value = str(world.other) if organization == "other" else organization

    response = logged_in(app, "alice").get(OWNERS, query_string={"organization": value})

    assert response.status_code == 404


@pytest.mark.parametrize("viewer", ["bob", "gus"])
def test_a_user_role_finds_only_itself(app: Flask, world: World, viewer: str) -> None:
    found = search(app, viewer)

    assert labels(found) == [viewer]
    assert found["owners"][0]["organizations"] == [world.acme if viewer == "bob" else world.main]


def test_a_user_role_that_administers_nothing_may_not_search_customer_users(
    app: Flask, world: World
) -> None:
    assert logged_in(app, "bob").get(FRONTEND_OWNERS).status_code == 403


def test_the_storefront_search_finds_customer_users_by_name_or_email(
    app: Flask, world: World
) -> None:
    with app.app_context():
        create_customer_user("zq@shop.example", PASSWORD, "Acme", "Zoë Quinn", "en")

    by_name = search(app, "alice", FRONTEND_OWNERS, q="ZOË")
    by_email = search(app, "alice", FRONTEND_OWNERS, q="shop.EXAMPLE")
    everyone = search(app, "root", FRONTEND_OWNERS)

    assert labels(by_name) == labels(by_email) == ["Zoë Quinn"]
    assert by_name["owners"][0]["email"] == "zq@shop.example"
    assert [owner["email"] for owner in everyone["owners"]] == [
        "carol@example.com", "olga@example.com", "zq@shop.example"
    ]  # fmt: skip
    assert labels(search(app, "oscar", FRONTEND_OWNERS, q="quinn")) == []


def test_the_search_comes_in_pages(app: Flask, world: World) -> None:
    add_acme_members(app, world, 25)

    third = search(app, "alice", q="member", per_page=10, page=3)
    past_the_end = search(app, "alice", q="member", per_page=10, page=99)

    assert (third["total"], third["pages"], third["page"]) == (25, 3, 3)
    assert labels(third) == [f"member{n:05d}" for n in range(20, 25)]
    assert past_the_end["page"] == 3 and labels(past_the_end) == labels(third)


@pytest.mark.parametrize(("asked", "given"), [("500", 50), ("0", 20), ("abc", 20), ("7", 7)])
def test_a_page_size_is_at_most_fifty_and_junk_gets_the_default(
    app: Flask, world: World, asked: str, given: int
) -> None:
    assert search(app, "alice", per_page=asked)["per_page"] == given


@pytest.mark.parametrize(
    ("text", "found"),
    [("%", []), ("_", []), ("b\x00o", ["bob"]), ("  bob  ", ["bob"]), ("b" * 1000, [])],
    ids=["percent", "underscore", "nul", "spaces", "long"],
)
def test_odd_search_text_is_searched_as_typed_and_never_fails(
    app: Flask, world: World, text: str, found: list[str]
) -> None:
    assert labels(search(app, "alice", q=text)) == found


def test_the_search_is_for_logged_in_users_only(app: Flask, world: World) -> None:
    response = app.test_client().get(OWNERS)

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_the_search_accepts_no_post(app: Flask, world: World) -> None:
    response = post_form(logged_in(app, "alice"), OWNERS, {"q": "bob"})

    assert response.status_code == 405


# The form with many users, as it works without JavaScript ----------------------------------


def test_the_users_list_holds_the_first_fifty_and_says_how_many_there_are(
    app: Flask, world: World
) -> None:
    add_acme_members(app, world, 60)

    page = page_of(logged_in(app, "alice").get(CREATE))

    options = owner_options(page)
    assert len(options) == 51 and options[0][0] == ""
    assert [label for _, label, _ in options[1:4]] == ["alice", "bob", "member00000"]
    assert search_status(page) == "The list shows the first 50 of 62 users. Search to find others."
    assert (
        '<label for="owner">Users<span class="required-mark" aria-hidden="true"> *</span></label>'
        in page
    )


def test_a_search_narrows_the_users_list(app: Flask, world: World) -> None:
    add_acme_members(app, world, 60)

    page = page_of(logged_in(app, "alice").get(CREATE, query_string={"owner_q": "MEMBER0005"}))

    assert [label for _, label, _ in owner_options(page)[1:]] == [
        f"member{n:05d}" for n in range(50, 60)
    ]
    assert search_status(page) == "10 users match “MEMBER0005”."
    assert re.search(r'<input [^>]*name="owner_q"[^>]*value="MEMBER0005"', page)


def test_a_search_without_a_match_says_so(app: Flask, world: World) -> None:
    page = page_of(logged_in(app, "alice").get(CREATE, query_string={"owner_q": "<nobody>"}))

    assert owner_options(page) == [("", "Choose a user…", None)]
    assert search_status(page) == "No user matches “<nobody>”."
    assert "&lt;nobody&gt;" in page and "<nobody>" not in page


def test_the_search_box_and_its_button_belong_to_a_get_form_of_their_own(
    app: Flask, world: World
) -> None:
    page = page_of(logged_in(app, "root").get(CREATE, query_string={"organization": world.other}))

    search_form = re.search(
        r'<form id="owner-search" method="get" action="([^"]*)"[^>]*>(.*?)</form>', page, re.S
    )
    assert search_form and search_form.group(1) == CREATE
    assert f'name="organization" value="{world.other}"' in search_form.group(2)
    assert re.search(r'<input type="search" id="owner_q" name="owner_q" form="owner-search"', page)
    assert re.search(r'<button type="submit" class="button" form="owner-search"', page)
    assert [label for _, label, _ in owner_options(page)[1:]] == ["oscar"]
    assert re.search(rf'<option selected value="{world.other}">Other Corp</option>', page)


def test_an_owner_beyond_the_first_fifty_can_own_the_new_application(
    app: Flask, world: World
) -> None:
    add_acme_members(app, world, 60)
    last = user_id(app, "member00059")

    response = post_form(logged_in(app, "alice"), CREATE, form_of(world, owner=str(last)))

    assert CREATED in page_of(response)
    with app.app_context():
        created = db.session.scalar(select(OAuthApplication).filter_by(name="New CC"))
        assert created is not None and created.user_id == last


def test_a_refused_form_keeps_the_chosen_owner_even_beyond_the_first_fifty(
    app: Flask, world: World
) -> None:
    add_acme_members(app, world, 60)
    last = user_id(app, "member00059")

    response = post_form(logged_in(app, "alice"), CREATE, form_of(world, owner=str(last), name=""))

    page = page_of(response)
    assert field_errors(page, "name") == ["This value should not be blank."]
    assert (str(last), "member00059", str(world.acme)) in owner_options(page)
    assert re.search(rf'<option [^>]*selected[^>]*value="{last}"', page)


def test_ten_thousand_users_keep_the_form_small_and_the_search_exact(
    app: Flask, world: World
) -> None:
    add_acme_members(app, world, 10_000)
    client = logged_in(app, "alice")

    page = page_of(client.get(CREATE))
    found = client.get(OWNERS, query_string={"q": "member09999"}).get_json()
    customers = page_of(client.get(FRONTEND_CREATE))

    assert len(owner_options(page)) == 51
    assert search_status(page) == (
        "The list shows the first 50 of 10,002 users. Search to find others."
    )
    assert len(page) < 40_000  # the list of 10,000 took more than a megabyte
    assert labels(found) == ["member09999"] and found["total"] == 1
    assert [value for value, _, _ in owner_options(customers)[1:]] == [str(world.carol)]


def test_the_organization_of_a_search_must_be_one_the_user_may_create_in(
    app: Flask, world: World
) -> None:
    with app.app_context():
        other = db.session.get(Organization, world.other)
        assert other is not None
        make_user("dora", orgs=[other])

    page = page_of(logged_in(app, "alice").get(CREATE, query_string={"organization": world.other}))

    assert 'name="organization"' not in page  # alice creates in Acme only
    assert [label for _, label, _ in owner_options(page)[1:]] == ["alice", "bob"]
