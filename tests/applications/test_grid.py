"""The OAuth applications grids: columns, menus, filters, sorting, paging and what never breaks."""

from __future__ import annotations

import html
import re
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from oauthapp.extensions import db
from oauthapp.keys import KEY_MODE_WARNING, KEYS_MISSING_WARNING
from oauthapp.models import Grant, Kind, OAuthApplication, Organization, Role
from tests.accounts.helpers import current_page
from tests.applications.conftest import (
    BACKOFFICE_NAMES,
    FRONTEND_GRID,
    GRID,
    World,
    grid_names,
    logged_in,
)
from tests.conftest import TEST_DATABASE_URL
from tests.factories import make_application, make_customer, make_org, make_user

ACME_BACKOFFICE = ["Acme Password", "Alice CC", "Bob CC"]  # what alice sees, by name
EMPTY = "There are no OAuth applications yet."
NO_MATCH = "No OAuth applications match these filters."
DASH = "\N{EN DASH}"
CURRENT_PAGE = (
    '<span class="current" aria-current="page"><span class="visually-hidden">Page </span>{}</span>'
)
ON_POSTGRES = bool(TEST_DATABASE_URL)


def page_of(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, f"GET {path} answered {response.status_code}"
    return response.get_data(as_text=True)


def row_cells(page: str, name: str) -> list[str]:
    """The text of each cell of the row of that application, tags stripped."""
    for row in re.findall(r"<tr>(.*?)</tr>", page, re.DOTALL):
        cells = [
            html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.DOTALL)
        ]
        if cells and cells[0] == name:
            return cells
    raise AssertionError(f"no row for {name!r}")


def row_html(page: str, name: str) -> str:
    """The HTML of the row of that application."""
    for row in re.findall(r"<tr>(.*?)</tr>", page, re.DOTALL):
        if f">{html.escape(name, quote=False)}</a></td>" in row:
            return str(row)
    raise AssertionError(f"no row for {name!r}")


def change(app: Flask, application_id: int, **values: Any) -> None:
    """Set columns of an application directly, as time or the token endpoint would."""
    with app.app_context():
        application = db.session.get(OAuthApplication, application_id)
        assert application is not None
        for key, value in values.items():
            setattr(application, key, value)
        db.session.commit()


def link(page: str, rel: str) -> dict[str, list[str]]:
    """The query string of the pager link with that rel, parsed."""
    match = re.search(rf'<a href="([^"]+)" rel="{rel}">', page)
    assert match, f"no {rel} link"
    url = urlsplit(html.unescape(match.group(1)))
    assert url.path == GRID
    return parse_qs(url.query)


# Columns and the More Options menu -----------------------------------------------------------


def test_the_grid_has_the_columns_of_the_spec_in_order(app: Flask, world: World) -> None:
    page = page_of(logged_in(app, "alice"), GRID)

    headers = re.findall(r'<th scope="col"[^>]*>\s*<a [^>]*>([^<]+)<', page)
    assert [header.strip() for header in headers] == [
        "Application Name",
        "Client ID",
        "Organization",
        "Grants",
        "User",
        "Active",
        "Last Used At",
    ]


def test_a_row_shows_name_client_id_organization_grant_owner_status_and_never_used(
    app: Flask, world: World
) -> None:
    page = page_of(logged_in(app, "alice"), GRID)

    cells = row_cells(page, "Alice CC")
    assert cells[:7] == [
        "Alice CC",
        world.client_ids["Alice CC"],
        "Acme",
        "Client Credentials",
        "alice",
        "Active",
        "Never",
    ]
    assert f'<a href="/admin/oauth2/{world.alice_cc}">Alice CC</a>' in page


def test_the_owner_cell_links_to_the_owners_user_page(app: Flask, world: World) -> None:
    page = page_of(logged_in(app, "alice"), GRID)

    assert f'<a href="/admin/users/{world.bob}">bob</a>' in row_html(page, "Bob CC")


def test_a_password_application_shows_its_grant_and_no_owner(app: Flask, world: World) -> None:
    page = page_of(logged_in(app, "alice"), GRID)

    cells = row_cells(page, "Acme Password")
    assert cells[3:5] == ["Password", "—"]
    assert "/admin/users/" not in row_html(page, "Acme Password")


