"""The Customer Users list and a customer user's view page with its OAuth Applications block."""

from __future__ import annotations

from urllib.parse import quote

from flask import Flask

from oauthapp.accounts.service import get_customer_user, get_organization, get_user, set_enabled
from oauthapp.keys import KEYS_MISSING_WARNING
from oauthapp.models import Kind
from tests.accounts.conftest import People, build_people, logged_in
from tests.accounts.helpers import current_page
from tests.factories import make_application, make_customer

ADD = "Add Application"


def add_link(customer_id: int) -> str:
    back = quote(f"/admin/customer-users/{customer_id}", safe="/")
    href = f"/admin/oauth2/frontend/create?owner={customer_id}&amp;next={back}"
    return f'<a class="button primary" href="{href}">{ADD}</a>'


def make_acme_customers(app: Flask, count: int) -> None:
    with app.app_context():
        acme = get_organization("Acme")
        for number in range(count):
            make_customer(f"shopper{number:02d}@example.com", org=acme)


# The list ----------------------------------------------------------------------------------


def cell(text: str) -> str:
    """A table cell holding a name, cut with "…" when long and whole in its title."""
    return f'<td><span class="cut" title="{text}">{text}</span></td>'


def test_the_customer_users_list_renders_for_an_administrator(app: Flask, people: People) -> None:
    response = logged_in(app, "alice").get("/admin/customer-users")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.count("<h1>") == 1 and "<h1>Customer Users</h1>" in html
    for column in ("Email", "Name", "Organization", "Status"):
        assert f'<th scope="col">{column}</th>' in html
    assert f'<a href="/admin/customer-users/{people.carol}">carol@example.com</a>' in html
    assert cell("Customer") in html and cell("Acme") in html


def test_an_administrator_sees_only_the_customer_users_of_its_organizations(
    app: Flask, people: People
) -> None:
    html = logged_in(app, "alice").get("/admin/customer-users").get_data(as_text=True)
    assert "carol@example.com" in html and "olga@example.com" not in html


def test_a_member_of_the_global_organization_sees_every_customer_user(
    app: Flask, people: People
) -> None:
    html = logged_in(app, "root").get("/admin/customer-users").get_data(as_text=True)
    assert "carol@example.com" in html and "olga@example.com" in html


def test_a_disabled_customer_user_is_marked_so(app: Flask, people: People) -> None:
    with app.app_context():
        set_enabled(get_customer_user("carol@example.com"), False)
    html = logged_in(app, "alice").get("/admin/customer-users").get_data(as_text=True)
    assert '<span class="badge badge-off">Disabled</span>' in html


def test_the_customer_users_list_shows_25_a_page(app: Flask, people: People) -> None:
    make_acme_customers(app, 30)
    client = logged_in(app, "alice")
    first = client.get("/admin/customer-users").get_data(as_text=True)
    assert first.count('<a href="/admin/customer-users/') == 25
    assert 'href="/admin/customer-users?page=2"' in first
    second = client.get("/admin/customer-users?page=2").get_data(as_text=True)
    assert second.count('<a href="/admin/customer-users/') == 6  # carol and 30 shoppers
    assert current_page(2) in second and "<span>of 2</span>" in second


def test_q_filters_customer_users_by_email_or_name(app: Flask, people: People) -> None:
    with app.app_context():
        make_customer("dave@example.com", org=get_organization("Acme"))
    client = logged_in(app, "alice")
    html = client.get("/admin/customer-users?q=DAVE").get_data(as_text=True)
    assert "dave@example.com" in html and "carol@example.com" not in html
    html = client.get("/admin/customer-users?q=nobody").get_data(as_text=True)
    assert "No customer users match the filter." in html


# The view page -------------------------------------------------------------------------------


def test_the_customer_user_view_shows_the_account(app: Flask, people: People) -> None:
    response = logged_in(app, "alice").get(f"/admin/customer-users/{people.carol}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<h1>carol@example.com</h1>" in html and html.count("<h1>") == 1
    assert "<td>Acme</td>" in html and "Enabled" in html
    assert "OAuth Applications</h2>" in html


def test_a_customer_user_of_another_organization_is_not_found(app: Flask, people: People) -> None:
    response = logged_in(app, "alice").get(f"/admin/customer-users/{people.olga}")
    assert response.status_code == 404


def test_an_unknown_customer_user_is_not_found(app: Flask, people: People) -> None:
    assert logged_in(app, "root").get("/admin/customer-users/999999").status_code == 404


def test_the_oauth_block_lists_the_customer_users_storefront_applications(
    app: Flask, people: People
) -> None:
    with app.app_context():
        acme, carol = get_organization("Acme"), get_customer_user("carol@example.com")
        make_application(acme, "Carol's shop", kind=Kind.STOREFRONT, owner=carol)
        make_application(acme, "Alice's robot", owner=get_user("alice"))
    html = (
        logged_in(app, "alice").get(f"/admin/customer-users/{people.carol}").get_data(as_text=True)
    )
    assert "Carol&#39;s shop" in html and "Alice&#39;s robot" not in html


def test_application_names_are_escaped_on_the_customer_user_page(
    app: Flask, people: People
) -> None:
    with app.app_context():
        carol = get_customer_user("carol@example.com")
        make_application(
            carol.organization, "<script>alert(1)</script>", kind=Kind.STOREFRONT, owner=carol
        )
    html = (
        logged_in(app, "alice").get(f"/admin/customer-users/{people.carol}").get_data(as_text=True)
    )
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html


def test_an_administrator_may_add_a_storefront_application_for_a_customer_user(
    app: Flask, people: People
) -> None:
    html = (
        logged_in(app, "alice").get(f"/admin/customer-users/{people.carol}").get_data(as_text=True)
    )
    assert add_link(people.carol) in html


def test_a_user_role_viewer_may_not_add_an_application_for_a_customer_user(
    app: Flask, people: People
) -> None:
    response = logged_in(app, "bob").get(f"/admin/customer-users/{people.carol}")
    assert response.status_code == 200
    assert ADD not in response.get_data(as_text=True)


def test_adding_for_a_customer_user_is_disabled_when_the_keys_are_missing(
    keyless_app: Flask,
) -> None:
    with keyless_app.app_context():
        people = build_people()
    client = logged_in(keyless_app, "alice")
    html = client.get(f"/admin/customer-users/{people.carol}").get_data(as_text=True)
    assert '<button type="button" class="button primary" disabled>Add Application</button>' in html
    assert KEYS_MISSING_WARNING in html


def test_the_add_link_leads_to_the_storefront_create_form_for_that_customer_user(
    app: Flask, people: People
) -> None:
    client = logged_in(app, "alice")
    assert client.get(f"/admin/oauth2/frontend/create?owner={people.carol}").status_code == 200
