"""Operator commands: thin click wrappers over service functions."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from oauthapp.cli.accounts import customers, orgs, users
    from oauthapp.cli.demo import demo
    from oauthapp.cli.mail import mail
    from oauthapp.cli.oauth import oauth

    for command in (oauth, orgs, users, customers, demo, mail):
        app.cli.add_command(command)
