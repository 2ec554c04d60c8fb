"""Operator commands: thin click wrappers over service functions."""

from __future__ import annotations

import click
from flask import Flask


def init_app(app: Flask) -> None:
    from flask_migrate.cli import db as migrations

    from oauthapp.cli.accounts import customers, orgs, users
    from oauthapp.cli.demo import demo
    from oauthapp.cli.failures import explain_all, explained
    from oauthapp.cli.mail import mail
    from oauthapp.cli.oauth import oauth

    explain_all(migrations)  # `flask db upgrade` on a missing database: one line too
    for command in (oauth, orgs, users, customers, demo, mail):
        if isinstance(command, click.Group):
            explain_all(command)
        elif command.callback is not None:
            command.callback = explained(command.callback)
        app.cli.add_command(command)