def test_a_storefront_row_links_its_customer_owner(app: Flask, world: World) -> None:
    page = page_of(logged_in(app, "alice"), FRONTEND_GRID)

    assert row_cells(page, "Carol Store")[2:4] == ["Acme", "Client Credentials"]
    assert f'href="/admin/customer-users/{world.carol}"' in row_html(page, "Carol Store")


def test_an_inactive_application_shows_inactive(app: Flask, world: World) -> None:
    change(app, world.bob_cc, active=False)

    page = page_of(logged_in(app, "alice"), GRID)

    assert row_cells(page, "Bob CC")[5] == "Inactive"
    assert row_cells(page, "Alice CC")[5] == "Active"


def test_last_used_at_shows_the_utc_time_to_the_minute(app: Flask, world: World) -> None:
    change(app, world.alice_cc, last_used_at=datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC))

    page = page_of(logged_in(app, "alice"), GRID)

    assert row_cells(page, "Alice CC")[6] == "2024-05-06 07:08 UTC"


def test_the_more_options_menu_of_an_active_application_offers_view_edit_deactivate_delete(
    app: Flask, world: World
) -> None:
    row = row_html(page_of(logged_in(app, "alice"), GRID), "Alice CC")

    menu = row[row.index('aria-label="More Options for Alice CC"') :]
    labels = re.findall(r"<(?:a|button)[^>]*>([^<]+)</(?:a|button)>", menu)
    assert labels == ["View", "Edit", "Deactivate", "Delete"]
    app_path = f"/admin/oauth2/{world.alice_cc}"
    assert f'<a href="{app_path}">View</a>' in menu
    assert f'<a href="{app_path}/edit">Edit</a>' in menu
    assert f'href="{app_path}/deactivate?next=/admin/oauth2/">Deactivate</a>' in menu
    assert f'href="{app_path}/delete?next=/admin/oauth2/">Delete</a>' in menu


def test_the_more_options_menu_of_an_inactive_application_offers_activate_as_a_post(
    app: Flask, world: World
) -> None:
    change(app, world.bob_cc, active=False)

    row = row_html(page_of(logged_in(app, "alice"), GRID), "Bob CC")

    menu = row[row.index('aria-label="More Options for Bob CC"') :]
    labels = re.findall(r"<(?:a|button)[^>]*>([^<]+)</(?:a|button)>", menu)
    assert labels == ["View", "Edit", "Activate", "Delete"]
    assert f'<form method="post" action="/admin/oauth2/{world.bob_cc}/activate">' in menu
    assert 'name="csrf_token"' in menu


def test_the_menu_links_carry_the_filtered_grid_as_the_way_back(app: Flask, world: World) -> None:
    page = page_of(logged_in(app, "alice"), GRID + "?name=alice&status=active")

    row = row_html(page, "Alice CC")
    assert (
        f"/admin/oauth2/{world.alice_cc}/delete?next=/admin/oauth2/?name%3Dalice%26status%3Dactive"
        in row
    )


# Filters -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("cc", ["Alice CC", "Bob CC"]),
        ("ALICE", ["Alice CC"]),
        ("ob c", ["Bob CC"]),
        ("  password  ", ["Acme Password"]),
        ("nothing like it", []),
    ],
)
def test_the_name_filter_matches_a_case_insensitive_substring(
    app: Flask, world: World, name: str, expected: list[str]
) -> None:
    response = logged_in(app, "alice").get(GRID, query_string={"name": name})

    assert response.status_code == 200
    assert grid_names(response) == expected


def test_the_name_filter_keeps_its_value_in_the_filter_form(app: Flask, world: World) -> None:
    page = page_of(logged_in(app, "alice"), GRID + "?name=Alice")

    assert 'name="name" value="Alice"' in page


def test_the_organization_filter_shows_one_organization(app: Flask, world: World) -> None:
    client = logged_in(app, "root")

    acme = client.get(GRID, query_string={"organization": world.acme})
    other = client.get(GRID, query_string={"organization": world.other})

    assert grid_names(acme) == ACME_BACKOFFICE
    assert grid_names(other) == ["Oscar CC"]
    assert f'<option value="{world.acme}" selected>Acme</option>' in acme.get_data(as_text=True)


