"""Creating an application with an owner emails the owner, through a real SMTP server."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from oauthapp.models import Grant, Kind, OutboxStatus
from oauthapp.notifications import catalog, rules
from tests.conftest import AppFactory
from tests.factories import make_application, make_customer, make_org, make_user
from tests.mailserver import SMTPServer
from tests.notifications.conftest import outbox_rows

SUBJECT = "OAuth application added to your account"


def test_creating_a_client_credentials_app_mails_its_owner_once(
    mctx: Flask, smtp_server: SMTPServer
) -> None:
    org = make_org("Acme Retail")
    owner = make_user("olivia", orgs=[org])
    application, _ = make_application(org, "Inventory sync", owner=owner)
    [received] = smtp_server.wait_for(1)
    assert received.envelope_to == ["olivia@example.com"]
    assert received.message["To"] == "olivia@example.com"
    assert received.subject == SUBJECT
    assert received.message["Content-Language"] == "en"
    for part in (received.text, received.html):
        assert "olivia" in part
        assert "Inventory sync" in part
        assert application.client_id in part
        assert "Acme Retail" in part
        assert "Client Credentials" in part
        assert f"http://localhost:5000/admin/oauth2/{application.id}" in part
    assert "contact your administrator" in received.text
    [row] = outbox_rows()
    assert (row.status, row.attempts, row.last_error) == ("sent", 1, "")


def test_the_secret_is_in_no_part_of_the_message(mctx: Flask, smtp_server: SMTPServer) -> None:
    org = make_org()
    _, secret = make_application(org, owner=make_user(orgs=[org]))
    [received] = smtp_server.wait_for(1)
    assert secret.encode() not in received.raw
    assert secret not in received.text + received.html
    [row] = outbox_rows()
    assert secret not in row.subject + row.body_text + row.body_html


def test_a_german_owner_gets_the_german_text(mctx: Flask, smtp_server: SMTPServer) -> None:
    org = make_org("Lager GmbH")
    owner = make_user("hans", orgs=[org], locale="de_DE")
    make_application(org, "Bestand <Sync>", owner=owner)
    [received] = smtp_server.wait_for(1)
    assert received.subject == "OAuth-Anwendung zu Ihrem Konto hinzugefügt"
    assert received.message["Content-Language"] == "de"
    assert received.text.startswith("Hallo hans,")
    assert "Client-Anmeldedaten" in received.text
    assert "Bestand <Sync>" in received.text
    assert "Bestand &lt;Sync&gt;" in received.html  # escaped in HTML, plain in text


def test_an_owner_of_an_unsupported_locale_gets_english(
    mctx: Flask, smtp_server: SMTPServer
) -> None:
    org = make_org()
    make_application(org, owner=make_user(orgs=[org], locale="fr"))
    assert smtp_server.wait_for(1)[0].subject == SUBJECT


def test_a_customer_user_gets_the_storefront_template(mctx: Flask, smtp_server: SMTPServer) -> None:
    org = make_org()
    customer = make_customer("carol@example.com", org=org)
    make_application(org, "Shop sync", kind=Kind.STOREFRONT, owner=customer)
    [received] = smtp_server.wait_for(1)
    assert received.envelope_to == ["carol@example.com"]
    assert received.subject == SUBJECT
    assert "storefront API" in received.text
    [row] = outbox_rows()
    assert row.template == catalog.CUSTOMER_USER_TEMPLATE


def test_an_application_without_an_owner_sends_nothing(
    mctx: Flask, smtp_server: SMTPServer
) -> None:
    make_application(grant=Grant.PASSWORD)
    assert outbox_rows() == []
    assert smtp_server.messages == []


def test_a_disabled_rule_sends_nothing(mctx: Flask, smtp_server: SMTPServer) -> None:
    rules.save_rule(catalog.APPLICATION_CREATED, False, True, "audit@example.com")
    org = make_org()
    make_application(org, owner=make_user(orgs=[org]))
    assert outbox_rows() == []
    assert smtp_server.messages == []


def test_additional_recipients_get_the_message_too(mctx: Flask, smtp_server: SMTPServer) -> None:
    rules.save_rule(catalog.APPLICATION_CREATED, True, True, "audit@example.com, sec@example.com")
    org = make_org()
    make_application(org, "Watched", owner=make_user("wendy", orgs=[org]))
    received = smtp_server.wait_for(3)
    assert sorted(r.envelope_to[0] for r in received) == [
        "audit@example.com", "sec@example.com", "wendy@example.com",
    ]  # fmt: skip
    assert all(r.subject == SUBJECT and "Watched" in r.text for r in received)
    assert all(len(r.envelope_to) == 1 for r in received)  # nobody sees the others' address


def test_a_rule_without_the_owner_mails_only_the_fixed_addresses(
    mctx: Flask, smtp_server: SMTPServer
) -> None:
    rules.save_rule(catalog.APPLICATION_CREATED, True, False, "audit@example.com")
    org = make_org()
    make_application(org, owner=make_user(orgs=[org]))
    [received] = smtp_server.wait_for(1)
    assert received.envelope_to == ["audit@example.com"]


def test_a_refused_creation_leaves_no_message(mctx: Flask, smtp_server: SMTPServer) -> None:
    org = make_org()
    owner = make_user(orgs=[org])
    make_application(org, "Twice", owner=owner)
    smtp_server.wait_for(1)
    with pytest.raises(Exception, match="already exists"):
        make_application(org, "Twice", owner=owner)
    assert len(outbox_rows()) == 1
    assert len(smtp_server.messages) == 1


def test_without_a_server_the_message_is_written_as_an_eml_file(
    make_app: AppFactory, tmp_path: Path
) -> None:
    folder = tmp_path / "outbox-files"
    app = make_app(mail={"server": "", "directory": str(folder), "send_after_commit": True})
    with app.app_context():
        org = make_org()
        _, secret = make_application(org, "Offline", owner=make_user("otto", orgs=[org]))
        [row] = outbox_rows()
        assert row.status == OutboxStatus.SENT.value
    [eml] = folder.glob("*.eml")
    raw = eml.read_bytes()
    assert b"To: otto@example.com" in raw
    assert b"Offline" in raw
    assert secret.encode() not in raw
    assert not list(folder.glob(".*.tmp"))
