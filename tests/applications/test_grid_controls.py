"""The grid's controls as served: sortable headers that say so, the pager's page numbers and Page
box, ties in name order, and the furniture every list shares (breadcrumbs, Clear filters)."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask

from oauthapp.models import Grant
from oauthapp.paging import page_numbers
from tests.accounts.helpers import current_page
from tests.applications.conftest import GRID, World, grid_names, logged_in
from tests.factories import make_application, make_org, make_user

SORTABLE = ["name", "client_id", "organization", "grant", "owner", "active", "last_used"]


def page_of(app: Flask, path: str, username: str = "alice") -> str:
    response = logged_in(app, username).get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def pager_of(page: str) -> str:
    found = re.search(r'<nav class="pager".*?</nav>', page, re.DOTALL)
    assert found, "no pager"
    return found.group(0)


@pytest.fixture
def many(app: Flask) -> Flask:
    """Ninety-five password applications, "App 01" to "App 95", in Acme; alice administers it."""
    with app.app_context():
        acme = make_org("Acme")
        make_user("alice", orgs=[acme])
        for number in range(1, 96):
            make_application(acme, f"App {number:02}", Grant.PASSWORD)
    return app


@pytest.mark.parametrize(
    ("current", "pages", "shown"),
    [
        (1, 1, [1]),
        (3, 7, [1, 2, 3, 4, 5, 6, 7]),
        (1, 10, [1, 2, 3, 4, 5, None, 10]),
        (4, 10, [1, 2, 3, 4, 5, None, 10]),
        (5, 10, [1, None, 4, 5, 6, None, 10]),
        (7, 10, [1, None, 6, 7, 8, 9, 10]),
        (10, 10, [1, None, 6, 7, 8, 9, 10]),
        (500, 4000, [1, None, 499, 500, 501, None, 4000]),
    ],
)
def test_the_pager_numbers_keep_seven_slots_with_gaps(
    current: int, pages: int, shown: list[int | None]
) -> None:
    assert page_numbers(current, pages) == shown


def test_the_pager_links_each_page_number_and_marks_the_current_one(many: Flask) -> None:
    pager = pager_of(page_of(many, GRID + "?per_page=10&page=5&status=active"))

    links = re.findall(
        r'<a href="([^"]+)"><span class="visually-hidden">Page </span>(\d+)</a>', pager
    )
    assert [number for _, number in links] == ["1", "4", "6", "10"]
    for url, number in links:
        query = parse_qs(urlsplit(html.unescape(url)).query)
        assert query == {"status": ["active"], "per_page": ["10"]} | (
            {"page": [number]} if number != "1" else {}
        )
    assert current_page(5) in pager
    assert pager.count('<span aria-hidden="true">…</span>') == 2


def test_previous_and_next_keep_their_place_on_the_first_and_last_pages(many: Flask) -> None:
    first = pager_of(page_of(many, GRID + "?per_page=10"))
    last = pager_of(page_of(many, GRID + "?per_page=10&page=10"))

    assert '<span class="disabled">Previous</span>' in first and 'rel="next">Next</a>' in first
    assert 'rel="prev">Previous</a>' in last and '<span class="disabled">Next</span>' in last


def test_the_page_box_is_a_get_form_that_keeps_the_filters_sort_and_size(many: Flask) -> None:
    path = GRID + "?name=App&status=active&grant=password&sort=created&dir=desc&per_page=10&page=3"
    pager = pager_of(page_of(many, path))

    form = re.search(
        r'<form class="page-jump" method="get" action="([^"]+)">(.*?)</form>', pager, re.DOTALL
    )
    assert form and form.group(1) == GRID
    hidden = dict(
        re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form.group(2))
    )
    assert hidden == {
        "name": "App", "status": "active", "grant": "password", "sort": "created", "dir": "desc",
        "per_page": "10",
    }  # fmt: skip
    assert '<label for="pager-page">Page</label>' in form.group(2)
    assert re.search(
        r'<input type="number" id="pager-page" name="page" value="3" min="1" max="10"',
        form.group(2),
    )
    assert '<button type="submit" class="button">Go</button>' in form.group(2)


@pytest.mark.parametrize(("typed", "shown"), [("7", 7), ("99", 10), ("0", 1), ("seven", 1)])
def test_what_the_page_box_sends_shows_a_page_whatever_was_typed(
    many: Flask, typed: str, shown: int
) -> None:
    page = page_of(many, GRID + f"?per_page=10&page={typed}")

    assert current_page(shown) in pager_of(page)
    first = (shown - 1) * 10 + 1
    assert grid_names(page)[0] == f"App {first:02}"


def test_a_single_page_shows_the_rows_count_without_page_controls(app: Flask, world: World) -> None:
    pager = pager_of(page_of(app, GRID))

    assert "1\N{EN DASH}3 of 3" in pager
    assert "Previous" not in pager and "pager-page" not in pager


def test_every_sortable_header_shows_an_indicator(app: Flask, world: World) -> None:
    page = page_of(app, GRID + "?sort=owner&dir=desc")

    header = r'<th scope="col"[^>]*>\s*<a [^>]*>([^<]+)'
    indicator = r'<span class="sort-indicator([^"]*)" aria-hidden="true">(.)</span></a>'
    indicators = re.findall(header + indicator, page)
    assert [(label, css, arrow) for label, css, arrow in indicators] == [
        ("Application Name", "", "↕"),
        ("Client ID", "", "↕"),
        ("Organization", "", "↕"),
        ("Grants", "", "↕"),
        ("User", " sorted", "▼"),
        ("Active", "", "↕"),
        ("Last Used At", "", "↕"),
    ]


@pytest.mark.parametrize("sort", [key for key in SORTABLE if key not in {"name", "client_id"}])
@pytest.mark.parametrize("descending", [False, True], ids=["asc", "desc"])
def test_equal_values_are_in_name_order(app: Flask, sort: str, descending: bool) -> None:
    with app.app_context():
        acme = make_org("Acme")
        make_user("alice", orgs=[acme])
        for name in ("delta", "Bravo", "charlie", "Alpha"):  # created out of order
            make_application(acme, name, Grant.PASSWORD)
    query = f"?sort={sort}" + ("&dir=desc" if descending else "")

    assert grid_names(page_of(app, GRID + query)) == ["Alpha", "Bravo", "charlie", "delta"]


# The furniture every list shares -------------------------------------------------------------


def breadcrumbs(page: str) -> list[str]:
    found = re.search(
        r'<nav class="breadcrumbs" aria-label="Breadcrumbs">(.*?)</nav>', page, re.DOTALL
    )
    assert found, "no breadcrumbs"
    return [
        re.sub(r"<[^>]+>", "", item).strip()
        for item in re.findall(r"<li>(.*?)</li>", found.group(1), re.DOTALL)
    ]


def test_every_list_and_account_page_has_the_same_breadcrumbs(app: Flask, world: World) -> None:
    management, customers = ["System", "User Management"], ["Customers"]
    expected = {
        GRID: [*management, "OAuth Applications"],
        "/admin/oauth2/frontend": [*customers, "Customer User OAuth Applications"],
        f"/admin/oauth2/{world.alice_cc}": [*management, "OAuth Applications", "Alice CC"],
        "/admin/users": [*management, "Users"],
        f"/admin/users/{world.bob}": [*management, "Users", "bob"],
        "/admin/profile": [*management, "Users", "My User"],
        "/admin/customer-users": [*customers, "Customer Users"],
        f"/admin/customer-users/{world.carol}": [*customers, "Customer Users", "carol@example.com"],
        "/admin/email/outbox": ["System", "Emails", "Outbox"],
        "/admin/email/templates": ["System", "Emails", "Templates"],
    }  # fmt: skip
    for path, trail in expected.items():
        page = page_of(app, path, "root")
        assert breadcrumbs(page) == trail, path
        assert page.count('aria-current="page"') >= 1, path


@pytest.mark.parametrize(
    ("path", "empty"),
    [
        (GRID + "?name=zebra", "No OAuth applications match these filters."),
        ("/admin/users?q=zebra", "No users match the filter."),
        ("/admin/customer-users?q=zebra", "No customer users match the filter."),
    ],
)
def test_clearing_filters_has_one_name_everywhere(
    app: Flask, world: World, path: str, empty: str
) -> None:
    page = page_of(app, path, "root")
    plain = urlsplit(path).path

    assert f'<a class="button" href="{plain}">Clear filters</a>' in page
    assert f'{empty} <a href="{plain}">Clear filters</a>.' in page
    assert ">Reset<" not in page and ">Clear<" not in page
