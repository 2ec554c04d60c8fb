"""System > Emails refuses a template over a resource limit, on Save and on Preview, quickly."""

from __future__ import annotations

import html
import time

import pytest
from flask.testing import FlaskClient

from tests.applications.conftest import post_form
from tests.notifications.conftest import edited, text_of
from tests.notifications.test_sandbox import ATTACKS

USER_EN = "/admin/email/templates/user_oauth_application_created/en"
BUTTONS = {"save": {}, "preview": {"preview": "Preview"}}


@pytest.mark.parametrize("button", BUTTONS)
@pytest.mark.parametrize(("source", "message"), ATTACKS.values(), ids=ATTACKS.keys())
def test_a_template_over_a_limit_is_a_form_error_naming_the_limit(
    root: FlaskClient, source: str, message: str, button: str
) -> None:
    started = time.monotonic()
    response = post_form(root, USER_EN, {**edited("Subject", source), **BUTTONS[button]})
    assert time.monotonic() - started < 10
    assert response.status_code == 200
    page = html.unescape(response.get_data(as_text=True))
    errors = page.split('id="body_text-errors"')[1].split("</")[0]
    assert message in errors
    assert "Preview with sample data" not in page
    assert 'value="OAuth application added to your account"' in text_of(root, USER_EN)
