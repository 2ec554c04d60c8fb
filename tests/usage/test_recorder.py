"""Token requests are counted in memory per application and hour, and written now and then."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import text

from oauthapp import create_app
from oauthapp.applications import service
from oauthapp.cache.tracking import WATCHED
from oauthapp.extensions import db
from oauthapp.models import OAuthApplication
from oauthapp.usage import recorder_of
from oauthapp.usage.recorder import flush_all
from tests.conftest import TEST_DATABASE_URL, base_settings, deep_merge
from tests.token.grant_support import new_application
from tests.token.helpers import client_credentials
from tests.usage.support import (
    hour_key,
    request_tokens,
    stored_rows,
    this_hour,
    wait_for_rows,
)


def rename_usage_table(app: Flask, old: str, new: str) -> None:
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(text(f"ALTER TABLE {old} RENAME TO {new}"))


def test_token_requests_are_counted_in_memory_without_a_write(app: Flask) -> None:
    registered = new_application(app)

    request_tokens(app, registered, issued=3, refused=2)

    assert recorder_of(app).pending() == {(registered.id, hour_key(this_hour())): [3, 2]}
    assert stored_rows(app) == {}


def test_requests_that_name_no_application_are_not_counted(app: Flask) -> None:
    client_credentials(app.test_client(), "no-such-client", "x")

    assert recorder_of(app).pending() == {}


def test_a_flush_adds_the_counts_to_the_hour_already_stored(app: Flask) -> None:
    registered, other = new_application(app), new_application(app)
    recorder = recorder_of(app)
    request_tokens(app, registered, issued=2, refused=1)
    assert recorder.flush()

    request_tokens(app, registered, issued=1, refused=3)
    request_tokens(app, other, issued=1, refused=0)
    assert recorder.flush()

    assert stored_rows(app) == {
        (registered.id, this_hour()): (3, 4),
        (other.id, this_hour()): (1, 0),
    }
    assert recorder.pending() == {}


def test_a_failed_flush_keeps_the_counts_and_tokens_are_still_issued(app: Flask) -> None:
    registered = new_application(app)
    recorder = recorder_of(app)
    request_tokens(app, registered, issued=2, refused=1)
    rename_usage_table(app, "oauth_token_usage", "usage_away")
    try:
        assert not recorder.flush()
        request_tokens(app, registered, issued=1, refused=0)
    finally:
        rename_usage_table(app, "usage_away", "oauth_token_usage")

    assert recorder.pending() == {(registered.id, hour_key(this_hour())): [3, 1]}
    assert recorder.flush()
    assert stored_rows(app) == {(registered.id, this_hour()): (3, 1)}


def test_counts_of_an_application_deleted_meanwhile_are_dropped(app: Flask) -> None:
    registered, kept = new_application(app), new_application(app)
    request_tokens(app, registered, issued=2, refused=0)
    request_tokens(app, kept, issued=1, refused=0)
    with app.app_context():
        service.delete_application(db.session.get_one(OAuthApplication, registered.id))

    assert recorder_of(app).flush()

    assert stored_rows(app) == {(kept.id, this_hour()): (1, 0)}
    assert recorder_of(app).pending() == {}


def test_deleting_an_application_deletes_its_usage(app: Flask) -> None:
    registered, kept = new_application(app), new_application(app)
    request_tokens(app, registered, issued=2, refused=1)
    request_tokens(app, kept, issued=1, refused=1)
    recorder_of(app).flush()

    with app.app_context():
        service.delete_application(db.session.get_one(OAuthApplication, registered.id))

    assert stored_rows(app) == {(kept.id, this_hour()): (1, 1)}


def test_writing_usage_is_no_change_the_caches_watch() -> None:
    assert "oauth_token_usage" not in WATCHED


def test_the_exit_flush_writes_what_the_worker_still_holds(app: Flask) -> None:
    registered = new_application(app)
    request_tokens(app, registered, issued=1, refused=2)

    flush_all()

    assert stored_rows(app) == {(registered.id, this_hour()): (1, 2)}


@pytest.fixture
def threaded_app(
    request: pytest.FixtureRequest, tmp_path: Path, key_pair: tuple[Path, Path]
) -> Iterator[Flask]:
    """An app flushing every second; on SQLite a database file of its own, for the thread."""
    if TEST_DATABASE_URL:
        yield request.getfixturevalue("make_app")(usage={"flush_interval": 1})
        return
    path = tmp_path / "usage.sqlite"
    shutil.copy(request.getfixturevalue("sqlite_template"), path)
    settings = deep_merge(base_settings(tmp_path, key_pair), {
        "usage": {"flush_interval": 1}, "database": {"url": f"sqlite:///{path}"}})  # fmt: skip
    app = create_app(settings)
    yield app
    recorder_of(app).stop()
    with app.app_context():
        db.engine.dispose()


def test_the_worker_writes_its_counts_every_interval(threaded_app: Flask) -> None:
    registered = new_application(threaded_app)

    request_tokens(threaded_app, registered, issued=2, refused=1)

    assert wait_for_rows(threaded_app) == {(registered.id, this_hour()): (2, 1)}
    assert recorder_of(threaded_app).pending() == {}
