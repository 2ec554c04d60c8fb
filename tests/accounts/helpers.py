"""Helpers for driving the back-office through the test client."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.factories import PASSWORD


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def log_in(
    client: FlaskClient, username: str, password: str = PASSWORD, next_url: str = ""
) -> TestResponse:
    token = csrf_token(client)
    form = {"csrf_token": token, "username": username, "password": password, "next": next_url}
    return client.post("/login", data=form)


def current_page(number: int) -> str:
    """How a list's pager marks the page shown."""
    hidden = '<span class="visually-hidden">Page </span>'
    return f'<span class="current" aria-current="page">{hidden}{number}</span>'
