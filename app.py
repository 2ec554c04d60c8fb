"""Entry point: `flask --app app …` and `gunicorn app:app`."""

import sys

import click

from oauthapp import SettingsError, create_app, get_settings

try:
    app = create_app()
except SettingsError as error:  # one line, exit 1, whatever the command
    print(f"oauthapp cannot start: {error}", file=sys.stderr)
    raise SystemExit(1) from None

_command = click.get_current_context(silent=True)
if _command is not None and _command.info_name == "run":  # `flask run`: say what tokens name
    with app.app_context():
        print(f" * Issuer: {get_settings().oauth2_server.issuer}", file=sys.stderr)
