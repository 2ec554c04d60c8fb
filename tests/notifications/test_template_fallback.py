"""An edited template that fails on real data never fails the creation: the built-in text goes."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from oauthapp.extensions import db
from oauthapp.models import OAuthApplication, SecurityEvent
from oauthapp.notifications.templates import TEMPLATE_FAILED
from tests.applications.conftest import post_form
from tests.mailserver import SMTPServer
from tests.notifications.conftest import create_for_olivia, edited, outbox_rows, text_of

USER_EN = "/admin/email/templates/user_oauth_application_created/en"
# "Jane Doe" (the sample) truncates to 3 characters; "olivia" to 1, which truncate refuses.
TRUNCATED = "Hi {{ owner_name|truncate(owner_name|length - 5) }}"
TRUNCATE_ERROR = "body_text: The template does not render: expected length >= 3, got 1"
# 14 * 600 characters for the sample's "Inventory sync"; over the limit for a longer name.
GROWING = "{{ 'x' * (application_name|length * 600) }}"
LONG_NAME = "A much longer application name"
NOTICE = re.compile(
    r"The last rendering of this template failed on \d{4}-\d\d-\d\d \d\d:\d\d UTC: (.*?); "
    r"the built-in text was sent instead\."
)


def save_failing_template(root: FlaskClient, body_text: str) -> None:
    """Preview and Save both accept the template: it renders the sample data."""
    form = edited("New app: {{ application_name }}", body_text)
    preview = post_form(root, USER_EN, {**form, "preview": "Preview"})
    assert "Preview with sample data" in preview.get_data(as_text=True)
    assert post_form(root, USER_EN, form).status_code == 302


def failures(app: Flask) -> list[SecurityEvent]:
    with app.app_context():
        query = select(SecurityEvent).where(SecurityEvent.event == TEMPLATE_FAILED)
        return list(db.session.scalars(query))


def assert_built_in_text_queued(app: Flask, application_name: str, error: str) -> int:
    """The application exists and its owner's message holds the built-in text and why; its id."""
    with app.app_context():
        application = db.session.scalar(
            select(OAuthApplication).where(OAuthApplication.name == application_name)
        )
        assert application is not None
        [row] = outbox_rows()
        assert row.application_id == application.id
        assert row.subject == "OAuth application added to your account"
        assert row.body_text.startswith("Hello olivia,")
        assert application_name in row.body_text
        assert row.render_error.startswith("user_oauth_application_created (en): ")
        assert error in row.render_error
        return application.id


@pytest.mark.parametrize(
    ("body_text", "app_name", "error"),
    [
        (TRUNCATED, "Olivia's app", TRUNCATE_ERROR),
        (GROWING, LONG_NAME, "over the limit of 10000 characters or list items"),
    ],
    ids=["error on real data", "limit on real data"],
)
def test_a_back_office_creation_sends_the_built_in_text_and_records_why(
    mail_app: Flask,
    root: FlaskClient,
    smtp_server: SMTPServer,
    body_text: str,
    app_name: str,
    error: str,
) -> None:
    save_failing_template(root, body_text)
    create_for_olivia(mail_app, app_name)  # the one-time secret page: created
    application_id = assert_built_in_text_queued(mail_app, app_name, error)
    [received] = smtp_server.wait_for(1)
    assert received.text.startswith("Hello olivia,")
    [event] = failures(mail_app)
    assert (event.application_id, event.actor) == (application_id, "alice")
    assert event.detail.startswith("user_oauth_application_created (en): ")
    assert error in event.detail
    notice = NOTICE.search(text_of(root, USER_EN))
    assert notice is not None and error in notice.group(1)


def test_the_command_line_creation_sends_the_built_in_text_and_records_why(
    mail_app: Flask, root: FlaskClient
) -> None:
    save_failing_template(root, TRUNCATED)
    result = mail_app.test_cli_runner().invoke(
        args=["oauth", "create-app", "--org", "Acme", "--name", "From the shell",
              "--grant", "client_credentials", "--owner", "olivia"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    application_id = assert_built_in_text_queued(mail_app, "From the shell", TRUNCATE_ERROR)
    [event] = failures(mail_app)
    assert (event.application_id, event.actor) == (application_id, "command line")
    assert TRUNCATE_ERROR in event.detail
    assert "Edited template failed, built-in text used" in text_of(
        root, "/admin/email/outbox?status=sent"
    )
    notice = NOTICE.search(text_of(root, USER_EN))
    assert notice is not None and TRUNCATE_ERROR in notice.group(1)


def test_the_notice_goes_once_the_template_is_saved_again(
    mail_app: Flask, root: FlaskClient
) -> None:
    save_failing_template(root, TRUNCATED)
    create_for_olivia(mail_app)
    assert NOTICE.search(text_of(root, USER_EN)) is not None
    assert post_form(root, USER_EN, edited("Fixed", "Hi {{ owner_name }}")).status_code == 302
    assert NOTICE.search(text_of(root, USER_EN)) is None
    assert len(failures(mail_app)) == 1  # the audit trail keeps it


def test_an_edited_template_that_renders_records_nothing(
    mail_app: Flask, root: FlaskClient
) -> None:
    save_failing_template(root, "Hi {{ owner_name }}")
    create_for_olivia(mail_app)
    with mail_app.app_context():
        [row] = outbox_rows()
        assert row.body_text == "Hi olivia"
        assert row.render_error == ""
    assert failures(mail_app) == []
    assert NOTICE.search(text_of(root, USER_EN)) is None
