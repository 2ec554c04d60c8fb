"""The outbox names the application each message is about, even once it is deleted."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from tests.applications.conftest import logged_in, post_form
from tests.mailserver import SMTPServer
from tests.notifications.conftest import create_for_olivia, outbox_rows, text_of

OUTBOX = "/admin/email/outbox"


def _row_of(page: str, message_id: int) -> str:
    """The outbox table row that links to that message."""
    for row in re.findall(r"<tr>(.*?)</tr>", page, re.DOTALL):
        if f'href="{OUTBOX}/{message_id}"' in row:
            return str(row)
    raise AssertionError(f"no row for message {message_id}")


def test_a_queued_message_records_its_applications_id_and_name(
    mail_app: Flask, root: FlaskClient, smtp_server: SMTPServer
) -> None:
    create_for_olivia(mail_app, "Ledger sync")
    with mail_app.app_context():
        [row] = outbox_rows()
    assert row.application_id is not None
    assert row.application_name == "Ledger sync"


def test_an_outbox_row_names_its_application_and_links_to_it(
    mail_app: Flask, root: FlaskClient, smtp_server: SMTPServer
) -> None:
    create_for_olivia(mail_app, "Ledger sync")
    with mail_app.app_context():
        [row] = outbox_rows()
    listing = text_of(root, f"{OUTBOX}?status=sent")
    assert ">Application</th>" in listing
    cells = _row_of(listing, row.id)
    assert f'href="/admin/oauth2/{row.application_id}"' in cells and "Ledger sync" in cells

    message = text_of(root, f"{OUTBOX}/{row.id}")
    assert "<dt>Application</dt>" in message
    assert f'<a href="/admin/oauth2/{row.application_id}">Ledger sync</a>' in message


def test_the_mail_of_a_deleted_application_still_names_it(
    mail_app: Flask, root: FlaskClient, smtp_server: SMTPServer
) -> None:
    create_for_olivia(mail_app, "Short-lived")
    with mail_app.app_context():
        [row] = outbox_rows()
    delete = f"/admin/oauth2/{row.application_id}/delete"
    assert post_form(logged_in(mail_app, "alice"), delete, {}).status_code == 302
    with mail_app.app_context():
        [kept] = outbox_rows()
    assert kept.application_id is None and kept.application_name == "Short-lived"

    cells = _row_of(text_of(root, f"{OUTBOX}?status=sent"), row.id)
    assert "Short-lived" in cells and "(deleted)" in cells
    assert "/admin/oauth2/" not in cells
    message = text_of(root, f"{OUTBOX}/{row.id}")
    assert 'Short-lived <span class="muted">(deleted)</span>' in message
