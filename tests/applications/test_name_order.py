"""Names sort whatever their case, on SQLite as on PostgreSQL, and an index serves each order.

The grid (by application name, organization and owner), the OAuth block of a user's page, the
users and customer users lists and the create form's Users list.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, select, text

from oauthapp.extensions import db
from oauthapp.models import Grant, OAuthApplication, Organization, Role
from tests.applications.conftest import CREATE, GRID, grid_names, logged_in
from tests.applications.test_create import owner_options
from tests.factories import make_application, make_customer, make_org, make_user

NAMES = ["beta", "Alpha", "gamma", "Delta"]  # in the order they are created
IN_ORDER = ["Alpha", "beta", "Delta", "gamma"]  # byte order would be Alpha, Delta, beta, gamma
USERNAMES = ["zed", "Adam", "bella", "Carl"]
WITH_ROOT = ["Adam", "bella", "Carl", "root", "zed"]  # byte order: Adam, Carl, bella, root, zed


@pytest.fixture
def mixed(app: Flask) -> Flask:
    """Applications, organizations, users and customer users named in mixed case; "root" (a
    global administrator) sees them all."""
    with app.app_context():
        make_user("root", orgs=[make_org("main", is_global=True)])
        orgs = [make_org(f"{name} Org") for name in NAMES]
        owners = [
            make_user(name, orgs=[org], role=Role.USER)
            for name, org in zip(USERNAMES, orgs, strict=True)
        ]
        for name, org, owner in zip(NAMES, orgs, owners, strict=True):
            make_application(orgs[0], name, Grant.PASSWORD)
            make_application(org, f"{name} of {owner.username}", owner=owner)
            customer = make_customer(f"{name}@shop.example", org=orgs[0])
            customer.email = f"{name}@shop.example"  # the service lower-cases; older rows may not
        db.session.commit()
    return app


def texts(page: str, pattern: str) -> list[str]:
    return re.findall(pattern, page)


@pytest.mark.parametrize("descending", [False, True], ids=["asc", "desc"])
def test_the_grid_sorts_names_whatever_their_case(mixed: Flask, descending: bool) -> None:
    query = {"name": "a", "grant": "password"} | ({"dir": "desc"} if descending else {})

    names = grid_names(logged_in(mixed, "root").get(GRID, query_string=query))

    assert names == (IN_ORDER[::-1] if descending else IN_ORDER)


def test_the_grid_sorts_organizations_and_owners_whatever_their_case(mixed: Flask) -> None:
    client = logged_in(mixed, "root")
    query = {"grant": "client_credentials"}

    by_organization = grid_names(client.get(GRID, query_string=query | {"sort": "organization"}))
    by_owner = grid_names(client.get(GRID, query_string=query | {"sort": "owner"}))

    by_owner_name = sorted(zip(NAMES, USERNAMES, strict=True), key=lambda pair: pair[1].lower())
    assert by_owner == [f"{name} of {owner}" for name, owner in by_owner_name]
    assert by_organization == [f"{name} of {owner}" for name, owner in (
        ("Alpha", "Adam"), ("beta", "zed"), ("Delta", "Carl"), ("gamma", "bella")
    )]  # fmt: skip


def test_the_users_list_sorts_usernames_whatever_their_case(mixed: Flask) -> None:
    page = logged_in(mixed, "root").get("/admin/users").get_data(as_text=True)

    shown = texts(page, r'<td[^>]*><a href="/admin/users/\d+">([^<]+)</a></td>')
    assert shown == WITH_ROOT


def test_the_customer_users_list_sorts_emails_whatever_their_case(mixed: Flask) -> None:
    page = logged_in(mixed, "root").get("/admin/customer-users").get_data(as_text=True)

    shown = texts(page, r'<a href="/admin/customer-users/\d+">([^<@]+)@shop\.example</a>')
    assert shown == IN_ORDER


def test_the_create_forms_users_list_sorts_whatever_the_case(mixed: Flask) -> None:
    page = logged_in(mixed, "root").get(CREATE).get_data(as_text=True)

    assert [label for _, label, _ in owner_options(page)[1:]] == WITH_ROOT


def test_the_oauth_block_of_a_user_sorts_whatever_the_case(app: Flask) -> None:
    with app.app_context():
        org = make_org("Acme")
        owner = make_user("olivia", orgs=[org])
        for name in NAMES:
            make_application(org, name, owner=owner)
        owner_id = owner.id

    page = logged_in(app, "olivia").get(f"/admin/users/{owner_id}").get_data(as_text=True)

    assert texts(page, r'<td class="cut"[^>]*><a href="/admin/oauth2/\d+">([^<]+)</a>') == IN_ORDER


# The indexes serve these orders -------------------------------------------------------------


@contextmanager
def statements(app: Flask) -> Iterator[list[tuple[str, Any]]]:
    """The SQL statements (with their parameters) run while the block runs."""
    with app.app_context():
        engine = db.engine
    seen: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def plan(app: Flask, statement: str, parameters: Any, *, filler: int = 0) -> str:
    """The database's plan for the statement, as text; sorting and full scans made costly on
    PostgreSQL, whose planner would otherwise prefer them on tables this small.

    With FILLER, PostgreSQL plans as if the applications were that many more (copies of one,
    inserted, counted by ANALYZE, and rolled back with the plan's transaction).
    """
    with app.app_context():
        connection = db.session.connection()
        if connection.dialect.name == "postgresql":
            if filler:
                table = OAuthApplication.__table__
                row = dict(connection.execute(select(table)).mappings().first() or {})
                row.pop("id")
                copies = [row | {"name": f"filler {n}", "client_id": f"filler-{n}"}
                          for n in range(filler)]  # fmt: skip
                connection.execute(table.insert(), copies)
                # Into the trigram index proper, as autovacuum would put them.
                connection.exec_driver_sql(
                    "SELECT gin_clean_pending_list('ix_oauth_applications_name_trgm'::regclass)"
                )
                connection.exec_driver_sql("ANALYZE oauth_applications")
            connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
            connection.exec_driver_sql("SET LOCAL enable_sort = off")
            rows = connection.exec_driver_sql("EXPLAIN " + statement, parameters).all()
        else:
            rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
        db.session.rollback()
    return "\n".join(str(row[-1]) for row in rows)


def ordered_statement(app: Flask, path: str, table: str) -> tuple[str, Any]:
    """The statement of one page of TABLE's rows that a GET of PATH runs, with its parameters."""
    with statements(app) as seen:
        assert logged_in(app, "root").get(path).status_code == 200
    found = [
        (statement, parameters)
        for statement, parameters in seen
        if f"FROM {table}" in statement and "ORDER BY lower(" in statement and "LIMIT" in statement
    ]
    assert found, f"no ordered page of {table} for {path}"
    return found[-1]


@pytest.mark.parametrize(
    ("path", "table", "indexes"),
    [
        (GRID, "oauth_applications", {"ix_oauth_applications_kind_lower_name"}),
        (f"{GRID}?dir=desc", "oauth_applications", {"ix_oauth_applications_kind_lower_name"}),
        (f"{GRID}?organization={{alpha}}", "oauth_applications",
         {"ix_oauth_applications_kind_lower_name", "ix_oauth_applications_grid_lower_name"}),
        ("/admin/users", "users", {"ix_users_lower_username"}),
        ("/admin/customer-users", "customer_users", {"ix_customer_users_lower_email"}),
    ],
    ids=["grid", "grid-descending", "grid-of-one-organization", "users", "customer-users"],
)  # fmt: skip
def test_a_page_in_name_order_is_read_from_an_index_without_sorting(
    mixed: Flask, path: str, table: str, indexes: set[str]
) -> None:
    with mixed.app_context():
        alpha = db.session.scalar(select(Organization.id).filter_by(name="Alpha Org"))
    text = plan(mixed, *ordered_statement(mixed, path.format(alpha=alpha), table))

    assert any(index in text for index in indexes), text
    assert "TEMP B-TREE FOR ORDER BY" not in text and " Sort " not in f" {text} ", text


def test_the_migrations_create_the_indexes_of_the_name_orders(app: Flask) -> None:
    with app.app_context():
        connection = db.session.connection()
        if connection.dialect.name == "postgresql":
            query = "SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE 'ix_%lower%'"
        else:
            query = (
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND name LIKE '%lower%'"
            )
        found = {name: definition for name, definition in connection.execute(text(query))}

    assert set(found) == {
        "ix_oauth_applications_kind_lower_name",
        "ix_oauth_applications_grid_lower_name",
        "ix_users_lower_username",
        "ix_customer_users_lower_email",
    }
    assert all("lower(" in definition for definition in found.values())


def test_the_count_of_a_name_search_reads_names_from_an_index(mixed: Flask) -> None:
    """SQLite folds names in Python unless it reads them folded from the lower(name) index;
    PostgreSQL finds them through its trigram index (where its planner, on tables this small,
    would read the kind's rows instead: so the pattern alone is planned there)."""
    with statements(mixed) as seen:
        assert logged_in(mixed, "root").get(GRID, query_string={"name": "lph"}).status_code == 200
    [(statement, parameters)] = [
        (statement, parameters)
        for statement, parameters in seen
        if "count(*)" in statement and "FROM oauth_applications" in statement
    ]
    with mixed.app_context():
        postgresql = db.engine.dialect.name == "postgresql"
    if postgresql:
        statement = "SELECT count(*) FROM oauth_applications WHERE lower(name) LIKE %(p)s"
        parameters = {"p": "%lph%"}

    # On PostgreSQL, as many applications as an index is for: with a few dozen, any plan will do.
    text = plan(mixed, statement, parameters, filler=5000 if postgresql else 0)

    assert ("ix_oauth_applications_name_trgm" if postgresql else "lower_name") in text, text
    assert "COVERING INDEX ix_oauth_applications_grid " not in text, text


def test_a_name_search_finding_few_rows_sorts_what_it_found(mixed: Flask) -> None:
    """On PostgreSQL the search runs first (through its trigram index) and only its matches are
    sorted, rather than the whole name-order index walked until a page is full; the page is
    the same either way."""
    with statements(mixed) as seen:
        page = logged_in(mixed, "root").get(GRID, query_string={"name": "a", "dir": "desc"})
    [ids] = [statement for statement, _ in seen if "ORDER BY lower(" in statement]
    with mixed.app_context():
        postgresql = db.engine.dialect.name == "postgresql"

    assert ("AS MATERIALIZED" in ids) is postgresql, ids
    assert grid_names(page) == sorted(grid_names(page), key=str.lower, reverse=True)
    assert {"Alpha", "beta", "gamma", "Delta"} <= set(grid_names(page))
