"""The outbox: a mail failure never blocks the creation; queued mail goes out once, later."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import update

from oauthapp import get_settings
from oauthapp.extensions import db
from oauthapp.models import OutboxMessage, OutboxStatus, utcnow
from oauthapp.notifications import outbox
from tests.conftest import AppFactory
from tests.factories import make_application, make_org, make_user
from tests.mailserver import SMTPServer
from tests.notifications.conftest import outbox_rows, smtp_settings


@pytest.fixture
def down_app(make_app: AppFactory, smtp_server: SMTPServer) -> Flask:
    """An app whose SMTP server is not running (connections are refused)."""
    smtp_server.stop()
    return make_app(**smtp_settings(smtp_server))


def create_one(name: str = "Queued app") -> str:
    org = make_org()
    _, secret = make_application(org, name, owner=make_user(orgs=[org]))
    return secret


def send_queued(app: Flask, *args: str) -> str:
    runner: FlaskCliRunner = app.test_cli_runner()
    result = runner.invoke(args=["mail", "send-queued", *args])
    return str(result.output)


def test_smtp_down_the_creation_succeeds_and_the_message_stays_queued(down_app: Flask) -> None:
    with down_app.app_context():
        create_one()
        [row] = outbox_rows()
    assert row.status == OutboxStatus.QUEUED.value
    assert row.attempts == 1
    assert "ConnectionRefusedError" in row.last_error
    assert row.next_attempt_at > utcnow() + timedelta(seconds=50)  # first back-off: a minute


def test_queued_mail_is_sent_once_the_server_is_back(
    down_app: Flask, smtp_server: SMTPServer
) -> None:
    with down_app.app_context():
        secret = create_one("Late mail")
    smtp_server.start()
    assert "Sent 0" in send_queued(down_app)  # still waiting out its back-off
    assert smtp_server.messages == []
    assert "Sent 1, to retry later 0, failed 0." in send_queued(down_app, "--all")
    [received] = smtp_server.wait_for(1)
    assert "Late mail" in received.text and secret not in received.text
    assert "Sent 0" in send_queued(down_app, "--all")
    assert len(smtp_server.messages) == 1
    with down_app.app_context():
        assert [(r.status, r.attempts) for r in outbox_rows()] == [("sent", 2)]


def test_a_due_message_is_sent_by_send_queued_without_all(
    down_app: Flask, smtp_server: SMTPServer
) -> None:
    with down_app.app_context():
        create_one()
        db.session.execute(update(OutboxMessage).values(next_attempt_at=utcnow()))
        db.session.commit()
    smtp_server.start()
    assert "Sent 1" in send_queued(down_app)
    assert len(smtp_server.wait_for(1)) == 1


def test_send_queued_exits_1_while_mail_cannot_be_delivered(down_app: Flask) -> None:
    with down_app.app_context():
        create_one()
    result = down_app.test_cli_runner().invoke(args=["mail", "send-queued", "--all"])
    assert result.exit_code == 1
    assert "Sent 0, to retry later 1, failed 0. Outbox: 1 queued, 0 failed." in result.output


def test_each_failure_waits_twice_as_long_up_to_an_hour() -> None:
    assert [outbox.backoff(n).total_seconds() / 60 for n in range(1, 9)] == [
        1, 2, 4, 8, 16, 32, 60, 60,
    ]  # fmt: skip


def test_after_the_last_attempt_the_message_is_failed(down_app: Flask) -> None:
    with down_app.app_context():
        create_one()
        db.session.execute(update(OutboxMessage).values(attempts=outbox.MAX_ATTEMPTS - 1))
        db.session.commit()
        report = outbox.send_queued(get_settings().mail, include_waiting=True)
        [row] = outbox_rows()
    assert (report.failed, row.status, row.attempts) == (1, "failed", outbox.MAX_ATTEMPTS)


def test_a_permanent_refusal_fails_at_once(mctx: Flask, smtp_server: SMTPServer) -> None:
    smtp_server.inbox.reply = "550 5.1.1 No such user"
    create_one()
    [row] = outbox_rows()
    assert row.status == OutboxStatus.FAILED.value
    assert "550" in row.last_error and "No such user" in row.last_error


def test_a_temporary_refusal_is_retried(mctx: Flask, smtp_server: SMTPServer) -> None:
    smtp_server.inbox.reply = "451 4.3.0 Try again later"
    create_one()
    [row] = outbox_rows()
    assert (row.status, row.attempts) == ("queued", 1)
    assert "451" in row.last_error
    smtp_server.inbox.reply = "250 OK"
    report = outbox.send_queued(get_settings().mail, include_waiting=True)
    assert report.sent == 1
    assert len(smtp_server.messages) == 1


def test_a_message_is_claimed_by_one_sender_only(down_app: Flask, smtp_server: SMTPServer) -> None:
    with down_app.app_context():
        create_one()
        [row] = outbox_rows()
        db.session.execute(
            update(OutboxMessage).values(status="sending", claimed_at=utcnow())
        )  # another sender is delivering it right now
        db.session.commit()
        smtp_server.start()
        settings = get_settings().mail
        assert outbox.send_one(row.id, settings, include_failed=True) is None
        assert outbox.send_queued(settings, include_waiting=True).sent == 0
        assert smtp_server.messages == []


def test_a_sender_that_died_gives_its_message_back_after_a_while(
    down_app: Flask, smtp_server: SMTPServer
) -> None:
    with down_app.app_context():
        create_one()
        stale = utcnow() - outbox.STALE_CLAIM - timedelta(seconds=1)
        db.session.execute(
            update(OutboxMessage).values(status="sending", claimed_at=stale, next_attempt_at=stale)
        )
        db.session.commit()
        smtp_server.start()
        assert outbox.send_queued(get_settings().mail).sent == 1
    assert len(smtp_server.wait_for(1)) == 1


def test_a_silent_server_times_out_instead_of_hanging(make_app: AppFactory) -> None:
    import socket

    with socket.socket() as silent:  # accepts connections, never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        app = make_app(mail={"server": "127.0.0.1", "port": port, "timeout": 1,
                             "send_after_commit": True})  # fmt: skip
        with app.app_context():
            create_one()
            [row] = outbox_rows()
    assert row.status == "queued"
    assert "timed out" in row.last_error.lower()
