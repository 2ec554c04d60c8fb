"""The back-office home page and the pages around it."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from oauthapp.keys import KEY_MODE_WARNING, KEYS_MISSING_WARNING, generate_keys
from oauthapp.models import Kind, Role
from tests.accounts.helpers import log_in
from tests.factories import make_application, make_org, make_user


def test_home_lists_the_users_organizations_with_role_and_counts(app: Flask) -> None:
    with app.app_context():
        acme, other = make_org("Acme"), make_org("Hidden Corp")
        make_user("alice", orgs=[acme], role=Role.USER)
        make_application(acme, "One")
        make_application(acme, "Two", kind=Kind.STOREFRONT)
        make_application(other, "Elsewhere")
    client = app.test_client()
    log_in(client, "alice")
    html = client.get("/admin/").get_data(as_text=True)
    assert "Acme" in html and "USER" in html
    assert "Hidden Corp" not in html
    assert '<td class="num">1</td>' in html


def test_a_global_user_sees_every_organization(app: Flask) -> None:
    with app.app_context():
        main = make_org("Main", is_global=True)
        make_org("Acme")
        make_user("root", orgs=[main])
    client = app.test_client()
    log_in(client, "root")
    html = client.get("/admin/").get_data(as_text=True)
    assert "Acme" in html and "via global organization" in html


def test_the_navigation_follows_oro(app: Flask) -> None:
    with app.app_context():
        make_user("alice")
    client = app.test_client()
    log_in(client, "alice")
    html = client.get("/admin/").get_data(as_text=True)
    for label in ("System", "User Management", "OAuth Applications", "Customers",
                  "Customer User OAuth Applications", 'href="/admin/oauth2/"',
                  'href="/admin/oauth2/frontend"'):  # fmt: skip
        assert label in html


def test_missing_keys_show_the_warning(make_app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    app = make_app(
        oauth2_server={
            "authorization_server": {"private_key": str(tmp_path / "none.key")},
            "resource_server": {"public_key": str(tmp_path / "none.pub")},
        }
    )
    with app.app_context():
        make_user("alice")
    client = app.test_client()
    log_in(client, "alice")
    assert KEYS_MISSING_WARNING in client.get("/admin/").get_data(as_text=True)


def test_a_private_key_readable_by_others_shows_the_mode_warning(make_app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    private, public = tmp_path / "k.key", tmp_path / "k.pub"
    generate_keys(private, public, "RS256")
    private.chmod(0o644)
    app = make_app(
        oauth2_server={
            "authorization_server": {"private_key": str(private)},
            "resource_server": {"public_key": str(public)},
        }
    )
    with app.app_context():
        make_user("alice")
    client = app.test_client()
    log_in(client, "alice")
    html = client.get("/admin/").get_data(as_text=True)
    assert KEY_MODE_WARNING in html
    assert KEYS_MISSING_WARNING not in html


def test_keys_in_place_show_no_warning(app: Flask) -> None:
    with app.app_context():
        make_user("alice")
    client = app.test_client()
    log_in(client, "alice")
    html = client.get("/admin/").get_data(as_text=True)
    assert KEYS_MISSING_WARNING not in html and KEY_MODE_WARNING not in html


def test_the_root_redirects_to_the_back_office(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/").headers["Location"] == "/admin/"
