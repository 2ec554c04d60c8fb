"""Notification email end to end: the browser creates, a real SMTP server receives.

One `flask run` process and one aiosmtpd server serve the module. The SMTP server can be stopped
while an application is created and started again afterwards: the message waits in the outbox and
`flask --app app mail send-queued`, run by the operator, delivers it exactly once.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.e2e.browser import NewPage, expect
from tests.mailserver import SMTPServer
from tests.server import (
    SQLITE_PASS_ONLY,
    flask_ok,
    flask_ok_together,
    free_port,
    serve,
    server_environ,
    site_config,
)

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = SQLITE_PASS_ONLY

ORG = "Acme Retail"
ADMIN = "alice"
OWNER = "olivia"
PASSWORD = "correct horse battery"
SUBJECT = "OAuth application added to your account"


@dataclass(frozen=True)
class MailSite:
    base: str
    log: Path
    env: dict[str, str]
    smtp: SMTPServer
    database: Path

    def wait_for_failed_attempt(self, name: str, timeout: float = 10.0) -> None:
        """Until the server has tried (and failed) to send the mail about NAME."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with closing(sqlite3.connect(self.database)) as connection:
                row = connection.execute(
                    "SELECT status, attempts FROM mail_outbox WHERE body_text LIKE ?",
                    (f"%{name}%",),
                ).fetchone()
            if row is not None and row[1] >= 1 and row[0] == "queued":
                return
            time.sleep(0.1)
        pytest.fail(f"the server made no delivery attempt for {name!r} within {timeout:g}s")


@pytest.fixture(scope="module")
def mail_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MailSite]:
    folder = tmp_path_factory.mktemp("mail-e2e")
    smtp = SMTPServer()
    smtp.start()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    mail = {"server": "127.0.0.1", "port": smtp.port, "timeout": 3}
    env = server_environ(site_config(folder, base, mail))
    flask_ok(env, "db", "upgrade")  # alone: it creates the secret key file
    flask_ok_together(env, ("oauth", "generate-keys"), ("orgs", "create", ORG))
    flask_ok_together(
        env,
        ("users", "create", ADMIN, "--email", "alice@example.com", "--password", PASSWORD,
         "--org", ORG, "--role", "ADMINISTRATOR"),
        ("users", "create", OWNER, "--email", "olivia@example.com", "--password", PASSWORD,
         "--org", ORG),
    )  # fmt: skip
    log = folder / "server.log"
    try:
        with serve(env, log, port) as url:
            yield MailSite(url, log, env, smtp, folder / "oauthapp.sqlite")
    finally:
        smtp.stop()


@pytest.fixture
def page(new_page: NewPage, mail_site: MailSite) -> Page:
    return new_page(mail_site.base, server_log=mail_site.log)


def create_in_browser(page: Page, name: str) -> str:
    """Log in as the administrator, create a client-credentials app for the owner; its secret."""
    page.goto("/login")
    page.get_by_label("Username").fill(ADMIN)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto("/admin/oauth2/create")
    page.get_by_role("radio", name="Client Credentials").check()
    page.get_by_label("Application Name").fill(name)
    page.get_by_label("Users").select_option(label=OWNER)
    page.get_by_role("button", name="Create", exact=True).click()
    expect(page.get_by_text("OAuth application has been created.")).to_be_visible()
    secret = page.get_by_label("Client Secret", exact=True).inner_text().strip()
    assert secret
    return secret


def messages_about(smtp: SMTPServer, name: str) -> list[str]:
    return [m.text for m in smtp.messages if name in m.text]


def test_creating_an_application_in_the_browser_mails_its_owner(
    page: Page, mail_site: MailSite
) -> None:
    name = "Browser-made sync"
    secret = create_in_browser(page, name)
    received = [m for m in mail_site.smtp.wait_for(1) if name in m.text]
    assert len(received) == 1
    [message] = received
    assert message.envelope_to == ["olivia@example.com"]
    assert message.subject == SUBJECT
    assert f"{mail_site.base}/admin/oauth2/" in message.text
    assert secret.encode() not in message.raw


def test_mail_queued_while_the_smtp_server_is_down_arrives_once_it_is_back(
    page: Page, mail_site: MailSite
) -> None:
    name = "Made during the outage"
    mail_site.smtp.stop()
    try:
        create_in_browser(page, name)  # the creation does not wait for, or fail with, the mail
        mail_site.wait_for_failed_attempt(name)
    finally:
        mail_site.smtp.start()
    assert messages_about(mail_site.smtp, name) == []
    output = flask_ok(mail_site.env, "mail", "send-queued", "--all")
    assert "Sent 1, to retry later 0, failed 0." in output
    assert len(messages_about(mail_site.smtp, name)) == 1
    flask_ok(mail_site.env, "mail", "send-queued", "--all")
    assert len(messages_about(mail_site.smtp, name)) == 1  # no duplicate
