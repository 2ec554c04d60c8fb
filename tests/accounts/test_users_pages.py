"""The Users list, a user's view page and My User, with their OAuth Applications block."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from sqlalchemy import event

from oauthapp.accounts.service import create_user, get_organization, get_user, set_enabled
from oauthapp.extensions import db
from oauthapp.keys import KEYS_MISSING_WARNING
from oauthapp.models import Role
from oauthapp.security import lockout
from tests.accounts.conftest import People, build_people, logged_in
from tests.accounts.helpers import current_page
from tests.factories import PASSWORD, make_application, make_org, make_user

ADD = "Add Application"
PUBLIC_PATHS = (
    "/admin/users",
    "/admin/users/1",
    "/admin/profile",
    "/admin/customer-users",
    "/admin/customer-users/1",
)


def add_link(user_id: int, back: str = "") -> str:
    """The Add Application link of a user page: that owner, and back to that page (BACK)."""
    back = quote(back or f"/admin/users/{user_id}", safe="/")
    href = f"/admin/oauth2/create?owner={user_id}&amp;next={back}"
    return f'<a class="button primary" href="{href}">{ADD}</a>'


def make_acme_users(app: Flask, count: int) -> None:
    with app.app_context():
        acme = get_organization("Acme")
        for number in range(count):
            make_user(f"member{number:02d}", orgs=[acme], role=Role.USER)


@contextmanager
def counting_statements(app: Flask) -> Iterator[list[str]]:
    """The SQL statements run while the block runs."""
    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


# The list ----------------------------------------------------------------------------------


def test_the_users_list_renders_for_an_administrator(app: Flask, people: People) -> None:
    response = logged_in(app, "alice").get("/admin/users")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.count("<h1>") == 1 and "<h1>Users</h1>" in html
    for column in ("Username", "Email", "Organizations", "Status"):
        assert f'<th scope="col">{column}</th>' in html
    assert f'<a href="/admin/users/{people.bob}">bob</a>' in html
    assert "bob@example.com" in html and "Acme" in html and "Enabled" in html


def test_an_administrator_sees_only_the_users_of_its_organizations(
    app: Flask, people: People
) -> None:
    html = logged_in(app, "alice").get("/admin/users").get_data(as_text=True)
    assert ">alice</a>" in html and ">bob</a>" in html
    assert ">oscar</a>" not in html and ">root</a>" not in html


def test_a_member_of_the_global_organization_sees_every_user(app: Flask, people: People) -> None:
    html = logged_in(app, "root").get("/admin/users").get_data(as_text=True)
    for name in ("alice", "bob", "oscar", "root"):
        assert f">{name}</a>" in html


def test_the_organizations_column_names_only_organizations_the_viewer_may_see(
    app: Flask, people: People
) -> None:
    with app.app_context():
        make_user("dana", orgs=[get_organization("Acme"), get_organization("Other Corp")])
    html = logged_in(app, "alice").get("/admin/users").get_data(as_text=True)
    assert ">dana</a>" in html
    assert "Other Corp" not in html


def test_the_list_shows_disabled_and_locked_accounts(app: Flask, people: People) -> None:
    with app.app_context():
        set_enabled(get_user("bob"), False)
        lockout.register_failure(make_user("eve", orgs=[get_organization("Acme")]), limit=1)
        db.session.commit()
    html = logged_in(app, "alice").get("/admin/users").get_data(as_text=True)
    assert '<span class="badge badge-off">Disabled</span>' in html
    assert re.search(
        r'<span class="badge badge-off">Locked until \d{4}-\d\d-\d\d \d\d:\d\d UTC<', html
    )


def test_usernames_are_escaped_in_the_list(app: Flask, people: People) -> None:
    with app.app_context():
        create_user("<b>mallory</b>", "mallory@example.com", PASSWORD, ["Acme"])
    html = logged_in(app, "alice").get("/admin/users").get_data(as_text=True)
    assert "&lt;b&gt;mallory&lt;/b&gt;" in html and "<b>mallory" not in html


def test_the_list_shows_25_users_a_page_with_a_link_to_the_next(app: Flask, people: People) -> None:
    make_acme_users(app, 30)
    client = logged_in(app, "alice")
    first = client.get("/admin/users").get_data(as_text=True)
    assert first.count('<a href="/admin/users/') == 25
    assert 'href="/admin/users?page=2"' in first and current_page(1) in first
    second = client.get("/admin/users?page=2").get_data(as_text=True)
    assert second.count('<a href="/admin/users/') == 7  # 32 in all: alice, bob and 30 members
    assert 'href="/admin/users"' in second and current_page(2) in second


def test_a_page_past_the_end_shows_the_last_page(app: Flask, people: People) -> None:
    make_acme_users(app, 30)
    html = logged_in(app, "alice").get("/admin/users?page=7").get_data(as_text=True)
    assert current_page(2) in html and ">member29</a>" in html


def test_q_filters_users_by_username_or_email_substring(app: Flask, people: People) -> None:
    client = logged_in(app, "root")
    html = client.get("/admin/users?q=OSC").get_data(as_text=True)
    assert ">oscar</a>" in html and ">alice</a>" not in html
    html = client.get("/admin/users?q=bob@example").get_data(as_text=True)
    assert ">bob</a>" in html and ">oscar</a>" not in html


def test_the_q_filter_survives_in_the_pager_links(app: Flask, people: People) -> None:
    make_acme_users(app, 30)
    html = logged_in(app, "alice").get("/admin/users?q=member").get_data(as_text=True)
    assert 'href="/admin/users?q=member&amp;page=2"' in html
    assert 'value="member"' in html


def test_q_treats_like_wildcards_as_plain_characters(app: Flask, people: People) -> None:
    html = logged_in(app, "root").get("/admin/users?q=%25").get_data(as_text=True)
    assert "No users match the filter." in html


def test_the_list_loads_organizations_without_a_query_per_user(app: Flask, people: People) -> None:
    client = logged_in(app, "alice")
    with counting_statements(app) as few:
        client.get("/admin/users")
    make_acme_users(app, 20)
    with counting_statements(app) as many:
        client.get("/admin/users")
    assert len(many) == len(few)


# Junk query strings and access -------------------------------------------------------------

JUNK = [
    "page=-1",
    "page=0",
    "page=abc",
    "page=99999999999999",
    "page=%D9%A1",  # an Arabic-Indic digit one
    "page=1&page=2",
    "q=a%00b",
    "q=" + "x" * 10_000,
    "q=%FF%FE",
]


@pytest.mark.parametrize("path", ["/admin/users", "/admin/customer-users"])
@pytest.mark.parametrize("junk", JUNK, ids=lambda junk: junk[:20])
def test_junk_query_strings_still_show_the_list(
    app: Flask, people: People, path: str, junk: str
) -> None:
    response = logged_in(app, "root").get(f"{path}?{junk}")
    assert response.status_code == 200


@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_anonymous_visitors_are_sent_to_the_login_page(app: Flask, path: str) -> None:
    response = app.test_client().get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_the_pages_change_nothing_and_accept_no_post(app: Flask, people: People, path: str) -> None:
    assert logged_in(app, "root").post(path).status_code == 405


ROLE_ROW = '<td><span class="cut" title="Acme">Acme</span></td><td>USER</td>'


# A user's view page and My User -------------------------------------------------------------


def test_the_user_view_shows_the_account_its_organizations_and_status(
    app: Flask, people: People
) -> None:
    response = logged_in(app, "alice").get(f"/admin/users/{people.bob}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<h1>bob</h1>" in html and html.count("<h1>") == 1
    assert "bob@example.com" in html and "Enabled" in html
    assert ROLE_ROW in html
    assert '<h2 id="oauth-applications-heading">OAuth Applications</h2>' in html


def test_a_user_outside_the_viewers_organizations_is_not_found(app: Flask, people: People) -> None:
    assert logged_in(app, "alice").get(f"/admin/users/{people.oscar}").status_code == 404


def test_an_unknown_user_is_not_found(app: Flask, people: People) -> None:
    assert logged_in(app, "root").get("/admin/users/999999").status_code == 404


def test_my_user_shows_the_current_user(app: Flask, people: People) -> None:
    html = logged_in(app, "bob").get("/admin/profile").get_data(as_text=True)
    assert "<h1>My User</h1>" in html and "bob@example.com" in html
    assert ROLE_ROW in html


# The OAuth Applications block ---------------------------------------------------------------


def test_the_oauth_block_lists_the_users_applications_only(app: Flask, people: People) -> None:
    with app.app_context():
        acme, bob = get_organization("Acme"), get_user("bob")
        mine, _ = make_application(acme, "Bob's robot", owner=bob)
        make_application(acme, "Alice's robot", owner=get_user("alice"))
        view = f'href="/admin/oauth2/{mine.id}"'
    html = logged_in(app, "alice").get(f"/admin/users/{people.bob}").get_data(as_text=True)
    assert "Bob&#39;s robot" in html and view in html
    assert "Alice&#39;s robot" not in html


def test_application_names_are_escaped_in_the_oauth_block(app: Flask, people: People) -> None:
    with app.app_context():
        make_application(
            get_organization("Acme"), "<script>alert(1)</script>", owner=get_user("bob")
        )
    html = logged_in(app, "alice").get(f"/admin/users/{people.bob}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html


def test_a_user_role_viewer_sees_no_applications_of_other_users(app: Flask, people: People) -> None:
    with app.app_context():
        make_application(get_organization("Acme"), "Alice's robot", owner=get_user("alice"))
    html = logged_in(app, "bob").get(f"/admin/users/{people.alice}").get_data(as_text=True)
    assert "Alice&#39;s robot" not in html and "No OAuth applications." in html


def test_an_administrator_may_add_an_application_for_a_user(app: Flask, people: People) -> None:
    html = logged_in(app, "alice").get(f"/admin/users/{people.bob}").get_data(as_text=True)
    assert add_link(people.bob) in html


def test_a_user_role_viewer_may_not_add_an_application_for_someone_else(
    app: Flask, people: People
) -> None:
    html = logged_in(app, "bob").get(f"/admin/users/{people.alice}").get_data(as_text=True)
    assert ADD not in html


def test_a_user_role_viewer_may_add_an_application_on_its_own_my_user_page(
    app: Flask, people: People
) -> None:
    html = logged_in(app, "bob").get("/admin/profile").get_data(as_text=True)
    assert add_link(people.bob, "/admin/profile") in html


def test_the_add_link_leads_to_the_create_form_for_that_owner(app: Flask, people: People) -> None:
    client = logged_in(app, "alice")
    assert client.get(f"/admin/oauth2/create?owner={people.bob}").status_code == 200


def test_add_application_is_disabled_when_the_keys_are_missing(keyless_app: Flask) -> None:
    with keyless_app.app_context():
        people = build_people()
    html = logged_in(keyless_app, "alice").get(f"/admin/users/{people.bob}").get_data(as_text=True)
    assert '<button type="button" class="button primary" disabled>Add Application</button>' in html
    assert add_link(people.bob) not in html
    assert KEYS_MISSING_WARNING in html


def test_a_user_of_an_organization_with_no_other_members_sees_only_itself(app: Flask) -> None:
    with app.app_context():
        make_user("solo", orgs=[make_org("Solo")], role=Role.USER)
        make_user("stranger")
    html = logged_in(app, "solo").get("/admin/users").get_data(as_text=True)
    assert ">solo</a>" in html and ">stranger</a>" not in html
