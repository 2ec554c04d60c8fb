"""The user's browser for docs/api.md's native example: `webbrowser.open` runs it (BROWSER).

It signs in as the demo user whose password is in PASSWORD (the example's `user`), presses
Grant, and brings the redirect to the example's loopback listener, as the user's browser would
(an error redirect, after saying what went wrong, if it cannot).
`webbrowser` waits for its browser command, while the example listens only after that returns:
so the command starts the work in a process of its own and returns at once.
"""

from __future__ import annotations

import os
import subprocess
import sys
import traceback
from urllib.parse import parse_qs, urlsplit

import requests

from tests.authorize.real_server import TIMEOUT, log_in_and_grant

USER = "jane"


def main(url: str) -> None:
    parts = urlsplit(url)
    redirect = log_in_and_grant(
        f"{parts.scheme}://{parts.netloc}",
        url,
        {"username": USER, "password": os.environ["PASSWORD"]},
    )
    requests.get(redirect.headers["Location"], timeout=TIMEOUT)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--now"]:
        try:
            main(sys.argv[2])
        except Exception:
            # Said on the example's standard error; then the redirect with an error, so that the
            # example stops waiting and fails at once.
            traceback.print_exc()
            redirect_uri = parse_qs(urlsplit(sys.argv[2]).query)["redirect_uri"][0]
            requests.get(f"{redirect_uri}?error=the_browser_failed", timeout=TIMEOUT)
    else:
        subprocess.Popen(
            [sys.executable, "-m", "tests.docs_browser", "--now", sys.argv[1]],
            start_new_session=True,
        )