def test_the_organization_filter_offers_every_organization_to_a_global_user(
    app: Flask, world: World
) -> None:
    page = page_of(logged_in(app, "root"), GRID)

    options = re.findall(r'<option value="(\d+)"[^>]*>([^<]+)</option>', page)
    assert options == [
        (str(world.acme), "Acme"),
        (str(world.main), "Main"),
        (str(world.other), "Other Corp"),
    ]


def test_a_user_of_one_organization_gets_no_organization_filter(app: Flask, world: World) -> None:
    page = page_of(logged_in(app, "alice"), GRID)

    assert 'name="organization"' not in page
    assert "Other Corp" not in page


def test_a_user_of_two_organizations_may_filter_between_just_those(
    app: Flask, world: World
) -> None:
    with app.app_context():
        acme = db.session.get(Organization, world.acme)
        assert acme is not None
        zeta = make_org("Zeta")
        make_user("amy", orgs=[acme, zeta])
        make_application(zeta, "Zeta App", Grant.PASSWORD)
    client = logged_in(app, "amy")

    page = page_of(client, GRID)

    assert re.findall(r'<option value="\d+"[^>]*>([^<]+)</option>', page) == ["Acme", "Zeta"]
    assert grid_names(page) == ["Acme Password", "Alice CC", "Bob CC", "Zeta App"]
    assert grid_names(client.get(GRID, query_string={"organization": world.other})) == []


def test_the_organization_filter_never_reveals_another_organizations_applications(
    app: Flask, world: World
) -> None:
    response = logged_in(app, "alice").get(GRID, query_string={"organization": world.other})

    assert response.status_code == 200
    assert grid_names(response) == []
    assert "Oscar CC" not in response.get_data(as_text=True)
    assert NO_MATCH in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("status", "expected"),
    [("active", ["Acme Password", "Alice CC"]), ("inactive", ["Bob CC"]), ("", ACME_BACKOFFICE)],
)
def test_the_status_filter_shows_active_or_inactive_applications(
    app: Flask, world: World, status: str, expected: list[str]
) -> None:
    change(app, world.bob_cc, active=False)

    response = logged_in(app, "alice").get(GRID, query_string={"status": status})

    assert response.status_code == 200
    assert grid_names(response) == expected


def test_the_filters_combine(app: Flask, world: World) -> None:
    change(app, world.bob_cc, active=False)
    query = {"name": "cc", "organization": world.acme, "status": "active"}

    response = logged_in(app, "root").get(GRID, query_string=query)

    assert grid_names(response) == ["Alice CC"]  # not Bob CC (inactive), not Oscar CC (Other)


@pytest.mark.parametrize(
    ("name", "expected"),
    [("%", ["100% pure"]), ("_", ["a_b"]), ("a_b", ["a_b"]), ("\\", ["back\\slash"])],
)
def test_like_wildcards_in_the_name_filter_are_literal(
    app: Flask, world: World, name: str, expected: list[str]
) -> None:
    with app.app_context():
        org = make_org("Wild")
        make_user("wade", orgs=[org])
        for app_name in ("100% pure", "1000 pure", "a_b", "axb", "back\\slash", "backslash"):
            make_application(org, app_name, Grant.PASSWORD)

    response = logged_in(app, "wade").get(GRID, query_string={"name": name})

    assert response.status_code == 200
    assert grid_names(response) == expected


@pytest.mark.parametrize("name", ["Überweisung", "überweisung", "ÜBERW"])
def test_the_name_filter_ignores_case_beyond_ascii(app: Flask, name: str) -> None:
    with app.app_context():
        org = make_org("Acme")
        make_user("alice", orgs=[org])
        make_application(org, "Überweisung", Grant.PASSWORD)
        make_application(org, "Uberweisung", Grant.PASSWORD)

    response = logged_in(app, "alice").get(GRID, query_string={"name": name})

    assert response.status_code == 200
    assert grid_names(response) == ["Überweisung"]


# Sorting -----------------------------------------------------------------------------------

