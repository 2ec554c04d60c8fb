"""`mail` commands: the outbox."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from oauthapp import get_settings
from oauthapp.notifications import outbox

mail = AppGroup("mail", help="Send the email the outbox holds.")


@mail.command("send-queued")
@click.option(
    "--all",
    "include_waiting",
    is_flag=True,
    help="Also send messages waiting out their back-off, and failed ones.",
)
def send_queued(include_waiting: bool) -> None:
    """Send queued email that is due; run it from cron every minute or so."""
    report = outbox.send_queued(get_settings().mail, include_waiting)
    counts = outbox.status_counts()
    click.echo(
        f"Sent {report.sent}, to retry later {report.retrying}, failed {report.failed}."
        f" Outbox: {counts['queued']} queued, {counts['failed']} failed."
    )
    if report.retrying or report.failed:
        sys.exit(1)
