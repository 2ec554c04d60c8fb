"""Text no database can store, in any field of any back-office form: a form error, never a 500.

Each form below is first sent as it is, to show that it would change the database; then once per
field with a NUL byte in that field's value: the answer is the form again (200 or 400) with the
message beside the field (or above the form for a hidden one), and nothing is written. Lone
surrogates cannot travel in a form body (the server keeps invalid UTF-8 percent-encoded), so every
form class is also given one directly.
"""

from __future__ import annotations

import html
import importlib
import pkgutil
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

import oauthapp
from oauthapp.applications import once
from oauthapp.extensions import db
from oauthapp.forms import INVALID_TEXT, Form, storable
from oauthapp.models import OAuthApplication
from oauthapp.notifications import catalog
from tests.applications.conftest import (
    CREATE,
    FRONTEND_CREATE,
    World,
    build_world,
    form_token,
    logged_in,
)
from tests.applications.helpers import CALLBACK, make_code_application
from tests.factories import PASSWORD
from tests.security.authorization_support import snapshot

EMAIL = "/admin/email"
BAD = {"NUL": "\x00"}
Values = dict[str, Any]


@dataclass(frozen=True)
class Case:
    """A form someone may send, valid as built, and the fields to spoil one at a time."""

    name: str
    actor: str | None  # None: not logged in
    path: Callable[[World, Values], str]
    form: Callable[[World, Values], dict[str, Any]]
    fields: tuple[str, ...]
    success: tuple[int, ...]  # what the valid form answers
    one_time: bool = False
    writes: bool = True  # whether the valid form changes the database


def template_form(world: World, values: Values) -> dict[str, Any]:
    text = catalog.builtin(catalog.USER_TEMPLATE, "en")
    return {
        "subject": f"{text.subject} (edited)",
        "body_text": text.body_text,
        "body_html": text.body_html,
        "submit": "Save",
    }


CASES = [
    Case(
        "login",
        None,
        lambda world, values: "/login",
        lambda world, values: {"username": "alice", "password": PASSWORD, "next": "/admin/"},
        ("username", "password", "next"),
        (302,),
        writes=False,
    ),
    Case(
        "create client credentials",
        "alice",
        lambda world, values: CREATE,
        lambda world, values: {
            "organization": str(world.acme),
            "name": "Unstorable CC",
            "active": "y",
            "grant": "client_credentials",
            "owner": str(world.alice),
        },
        ("name", "organization", "grant", "owner", "active", "submit", "form_token"),
        (303,),
        one_time=True,
    ),
    Case(
        "create authorization code",
        "alice",
        lambda world, values: CREATE,
        lambda world, values: {
            "organization": str(world.acme),
            "name": "Unstorable Web",
            "active": "y",
            "grant": "authorization_code",
            "redirect_uris": [CALLBACK, "https://app.example/second"],
            "confidential": "y",
        },
        ("name", "redirect_uris"),
        (303,),
        one_time=True,
    ),
    Case(
        "create storefront",
        "alice",
        lambda world, values: FRONTEND_CREATE,
        lambda world, values: {
            "organization": str(world.acme),
            "name": "Unstorable Store",
            "active": "y",
            "grant": "client_credentials",
            "owner": str(world.carol),
        },
        ("name", "owner"),
        (303,),
        one_time=True,
    ),
    Case(
        "edit",
        "alice",
        lambda world, values: f"/admin/oauth2/{values['code_app']}/edit",
        lambda world, values: {
            "name": "Renamed Web",
            "active": "y",
            "redirect_uris": [CALLBACK, "https://app.example/other"],
            "confidential": "y",
        },
        ("name", "redirect_uris", "confidential", "skip_consent"),
        (302,),
    ),
    Case(
        "regenerate secret",
        "alice",
        lambda world, values: f"/admin/oauth2/{world.alice_cc}/regenerate-secret",
        lambda world, values: {},
        ("form_token",),
        (303,),
        one_time=True,
    ),
    Case(
        "email template",
        "root",
        lambda world, values: f"{EMAIL}/templates/{catalog.USER_TEMPLATE}/en",
        template_form,
        ("subject", "body_text", "body_html", "submit"),
        (302,),
    ),
    Case(
        "notification rule",
        "root",
        lambda world, values: f"{EMAIL}/notification-rules/{catalog.APPLICATION_CREATED}",
        lambda world, values: {"enabled": "y", "recipients": "audit@example.com\nsec@example.com"},
        ("recipients", "enabled", "notify_owner"),
        (302,),
    ),
]


@pytest.fixture
def world(app: Flask) -> World:
    with app.app_context():
        return build_world()


