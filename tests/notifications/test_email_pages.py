"""System > Emails in the back-office: templates, notification rules and the outbox."""

from __future__ import annotations

import html

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from oauthapp.extensions import db
from oauthapp.models import OutboxMessage, utcnow
from oauthapp.notifications import catalog
from tests.applications.conftest import logged_in, post_form
from tests.factories import make_application, make_org, make_user
from tests.mailserver import SMTPServer
from tests.notifications.conftest import create_for_olivia, edited, outbox_rows, text_of

TEMPLATES = "/admin/email/templates"
USER_EN = f"{TEMPLATES}/user_oauth_application_created/en"
USER_DE = f"{TEMPLATES}/user_oauth_application_created/de"
RULES = "/admin/email/notification-rules"
RULE = f"{RULES}/oauth_application_created"
OUTBOX = "/admin/email/outbox"
PAGES = (TEMPLATES, USER_EN, RULES, RULE, OUTBOX)


# --- who may see the pages ---------------------------------------------------------------------


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_visitors_are_sent_to_log_in(mail_app: Flask, path: str) -> None:
    response = mail_app.test_client().get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("username", ["alice", "gus", "olivia"])
@pytest.mark.parametrize("path", PAGES)
def test_only_global_administrators_may_open_the_pages(
    mail_app: Flask, people: int, username: str, path: str
) -> None:
    assert logged_in(mail_app, username).get(path).status_code == 403


def test_the_system_menu_offers_emails_to_global_administrators_only(
    mail_app: Flask, root: FlaskClient
) -> None:
    menu = text_of(root, "/admin/oauth2/")
    assert ">Emails<" in menu and f'href="{TEMPLATES}"' in menu and f'href="{RULES}"' in menu
    assert ">Emails<" not in text_of(logged_in(mail_app, "alice"), "/admin/oauth2/")


# --- templates ---------------------------------------------------------------------------------


def test_the_list_shows_each_template_in_each_language(root: FlaskClient) -> None:
    page = text_of(root, TEMPLATES)
    for name in catalog.TEMPLATES:
        for locale in catalog.LOCALES:
            assert f'href="{TEMPLATES}/{name}/{locale}"' in page
    assert "German (de)" in page and "English (en)" in page
    assert "OAuth-Anwendung zu Ihrem Konto hinzugefügt" in page
    assert page.count(">Default<") == 4


def test_the_edit_page_holds_the_current_text_and_the_variables(root: FlaskClient) -> None:
    page = text_of(root, USER_EN)
    assert 'value="OAuth application added to your account"' in page
    assert "Hello {{ owner_name }}," in page
    for variable in catalog.VARIABLES:
        assert f"<code>{variable}</code>" in page


def test_an_edited_template_is_used_by_the_next_notification(
    mail_app: Flask, root: FlaskClient, smtp_server: SMTPServer
) -> None:
    form = edited("New app: {{ application_name }}", "Dear {{ owner_name }}, see {{ client_id }}.")
    response = post_form(root, USER_EN, form)
    assert response.status_code == 302
    assert "Email template has been saved." in text_of(root, USER_EN)
    assert ">Edited<" in text_of(root, TEMPLATES)
    create_for_olivia(mail_app, "Edited mail")
    [received] = smtp_server.wait_for(1)
    assert received.subject == "New app: Edited mail"
    assert received.text.startswith("Dear olivia, see ")
    assert received.message.get_body(("html",)) is None  # no HTML part when it is left empty


def test_editing_one_language_leaves_the_other_alone(root: FlaskClient) -> None:
    post_form(root, USER_DE, edited("Neu: {{ application_name }}", "Hallo {{ owner_name }}"))
    assert 'value="OAuth application added to your account"' in text_of(root, USER_EN)
    assert 'value="Neu: {{ application_name }}"' in text_of(root, USER_DE)


@pytest.mark.parametrize(
    ("field", "source", "message"),
    [
        ("body_text", "Hello {{ owner_nme }}", "Unknown variable or attribute: owner_nme"),
        ("body_text", "Hello {% if %}", "Line 1: Expected an expression"),
        ("body_html", "<p>{{ owner_name }</p>", "Line 1:"),
        ("subject", "{{ application_name.__class__ }}", "access to attribute '__class__'"),
        ("body_text", "{{ ''.__class__.__mro__[1].__subclasses__() }}", "is unsafe"),
        ("body_text", "{{ owner_name.format(x=1) }}", "calling format is not allowed"),
        ("body_text", "{% include 'base.html' %}", "“include” is not available"),
        ("body_html", "{{ application_name|safe }}", "The filter “safe” is not available"),
        ("body_text", "{% for i in range(10**6) %}x{% endfor %}", "range is limited"),
        ("body_text", "{{ owner_name|truncate(0) }}", "expected length >= 3, got 0"),
        ("subject", "   ", "The subject renders empty."),
        ("body_text", " \n ", "The text body must not be blank."),
    ],
)
def test_a_template_that_does_not_render_is_refused_next_to_its_field(
    root: FlaskClient, field: str, source: str, message: str
) -> None:
    form = edited("Subject", "Body", "")
    form[field] = source
    response = post_form(root, USER_EN, form)
    assert response.status_code == 200
    page = html.unescape(response.get_data(as_text=True))
    assert f'id="{field}-errors"' in page
    assert message in page
    assert ">Default<" in text_of(root, TEMPLATES).split("customer_user")[0]  # nothing saved


