"""Entry point: `flask --app app …` and `gunicorn app:app`."""

import sys

from oauthapp import SettingsError, create_app

try:
    app = create_app()
except SettingsError as error:
    print(f"oauthapp cannot start: {error}", file=sys.stderr)
    raise SystemExit(2) from None
