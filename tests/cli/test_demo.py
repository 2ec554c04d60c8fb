"""`flask demo`: an idempotent seed that prints working credentials."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest
from click.testing import Result
from flask import Flask
from flask.cli import FlaskGroup
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from oauthapp.extensions import db
from oauthapp.models import CustomerUser, OAuthApplication, Organization, User
from oauthapp.security.credentials import verify_secret
from tests.cli.helpers import count, invoke
from tests.factories import make_org


class DemoRunner:
    """Runs commands the way the `flask` executable does, through a FlaskGroup.

    (The plain `cli` fixture runs it too: see test_demo_runs_from_the_test_cli_runner.)
    """

    def __init__(self, app: Flask, cli: FlaskCliRunner) -> None:
        self.cli = cli
        self.group = FlaskGroup(
            create_app=lambda: app, add_default_commands=False, load_dotenv=False
        )

    def invoke(self, *args: str) -> Result:
        return self.cli.invoke(self.group, list(args))


@pytest.fixture
def demo(app: Flask, cli: FlaskCliRunner, monkeypatch: pytest.MonkeyPatch) -> DemoRunner:
    # FlaskGroup sets this variable; let monkeypatch restore the environment afterwards.
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "true")
    return DemoRunner(app, cli)


def run_demo(demo: DemoRunner) -> Result:
    result = demo.invoke("demo")
    assert result.exit_code == 0, (result.output, result.exception)
    return result


def totals(app: Flask) -> tuple[int, int, int, int]:
    return (
        count(app, Organization),
        count(app, User),
        count(app, CustomerUser),
        count(app, OAuthApplication),
    )


def admin_password(result: Result) -> str:
    assert re.search(r"^\s*username: admin$", result.output, re.MULTILINE)
    match = re.search(r"^\s*password: (\S+)$", result.output, re.MULTILINE)
    assert match, result.output
    return match.group(1)


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token on the login page"
    return match.group(1)


def test_demo_runs_from_the_test_cli_runner(cli: FlaskCliRunner) -> None:
    result = invoke(cli, "demo")
    assert result.exit_code == 0, result.exception


def test_demo_seeds_organizations_two_users_a_customer_and_six_applications(
    app: Flask, demo: DemoRunner
) -> None:
    run_demo(demo)
    assert totals(app) == (2, 2, 1, 6)
    with app.app_context():
        kinds = db.session.execute(
            select(OAuthApplication.kind, OAuthApplication.grant_type).order_by(
                OAuthApplication.kind, OAuthApplication.grant_type
            )
        ).all()
        assert [tuple(row) for row in kinds] == [
            ("backoffice", "authorization_code"),
            ("backoffice", "authorization_code"),
            ("backoffice", "client_credentials"),
            ("backoffice", "password"),
            ("storefront", "client_credentials"),
            ("storefront", "password"),
        ]
        assert db.session.scalar(select(Organization.name).where(Organization.is_global))


def test_demo_prints_each_new_applications_client_id_and_secret(demo: DemoRunner) -> None:
    result = run_demo(demo)
    assert len(re.findall(r"client_id:\s+[A-Za-z0-9_-]{32}\n", result.output)) == 6
    assert len(re.findall(r"client_secret:\s+\S+", result.output)) == 5
    assert "(a public client: no secret)" in result.output


def test_demo_seeds_a_confidential_authorization_code_app_with_a_loopback_redirect_url(
    app: Flask, demo: DemoRunner
) -> None:
    result = run_demo(demo)
    with app.app_context():
        application = db.session.scalar(
            select(OAuthApplication).where(OAuthApplication.name == "Demo web app")
        )
        assert application is not None
        assert application.redirect_uris == ["http://127.0.0.1:8400/callback"]
        assert (application.confidential, application.skip_consent) == (True, False)
        assert (application.user_id, application.customer_user_id) == (None, None)
        printed = re.search(
            rf"client_id:\s+{application.client_id}\n\s+redirect_uri:\s+(\S+)\n"
            rf"\s+client_secret:\s+(\S+)",
            result.output,
        )
        assert printed, result.output
        assert printed.group(1) == "http://127.0.0.1:8400/callback"
        assert application.secret_hash is not None
        assert verify_secret(printed.group(2), application.secret_hash)


def test_a_second_demo_creates_nothing_more(app: Flask, demo: DemoRunner) -> None:
    run_demo(demo)
    first = totals(app)
    second = run_demo(demo)
    assert totals(app) == first
    assert "Created" not in second.output


def test_demo_prints_the_admin_username_and_a_password(demo: DemoRunner) -> None:
    result = run_demo(demo)
    assert "username: admin" in result.output
    assert len(admin_password(result)) >= 8


def test_a_second_demo_prints_the_same_admin_password(demo: DemoRunner) -> None:
    first = admin_password(run_demo(demo))
    assert admin_password(run_demo(demo)) == first


def test_the_demo_passwords_file_is_private(app: Flask, demo: DemoRunner) -> None:
    result = run_demo(demo)
    match = re.search(r"kept in (\S+)\.\)", result.output)
    assert match, result.output
    assert stat.S_IMODE(Path(match.group(1)).stat().st_mode) == 0o600


def test_the_printed_password_logs_the_admin_in(app: Flask, demo: DemoRunner) -> None:
    password = admin_password(run_demo(demo))
    client = app.test_client()
    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login", data={"csrf_token": token, "username": "admin", "password": password}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"


def test_the_password_from_a_second_run_logs_the_admin_in(app: Flask, demo: DemoRunner) -> None:
    run_demo(demo)
    password = admin_password(run_demo(demo))
    client = app.test_client()
    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login", data={"csrf_token": token, "username": "admin", "password": password}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"


def test_demo_reuses_an_existing_global_organization(app: Flask, demo: DemoRunner) -> None:
    with app.app_context():
        make_org("Headquarters", is_global=True)
    run_demo(demo)
    with app.app_context():
        names = db.session.scalars(select(Organization.name).order_by(Organization.name)).all()
        assert names == ["Acme Retail", "Headquarters"]
        admin = db.session.scalar(select(User).where(User.username == "admin"))
        assert admin is not None
        assert {role.organization.name for role in admin.roles} == {"Acme Retail", "Headquarters"}


def printed_application(output: str, name: str) -> tuple[str, str]:
    match = re.search(
        rf"application '{name}':\n\s+client_id:\s+(\S+)\n\s+client_secret:\s+(\S+)", output
    )
    assert match, output
    return match.group(1), match.group(2)


@pytest.mark.parametrize(
    ("application", "login", "line"),
    [
        ("Demo mobile app", "jane", r"^Back-office user: jane / (\S+)$"),
        ("Demo storefront app", "customer@example.com", r"^Customer user: \S+ / (\S+)$"),
    ],
)
def test_the_printed_passwords_get_tokens_from_the_password_applications(
    app: Flask, demo: DemoRunner, application: str, login: str, line: str
) -> None:
    """What docs/api.md's password examples send, with what the demo printed."""
    output = run_demo(demo).output
    client_id, secret = printed_application(output, application)
    password = re.search(line, output, re.MULTILINE)
    assert password, output
    response = app.test_client().post(
        "/oauth2-token",
        data={"grant_type": "password", "username": login, "password": password.group(1)},
        auth=(client_id, secret),
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["refresh_token"]


def test_demo_seeds_a_public_desktop_app_with_the_loopback_redirect_url(
    app: Flask, demo: DemoRunner
) -> None:
    """The client of docs/api.md's native example: no secret, PKCE only."""
    run_demo(demo)
    with app.app_context():
        desktop = db.session.scalar(
            select(OAuthApplication).where(OAuthApplication.name == "Demo desktop app")
        )
        assert desktop is not None
        assert (desktop.confidential, desktop.secret_hash) == (False, None)
        assert desktop.redirect_uris == ["http://127.0.0.1:8400/callback"]