def test_preview_renders_the_sample_data_without_saving(root: FlaskClient) -> None:
    form = edited("Hi {{ owner_name }}", "App {{ application_name }}", "<b>{{ organization }}</b>")
    response = post_form(root, USER_EN, {**form, "preview": "Preview"})
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 200
    assert "Hi Jane Doe" in page
    assert "App Inventory sync" in page
    assert 'sandbox srcdoc="<b>ACME Inc.</b>"' in page  # the HTML part in a sandboxed frame
    # Email HTML is styled inline: this page, and only this one, lets the frame use inline styles.
    assert "style-src 'self' 'unsafe-inline'" in response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in root.get(USER_EN).headers["Content-Security-Policy"]
    assert text_of(root, TEMPLATES).count(">Default<") == 4  # nothing was saved


def test_the_german_preview_speaks_german(root: FlaskClient) -> None:
    form = edited("{{ grant }}", "{{ created_at }}")
    page = html.unescape(post_form(root, USER_DE, {**form, "preview": "Preview"}).get_data(True))
    assert "Client-Anmeldedaten" in page
    assert "28. November 2026" in page


def test_reset_brings_back_the_built_in_text(root: FlaskClient) -> None:
    post_form(root, USER_EN, edited("Changed", "Changed body"))
    response = post_form(root, f"{USER_EN}/reset", {}, token_from=USER_EN)
    assert response.status_code == 302
    page = text_of(root, USER_EN)
    assert "Email template has been reset to its default." in page
    assert 'value="OAuth application added to your account"' in page


@pytest.mark.parametrize(
    "path",
    [f"{TEMPLATES}/no_such_template/en", f"{TEMPLATES}/user_oauth_application_created/fr"],
)
def test_unknown_templates_and_languages_are_404(root: FlaskClient, path: str) -> None:
    assert root.get(path).status_code == 404


def test_saving_without_the_csrf_token_changes_nothing(root: FlaskClient) -> None:
    response = post_form(root, USER_EN, edited("Changed", "Changed"), token=False)
    assert response.status_code in (200, 400)
    assert text_of(root, TEMPLATES).count(">Default<") == 4


# --- notification rules ------------------------------------------------------------------------


def test_the_rules_page_lists_the_creation_rule(root: FlaskClient) -> None:
    page = text_of(root, RULES)
    assert "OAuth application created" in page
    assert "Enabled" in page and "The application's owner" in page


def test_disabling_the_rule_stops_the_mail(
    mail_app: Flask, root: FlaskClient, smtp_server: SMTPServer
) -> None:
    response = post_form(root, RULE, {"notify_owner": "y", "recipients": ""})
    assert response.status_code == 302
    assert "Notification rule has been saved." in text_of(root, RULES)
    assert "Disabled" in text_of(root, RULES)
    create_for_olivia(mail_app)
    with mail_app.app_context():
        assert outbox_rows() == []


def test_additional_recipients_are_saved_and_mailed(
    mail_app: Flask, root: FlaskClient, smtp_server: SMTPServer
) -> None:
    form = {"enabled": "y", "notify_owner": "y", "recipients": "audit@example.com\nsec@example.com"}
    assert post_form(root, RULE, form).status_code == 302
    assert "audit@example.com, sec@example.com" in text_of(root, RULES)
    create_for_olivia(mail_app)
    received = smtp_server.wait_for(3)
    assert {r.envelope_to[0] for r in received} == {
        "olivia@example.com", "audit@example.com", "sec@example.com",
    }  # fmt: skip


def test_an_invalid_recipient_is_refused_next_to_the_field(root: FlaskClient) -> None:
    form = {"enabled": "y", "recipients": "audit@example.com\nnot-an-address"}
    response = post_form(root, RULE, form)
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 200
    assert 'id="recipients-errors"' in page and "not-an-address is not a valid email" in page
    assert "audit@example.com" not in text_of(root, RULES)


# --- outbox ------------------------------------------------------------------------------------


