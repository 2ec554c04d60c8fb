"""Notification email end to end: the browser creates, a real SMTP server receives.

One `flask run` process (a copy of the seeded site) and one aiosmtpd server serve the module.
The SMTP server can be stopped while an application is created and started again afterwards:
the message waits in the outbox and `flask --app app mail send-queued`, run by the operator,
delivers it exactly once. A template edited in System > Emails is what the next owner receives.
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

from tests.e2e import world
from tests.e2e.backoffice import fill_create_form, log_in, open_menu, press_create
from tests.e2e.browser import NewPage, expect
from tests.e2e.sites import Site, run_site
from tests.mailserver import Received, SMTPServer
from tests.server import SQLITE_PASS_ONLY, flask_ok

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = SQLITE_PASS_ONLY

SUBJECT = "OAuth application added to your account"
TEMPLATE = "user_oauth_application_created"


@dataclass(frozen=True)
class MailSite:
    site: Site
    smtp: SMTPServer

    def wait_for_failed_attempt(self, name: str, timeout: float = 10.0) -> None:
        """Until the server has tried (and failed) to send the mail about NAME."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with closing(sqlite3.connect(self.site.database)) as connection:
                row = connection.execute(
                    "SELECT status, attempts FROM mail_outbox WHERE body_text LIKE ?",
                    (f"%{name}%",),
                ).fetchone()
            if row is not None and row[1] >= 1 and row[0] == "queued":
                return
            time.sleep(0.1)
        pytest.fail(f"the server made no delivery attempt for {name!r} within {timeout:g}s")


@pytest.fixture(scope="module")
def mail_site(
    browser: Browser, seeded: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[MailSite]:
    smtp = SMTPServer()
    smtp.start()
    mail = {"server": "127.0.0.1", "port": smtp.port, "timeout": 3}
    try:
        # Under gunicorn, as in production: `flask run` closes a response (and so sends its
        # mail) only once it has read the connection to its end, which a browser may keep open.
        folder = tmp_path_factory.mktemp("mail-e2e")
        with run_site(seeded, folder, mail=mail, gunicorn=True) as site:
            yield MailSite(site, smtp)
    finally:
        smtp.stop()


@pytest.fixture
def page(new_page: NewPage, mail_site: MailSite) -> Page:
    page = new_page(mail_site.site.base, server_log=mail_site.site.log)
    log_in(page)
    return page


def create_in_browser(page: Page, name: str) -> str:
    """Create a client-credentials app for the owner; its secret."""
    page.goto("/admin/oauth2/create")
    fill_create_form(page, name, "Client Credentials", owner=world.OWNER)
    _, secret = press_create(page)
    return secret


def messages_about(smtp: SMTPServer, name: str) -> list[str]:
    return [m.text for m in smtp.messages if name in m.text]


def message_about(smtp: SMTPServer, name: str, timeout: float = 30.0) -> Received:
    """The one message about NAME, once it has arrived (polled: a loaded machine is slow)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        received = [m for m in smtp.messages if name in m.text]
        if received:
            assert len(received) == 1, f"{len(received)} messages about {name!r}"
            return received[0]
        time.sleep(0.05)
    pytest.fail(f"no message about {name!r} within {timeout:g}s")


def test_creating_an_application_in_the_browser_mails_its_owner(
    page: Page, mail_site: MailSite
) -> None:
    name = "Browser-made sync"
    secret = create_in_browser(page, name)
    message = message_about(mail_site.smtp, name)
    assert message.envelope_to == ["olivia@example.com"]
    assert message.subject == SUBJECT
    assert f"{mail_site.site.base}/admin/oauth2/" in message.text
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
    output = flask_ok(mail_site.site.env, "mail", "send-queued", "--all")
    assert "Sent 1, to retry later 0, failed 0." in output
    assert len(messages_about(mail_site.smtp, name)) == 1
    flask_ok(mail_site.site.env, "mail", "send-queued", "--all")
    assert len(messages_about(mail_site.smtp, name)) == 1  # no duplicate


def test_an_edited_template_is_what_the_next_owner_receives(
    page: Page, mail_site: MailSite
) -> None:
    name = "Mailed with the edited template"
    open_menu(page, "System", "Templates")
    row = page.get_by_role("row").filter(has=page.get_by_text(TEMPLATE, exact=True))
    english = row.get_by_role("listitem").filter(has_text="English (en)")
    english.get_by_role("link", name="English (en)").click()
    expect(page.get_by_label("Subject")).to_have_value(SUBJECT)
    page.get_by_label("Subject").fill("Your new app: {{ application_name }}")
    page.get_by_label("Text body").fill(
        "Hello {{ owner_name }},\n\n{{ application_name }} is yours now.\n"
    )
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_be_visible()
    try:
        open_menu(page, "System", "Templates")
        expect(english).to_contain_text("Edited")

        create_in_browser(page, name)
        message = message_about(mail_site.smtp, name)
        assert message.subject == f"Your new app: {name}"
        assert f"Hello {world.OWNER},\n\n{name} is yours now." in message.text.replace("\r", "")
    finally:  # the other tests here expect the built-in template
        page.goto(f"/admin/email/templates/{TEMPLATE}/en")
        page.get_by_role("link", name="Reset to default").click()
        page.get_by_role("button", name="Reset to default").click()  # confirmed
        expect(page.get_by_label("Subject")).to_have_value(SUBJECT)