# name: (organization, grant, owner, active, last used month, created month, client id letter)
SORTABLE = {
    "Kiwi": ("Charlie", Grant.CLIENT_CREDENTIALS, "dora", True, 3, 1, "b"),
    "Apple": ("Delta", Grant.PASSWORD, None, False, 2, 4, "d"),
    "Mango": ("Alpha", Grant.CLIENT_CREDENTIALS, "bert", False, 4, 2, "a"),
    "Cherry": ("Bravo", Grant.CLIENT_CREDENTIALS, "cleo", True, 1, 5, "c"),
}
# Expected orders; equal values are in name order (never the creation order: Kiwi, Apple, Mango,
# Cherry), whichever the direction.
SORTED = {
    "name": (["Apple", "Cherry", "Kiwi", "Mango"], ["Mango", "Kiwi", "Cherry", "Apple"]),
    "client_id": (["Mango", "Kiwi", "Cherry", "Apple"], ["Apple", "Cherry", "Kiwi", "Mango"]),
    "organization": (["Mango", "Cherry", "Kiwi", "Apple"], ["Apple", "Kiwi", "Cherry", "Mango"]),
    "grant": (["Cherry", "Kiwi", "Mango", "Apple"], ["Apple", "Cherry", "Kiwi", "Mango"]),
    "active": (["Apple", "Mango", "Cherry", "Kiwi"], ["Cherry", "Kiwi", "Apple", "Mango"]),
    "last_used": (["Cherry", "Apple", "Kiwi", "Mango"], ["Mango", "Kiwi", "Apple", "Cherry"]),
    "created": (["Kiwi", "Mango", "Apple", "Cherry"], ["Cherry", "Apple", "Mango", "Kiwi"]),
}


@pytest.fixture
def sortable(app: Flask) -> Flask:
    """Four applications whose every column sorts them differently; root sees them all."""
    with app.app_context():
        make_user("root", orgs=[make_org("Main", is_global=True)])
        orgs = {name: make_org(name) for name in ("Alpha", "Bravo", "Charlie", "Delta")}
        for name, (org, grant, owner, active, used, created, letter) in SORTABLE.items():
            user = make_user(owner, orgs=[orgs[org]]) if owner else None
            application, _ = make_application(orgs[org], name, grant, owner=user, active=active)
            application.last_used_at = datetime(2024, used, 1, tzinfo=UTC)
            application.created_at = datetime(2023, created, 1, tzinfo=UTC)
            application.client_id = letter * 32
        db.session.commit()
    return app


@pytest.mark.parametrize("descending", [False, True], ids=["asc", "desc"])
@pytest.mark.parametrize("key", sorted(SORTED))
def test_the_grid_sorts_by_each_column(sortable: Flask, key: str, descending: bool) -> None:
    query = {"sort": key, "dir": "desc"} if descending else {"sort": key}

    response = logged_in(sortable, "root").get(GRID, query_string=query)

    assert response.status_code == 200
    assert grid_names(response) == SORTED[key][descending]


@pytest.mark.parametrize("descending", [False, True], ids=["asc", "desc"])
def test_the_grid_sorts_by_owner(sortable: Flask, descending: bool) -> None:
    query = {"sort": "owner", "dir": "desc"} if descending else {"sort": "owner"}

    response = logged_in(sortable, "root").get(GRID, query_string=query)

    owned = [name for name in grid_names(response) if name != "Apple"]  # Apple has no owner
    assert owned == (["Kiwi", "Cherry", "Mango"] if descending else ["Mango", "Cherry", "Kiwi"])


def test_the_grid_sorts_by_name_by_default(sortable: Flask) -> None:
    page = page_of(logged_in(sortable, "root"), GRID)

    assert grid_names(page) == SORTED["name"][0]
    assert '<th scope="col" aria-sort="ascending">' in page


def test_the_sorted_columns_header_links_to_the_other_direction(sortable: Flask) -> None:
    client = logged_in(sortable, "root")

    ascending = page_of(client, GRID + "?sort=last_used&status=active")
    descending = page_of(client, GRID + "?sort=last_used&dir=desc")

    last_used = re.compile(r'<th scope="col"([^>]*)>\s*<a href="([^"]+)">Last Used At')
    assert last_used.findall(ascending) == [
        (' aria-sort="ascending"', "/admin/oauth2/?status=active&amp;sort=last_used&amp;dir=desc")
    ]
    assert last_used.findall(descending) == [
        (' aria-sort="descending"', "/admin/oauth2/?sort=last_used")
    ]
    assert '<a href="/admin/oauth2/">Application Name<span' in descending