def test_the_outbox_shows_failed_messages_with_their_error(
    mail_app: Flask, root: FlaskClient, smtp_server: SMTPServer
) -> None:
    smtp_server.inbox.reply = "550 5.1.1 No such user"
    create_for_olivia(mail_app, "Refused mail")
    for path in (OUTBOX, f"{OUTBOX}?status=failed"):
        page = text_of(root, path)
        assert "olivia@example.com" in page and ">Failed<" in page
        assert "550 5.1.1 No such user" in page
        assert "Retry now" in page
    assert "Failed (1)" in text_of(root, OUTBOX)
    assert "No messages here." in text_of(root, f"{OUTBOX}?status=queued")


def test_the_outbox_shows_queued_messages_and_retries_them(
    mail_app: Flask, root: FlaskClient, smtp_server: SMTPServer
) -> None:
    smtp_server.stop()
    create_for_olivia(mail_app, "Stuck mail")
    page = text_of(root, OUTBOX)
    assert "olivia@example.com" in page and "Queued" in page
    assert "ConnectionRefusedError" in page
    with mail_app.app_context():
        [row] = outbox_rows()
    smtp_server.start()
    response = post_form(root, f"{OUTBOX}/{row.id}/retry", {}, token_from=OUTBOX)
    assert response.status_code == 302
    [received] = smtp_server.wait_for(1)  # sent right after that response
    assert "Stuck mail" in received.text
    assert "No messages here." in text_of(root, OUTBOX)
    assert "olivia@example.com" in text_of(root, f"{OUTBOX}?status=sent")


def test_a_later_back_office_change_sends_due_mail(
    mail_app: Flask, root: FlaskClient, smtp_server: SMTPServer
) -> None:
    smtp_server.stop()
    create_for_olivia(mail_app, "Retried later")
    with mail_app.app_context():
        db.session.execute(update(OutboxMessage).values(next_attempt_at=utcnow()))
        db.session.commit()
        org = make_org("Quiet")
        make_application(org, "Unrelated", owner=make_user("quinn", orgs=[org]))
    smtp_server.start()
    post_form(root, RULE, {"enabled": "y", "notify_owner": "y", "recipients": ""})
    received = smtp_server.wait_for(1)
    assert any("Retried later" in r.text for r in received)


def test_unknown_filters_and_pages_fall_back(root: FlaskClient) -> None:
    assert "No messages here." in text_of(root, f"{OUTBOX}?status=bogus&page=-3")
    assert root.post(f"{OUTBOX}/999999/retry", data={}).status_code in (302, 400)


def test_reset_asks_for_confirmation_first_and_titles_read_as_titles(root: FlaskClient) -> None:
    assert post_form(root, USER_EN, edited("Changed", "Changed body")).status_code == 302
    editor = text_of(root, USER_EN)
    assert "<title>Application created, to a back-office user (English)" in editor
    assert f'href="{USER_EN}/reset"' in editor  # a link to the question, not a POST button
    assert f'formaction="{USER_EN}#preview"' in editor  # Preview lands on the preview

    question = text_of(root, f"{USER_EN}/reset")
    assert "Your changes to its subject, text and HTML are lost." in question
    assert 'value="Changed"' in text_of(root, USER_EN)  # asking changed nothing
    response = post_form(root, f"{USER_EN}/reset", {}, token_from=f"{USER_EN}/reset")
    assert response.status_code == 302
    assert 'value="OAuth application added to your account"' in text_of(root, USER_EN)

    listing = text_of(root, TEMPLATES)
    assert "Application created, to a customer user" in listing
    assert listing.count("<tr>") == 1 + len(catalog.TEMPLATES)  # languages together


def test_an_enabled_rule_without_recipients_is_refused(root: FlaskClient) -> None:
    response = post_form(root, RULE, {"enabled": "y", "recipients": ""})
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 200
    assert "An enabled rule needs a recipient" in page and 'id="recipients-errors"' in page


def test_an_outbox_row_opens_to_its_message_with_times_in_utc(
    mail_app: Flask, root: FlaskClient, smtp_server: SMTPServer
) -> None:
    smtp_server.inbox.reply = "550 5.1.1 No such user"
    create_for_olivia(mail_app, "Readable mail")
    with mail_app.app_context():
        [row] = outbox_rows()
    listing = text_of(root, OUTBOX)
    assert f'href="{OUTBOX}/{row.id}"' in listing and " UTC</td>" in listing
    message = text_of(root, f"{OUTBOX}/{row.id}")
    assert "olivia@example.com" in message and "550 5.1.1 No such user" in message
    assert "Readable mail" in message and " UTC</dd>" in message
    assert "Retry now" in message
    assert root.get(f"{OUTBOX}/999999").status_code == 404
