"""An authorization-code application and a browser signed in to use it."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.authorize.helpers import CodeApp, browser_for, new_code_app


@pytest.fixture
def code_app(app: Flask) -> CodeApp:
    """A confidential back-office application with one redirect URL."""
    return new_code_app(app)


@pytest.fixture
def browser(app: Flask, code_app: CodeApp) -> FlaskClient:
    """A browser with a user of the application's organization logged in."""
    return browser_for(app, code_app)[0]