@pytest.fixture
def some_never_used(app: Flask) -> Flask:
    """Two used applications (Old in January, New in March) and two never used (Idle, Spare)."""
    with app.app_context():
        org = make_org("Acme")
        make_user("alice", orgs=[org])
        for name, month in (("Idle", None), ("New", 3), ("Old", 1), ("Spare", None)):
            application, _ = make_application(org, name, Grant.PASSWORD)
            if month:
                application.last_used_at = datetime(2024, month, 1, tzinfo=UTC)
        db.session.commit()
    return app


@pytest.mark.parametrize("descending", [False, True], ids=["asc", "desc"])
def test_never_used_applications_sort_as_the_least_recently_used(
    some_never_used: Flask, descending: bool
) -> None:
    query = {"sort": "last_used", "dir": "desc"} if descending else {"sort": "last_used"}

    response = logged_in(some_never_used, "alice").get(GRID, query_string=query)

    expected = ["Idle", "Spare", "Old", "New"]
    assert grid_names(response) == (["New", "Old", "Idle", "Spare"] if descending else expected)


# Paging ------------------------------------------------------------------------------------


@pytest.fixture
def thirty(app: Flask) -> Flask:
    """Thirty active applications App 01 to App 30 in Acme, and one inactive; alice admins."""
    with app.app_context():
        acme = make_org("Acme")
        make_user("alice", orgs=[acme])
        for number in range(1, 31):
            make_application(acme, f"App {number:02}", Grant.PASSWORD)
        make_application(acme, "App 99 off", Grant.PASSWORD, active=False)
    return app


def test_page_two_of_ten_shows_rows_eleven_to_twenty(thirty: Flask) -> None:
    page = page_of(logged_in(thirty, "alice"), GRID + "?status=active&per_page=10&page=2")

    assert grid_names(page) == [f"App {number}" for number in range(11, 21)]
    assert f"11{DASH}20 of 30" in page
    assert current_page(2) in page and "<span>of 3</span>" in page


def test_the_pager_links_keep_the_filters_and_sort(thirty: Flask) -> None:
    path = GRID + "?name=app&status=active&sort=created&per_page=10&page=2"

    page = page_of(logged_in(thirty, "alice"), path)

    common = {"name": ["app"], "status": ["active"], "sort": ["created"], "per_page": ["10"]}
    assert link(page, "next") == {**common, "page": ["3"]}
    assert link(page, "prev") == common  # page 1 is the default


def test_the_first_page_has_no_previous_and_the_last_no_next(thirty: Flask) -> None:
    client = logged_in(thirty, "alice")

    first = page_of(client, GRID + "?status=active&per_page=10")
    last = page_of(client, GRID + "?status=active&per_page=10&page=3")

    assert 'rel="prev"' not in first and 'rel="next"' in first
    assert 'rel="next"' not in last and 'rel="prev"' in last
    assert grid_names(last) == [f"App {number}" for number in range(21, 31)]


def test_a_page_beyond_the_last_shows_the_last_page(thirty: Flask) -> None:
    page = page_of(logged_in(thirty, "alice"), GRID + "?status=active&per_page=10&page=99")

    assert grid_names(page) == [f"App {number}" for number in range(21, 31)]
    assert current_page(3) in page and 'name="page" value="3"' in page
    assert f"21{DASH}30 of 30" in page


def test_the_page_size_links_offer_each_size_and_mark_the_current_one(thirty: Flask) -> None:
    page = page_of(logged_in(thirty, "alice"), GRID + "?per_page=10&page=2")

    assert '<strong aria-current="true">10</strong>' in page
    assert '<a href="/admin/oauth2/">25</a>' in page  # the default size needs no argument
    for size in (50, 100):
        assert f'<a href="/admin/oauth2/?per_page={size}">{size}</a>' in page


def test_the_default_page_holds_twenty_five_rows(thirty: Flask) -> None:
    page = page_of(logged_in(thirty, "alice"), GRID)

    assert len(grid_names(page)) == 25
    assert f"1{DASH}25 of 31" in page


# Empty states and kinds --------------------------------------------------------------------