def spoiled(value: Any, bad: str) -> Any:
    """VALUE with BAD inside it; for a list of values, inside its last one."""
    if isinstance(value, list):
        return [*value[:-1], spoiled(value[-1], bad)]
    text = str(value)
    return text[: len(text) // 2] + bad + text[len(text) // 2 :]


def client_for(app: Flask, actor: str | None) -> tuple[FlaskClient, str]:
    """A client (logged in as ACTOR) and the CSRF token of its session."""
    if actor is None:
        client = app.test_client()
        return client, form_token(client, "/login")
    client = logged_in(app, actor)
    return client, form_token(client, "/admin/")


def fresh_form_token(app: Flask) -> str:
    with app.test_request_context():
        return once.new_form_token()


def messages(page: str) -> list[str]:
    """Every validation message on the page: beside fields and above the form."""
    items = re.findall(r'<ul class="field-errors"[^>]*>(.*?)</ul>', page, re.DOTALL)
    beside = [item for block in items for item in re.findall(r"<li>(.*?)</li>", block)]
    above = re.findall(r'<div class="alert alert-error" role="alert">(.*?)</div>', page, re.DOTALL)
    return [html.unescape(text) for text in beside + above]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_a_nul_byte_in_any_field_is_a_form_error_and_writes_nothing(
    app: Flask, world: World, case: Case
) -> None:
    values = {"code_app": make_code_application(app, world.acme, "Unstorable Code")[0]}
    client, csrf = client_for(app, case.actor)
    path = case.path(world, values)

    def send(form: dict[str, Any]) -> Any:
        data = {**form, "csrf_token": csrf}
        if case.one_time and "form_token" not in data:
            data["form_token"] = fresh_form_token(app)
        return client.post(path, data=data)

    for field in case.fields:
        for label, bad in BAD.items():
            form = case.form(world, values)
            form[field] = spoiled(form.get(field) or fresh_form_token(app), bad)
            before = snapshot(app)

            response = send(form)

            page = response.get_data(as_text=True)
            where = f"{case.name}: {label} in {field}"
            assert response.status_code in (200, 400), f"{where}: {response.status_code}"
            assert any(INVALID_TEXT in message for message in messages(page)), where
            assert "\x00" not in page, where
            assert snapshot(app) == before, f"{where}: the database changed"

    before = snapshot(app)
    response = send(case.form(world, values))
    assert response.status_code in case.success, response.get_data(as_text=True)
    assert (snapshot(app) != before) == case.writes, f"{case.name}: the valid form"


def test_a_surrogate_sent_in_a_form_body_never_reaches_the_form(app: Flask, world: World) -> None:
    """Its UTF-8 bytes are invalid: the server keeps them percent-encoded, as plain text."""
    client, csrf = client_for(app, "alice")
    body = (
        f"csrf_token={csrf}&form_token={fresh_form_token(app)}&organization={world.acme}"
        "&name=Half%ED%A0%80Pair&active=y&grant=password"
    )

    response = client.post(CREATE, data=body, content_type="application/x-www-form-urlencoded")

    assert response.status_code == 303, response.get_data(as_text=True)
    with app.app_context():
        names = db.session.scalars(
            select(OAuthApplication.name).where(OAuthApplication.name.like("Half%"))
        ).all()
    assert len(names) == 1 and storable(names[0]), names
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert html.escape(names[0]) in page


# Every form class, given a lone surrogate and a NUL directly --------------------------------


def product_forms() -> list[type[FlaskForm]]:
    """Every form class the product defines (its modules imported first)."""
    for module in pkgutil.walk_packages(oauthapp.__path__, "oauthapp."):
        importlib.import_module(module.name)
    found: list[type[FlaskForm]] = []
    pending: list[type[FlaskForm]] = [FlaskForm]
    while pending:
        for subclass in pending.pop().__subclasses__():
            pending.append(subclass)
            if subclass.__module__.startswith("oauthapp."):
                found.append(subclass)
    return found


def test_every_form_of_the_product_is_built_on_the_base_form() -> None:
    forms = product_forms()

    assert len(forms) >= 10, [form.__name__ for form in forms]
    assert [form.__name__ for form in forms if not issubclass(form, Form)] == []


@pytest.mark.parametrize("bad", ["\ud800", "\udfff", "a\x00b", "\x00"])
def test_every_text_field_of_every_form_refuses_unstorable_text(app: Flask, bad: str) -> None:
    checked = 0
    for form_class in product_forms():
        if form_class is Form:
            continue
        with app.test_request_context("/", method="POST"):
            probe = form_class(meta={"csrf": False})
            names = [field.name for field in probe]
            formdata = MultiDict([(name, f"x{bad}y") for name in names])
            form = form_class(formdata=formdata, meta={"csrf": False})

            assert not form.validate(), form_class.__name__
            for name in names:
                field = form[name]
                assert field.errors == [INVALID_TEXT], (form_class.__name__, name, field.errors)
                shown = field._value() if hasattr(field, "_value") else str(field.data)
                shown.encode("utf-8")  # a page can show it again
                assert "\x00" not in str(field.data), (form_class.__name__, name)
                checked += 1
    assert checked >= 15, checked
