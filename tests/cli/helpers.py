"""Helpers shared by the operator command tests."""

from __future__ import annotations

from typing import Any

from click.testing import Result
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from oauthapp.extensions import db


def invoke(cli: FlaskCliRunner, *args: str, input: str | None = None) -> Result:
    """Run `flask ARGS...` against the test app."""
    return cli.invoke(args=list(args), input=input)


def count(app: Flask, model: Any, *where: Any) -> int:
    """How many rows of model match the conditions."""
    with app.app_context():
        query = select(func.count()).select_from(model)
        if where:
            query = query.where(*where)
        return int(db.session.scalar(query) or 0)