def test_an_empty_grid_says_there_are_none_yet_and_offers_to_create_one(app: Flask) -> None:
    with app.app_context():
        make_user("alice", orgs=[make_org("Acme")])

    page = page_of(logged_in(app, "alice"), GRID)

    assert EMPTY in page
    assert '<a href="/admin/oauth2/create">Create the first one</a>' in page
    assert 'id="applications-grid"' not in page


def test_a_grid_with_no_match_for_its_filters_offers_to_clear_them(
    app: Flask, world: World
) -> None:
    page = page_of(logged_in(app, "alice"), GRID + "?name=zebra")

    assert NO_MATCH in page
    assert EMPTY not in page
    assert '<a href="/admin/oauth2/">Clear filters</a>' in page
    assert 'id="applications-grid"' not in page


def test_the_storefront_grid_shows_only_storefront_applications(app: Flask, world: World) -> None:
    page = page_of(logged_in(app, "root"), FRONTEND_GRID)

    assert grid_names(page) == ["Carol Store", "Olga Store"]
    assert "<h1>Customer User OAuth Applications</h1>" in page
    assert 'href="/admin/oauth2/frontend/create"' in page


def test_the_backoffice_grid_shows_only_backoffice_applications(app: Flask, world: World) -> None:
    page = page_of(logged_in(app, "root"), GRID)

    assert sorted(grid_names(page)) == sorted(BACKOFFICE_NAMES)
    assert "<h1>OAuth Applications</h1>" in page


# Escaping and junk -------------------------------------------------------------------------


def test_an_application_name_is_escaped_in_the_cell_and_the_menu_label(
    app: Flask, world: World
) -> None:
    with app.app_context():
        acme = db.session.get(Organization, world.acme)
        make_application(acme, "<script>alert(1)</script>", Grant.PASSWORD)
        make_application(acme, 'x" onmouseover="alert(2)', Grant.PASSWORD)

    page = page_of(logged_in(app, "alice"), GRID)

    assert "<script>alert(1)</script>" not in page
    assert ">&lt;script&gt;alert(1)&lt;/script&gt;</a></td>" in page
    assert 'aria-label="More Options for &lt;script&gt;alert(1)&lt;/script&gt;"' in page
    assert 'onmouseover="alert(2)' not in page
    assert 'aria-label="More Options for x&#34; onmouseover=&#34;alert(2)"' in page


def test_the_name_filter_is_escaped_in_the_filter_form(app: Flask, world: World) -> None:
    response = logged_in(app, "alice").get(GRID, query_string={"name": '"><script>x</script>'})

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<script>x</script>" not in page
    assert 'value="&#34;&gt;&lt;script&gt;x&lt;/script&gt;"' in page


JUNK_THAT_FALLS_BACK = [
    "page=-1",
    "page=0",
    "page=abc",
    "page=" + str(10**30),
    "page=1.5",
    "page=%00",
    "page=%D9%A3",  # an Arabic-Indic three: a digit, but not ASCII
    "per_page=7",
    "per_page=-10",
    "per_page=100000",
    "organization=abc",
    "organization=-1",
    "organization=" + str(10**30),
    "status=xyz",
    "status=",
    "sort=zzz",
    "sort=name;drop table oauth_application",
    "dir=sideways",
    "name=&name=x",
    "page=2&page=abc",
    "%ZZ=1",
]
JUNK_THAT_MATCHES_NOTHING = [
    "name=" + "a" * 10_000,
    "name=%E2%98%83",  # a snowman
    "name=%C3%85lice",
    "name=%25",
    "name=%25%25",
    "name=_",
    "name=%FF%FE",  # not UTF-8
    "organization=999999999",
]


@pytest.mark.parametrize("query", JUNK_THAT_FALLS_BACK)
def test_junk_in_the_query_string_falls_back_to_the_default_grid(
    app: Flask, world: World, query: str
) -> None:
    response = logged_in(app, "alice").get(f"{GRID}?{query}")

    assert response.status_code == 200
    assert grid_names(response) == ACME_BACKOFFICE


def test_a_nul_in_the_name_filter_is_dropped(app: Flask, world: World) -> None:
    response = logged_in(app, "alice").get(f"{GRID}?name=Ali%00ce")

    assert response.status_code == 200
    assert grid_names(response) == ["Alice CC"]


