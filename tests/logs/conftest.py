"""What the root handler that oauthapp.logs installs writes, for the tests to read."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from oauthapp.logs import HANDLER


class Written:
    """The lines the handler wrote while the test ran."""

    def __init__(self) -> None:
        self.stream = io.StringIO()

    def lines(self) -> list[str]:
        return self.stream.getvalue().splitlines()

    def entries(self) -> list[dict[str, Any]]:
        """Every line as JSON: each must be one object."""
        return [json.loads(line) for line in self.lines()]


@pytest.fixture
def written(app: Flask) -> Iterator[Written]:
    """Once an app (and the database it migrated) exists: the apps built after it keep that
    handler, in their own format."""
    [handler] = [h for h in logging.getLogger().handlers if h.get_name() == HANDLER]
    assert isinstance(handler, logging.StreamHandler)
    kept = Written()
    previous = handler.setStream(kept.stream)
    yield kept
    handler.setStream(previous)