@pytest.mark.parametrize("query", JUNK_THAT_MATCHES_NOTHING)
def test_junk_filters_find_nothing_without_an_error(app: Flask, world: World, query: str) -> None:
    response = logged_in(app, "alice").get(f"{GRID}?{query}")

    assert response.status_code == 200
    assert grid_names(response) == []
    assert NO_MATCH in response.get_data(as_text=True)


@pytest.mark.parametrize("query", ["page=abc&per_page=7&sort=zzz&status=xyz", "name=%00"])
def test_junk_never_breaks_the_storefront_grid(app: Flask, world: World, query: str) -> None:
    response = logged_in(app, "alice").get(f"{FRONTEND_GRID}?{query}")

    assert response.status_code == 200
    assert grid_names(response) == ["Carol Store"]


# Keys --------------------------------------------------------------------------------------


def test_the_create_button_is_a_link_when_the_keys_are_fine(app: Flask, world: World) -> None:
    page = page_of(logged_in(app, "alice"), GRID)

    assert '<a class="button primary" href="/admin/oauth2/create">Create OAuth Application</a>' in (
        page
    )
    assert KEYS_MISSING_WARNING not in page
    assert KEY_MODE_WARNING not in page


@pytest.mark.parametrize("path", [GRID, FRONTEND_GRID])
def test_missing_keys_disable_the_create_button_and_show_the_warning(
    keyless_app: Flask, path: str
) -> None:
    with keyless_app.app_context():
        make_user("alice", orgs=[make_org("Acme")])

    page = page_of(logged_in(keyless_app, "alice"), path)

    assert KEYS_MISSING_WARNING in page
    assert re.search(r"<button [^>]*disabled[^>]*>Create OAuth Application</button>", page)
    assert "/create" not in page  # neither the button nor the empty state links to create


def test_a_private_key_readable_by_others_shows_the_mode_warning(
    make_app: Any, key_pair: tuple[Path, Path], tmp_path: Path
) -> None:
    private, public = tmp_path / "open.key", tmp_path / "open.pub"
    shutil.copy(key_pair[0], private)
    shutil.copy(key_pair[1], public)
    private.chmod(0o644)
    app: Flask = make_app(
        oauth2_server={
            "authorization_server": {"private_key": str(private)},
            "resource_server": {"public_key": str(public)},
        }
    )
    with app.app_context():
        make_user("alice", orgs=[make_org("Acme")])

    page = page_of(logged_in(app, "alice"), GRID)

    assert KEY_MODE_WARNING in page
    assert KEYS_MISSING_WARNING not in page
    assert 'href="/admin/oauth2/create">Create OAuth Application</a>' in page


# Query count -------------------------------------------------------------------------------


def statements_for(app: Flask, client: FlaskClient, path: str) -> int:
    """How many SQL statements one GET of the page runs."""
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        response = client.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert response.status_code == 200
    return len(statements)


@pytest.fixture
def owners_world(app: Flask) -> Iterator[Flask]:
    with app.app_context():
        make_user("root", orgs=[make_org("Main", is_global=True)])
    yield app


def add_owned(app: Flask, kind: Kind, count: int, start: int) -> None:
    """Applications each with its own organization and owner, so lazy loads would show."""
    with app.app_context():
        for number in range(start, start + count):
            org = make_org(f"Org {number:03}")
            owner: Any = (
                make_user(f"owner{number:03}", orgs=[org], role=Role.USER)
                if kind == Kind.BACKOFFICE
                else make_customer(f"owner{number:03}@example.com", org=org)
            )
            make_application(org, f"App {number:03}", kind=kind, owner=owner)


@pytest.mark.parametrize(
    ("kind", "path"), [(Kind.BACKOFFICE, GRID), (Kind.STOREFRONT, FRONTEND_GRID)]
)
def test_a_grid_page_runs_as_many_queries_for_fifty_rows_as_for_five(
    owners_world: Flask, kind: Kind, path: str
) -> None:
    client = logged_in(owners_world, "root")
    url = path + "?per_page=100"
    add_owned(owners_world, kind, 5, start=1)
    client.get(url)  # warm up

    with_five = statements_for(owners_world, client, url)
    add_owned(owners_world, kind, 45, start=6)
    with_fifty = statements_for(owners_world, client, url)

    assert len(grid_names(client.get(url))) == 50
    assert with_fifty == with_five
