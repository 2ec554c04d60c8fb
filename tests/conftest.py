"""Fixtures: a fresh app and database per test, on SQLite or (when set) PostgreSQL and Redis."""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from flask_migrate import upgrade
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket
from sqlalchemy import Table, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import StaticPool

from oauthapp import create_app
from oauthapp.extensions import db
from oauthapp.keys import generate_keys
from oauthapp.usage import recorder_of

BASE_DATABASE_URL = os.environ.get("OAUTHAPP_TEST_DATABASE_URL", "")
# Under pytest-xdist each worker gets its own database beside the named one (test -> test_gw0).
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
TEST_DATABASE_URL = (
    make_url(BASE_DATABASE_URL)
    .set(database=f"{make_url(BASE_DATABASE_URL).database}_{WORKER}")
    .render_as_string(hide_password=False)
    if BASE_DATABASE_URL and WORKER
    else BASE_DATABASE_URL
)
TEST_REDIS_URL = os.environ.get("OAUTHAPP_TEST_REDIS_URL", "")
FAST_ARGON2 = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}

AppFactory = Callable[..., Flask]


class ClosingClient(FlaskClient):
    """A test client that closes each response, as a real server does after sending it.

    Work scheduled with `call_on_close` (mail after the response) runs, as in production.
    """

    def open(self, *args: Any, buffered: bool = True, **kwargs: Any) -> Any:
        return super().open(*args, buffered=buffered, **kwargs)


class SharedBytecodeCache(BytecodeCache):
    """Compiled templates kept for the whole run, shared by every app the tests build.

    Each test builds a fresh app, whose Jinja environment would otherwise compile every template
    it renders again. Jinja checks each entry against the template's source before using it.
    """

    def __init__(self) -> None:
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()


TEMPLATE_CACHE = SharedBytecodeCache()


def deep_merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


# Files that start servers, browsers or many processes. They run first, each whole on one
# worker (`--dist loadfile --no-loadscope-reorder`), so that the workers finish together on
# the many quick tests instead of one of them on a long file while the other has nothing left.
SLOW_FIRST = (
    "tests/e2e/",
    "tests/openapi/",
    "tests/test_docs.py",
    "tests/test_first_run.py",
    "tests/authorize/test_real_client.py",
    "tests/oidc/test_real_relying_party.py",
    "tests/test_startup_races.py",
    "tests/cli/test_failures.py",
    "tests/security/test_authorization_matrix.py",
)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Move the slow files to the front in SLOW_FIRST's order, keeping each file's tests' order."""

    def rank(item: pytest.Item) -> int:
        found = (n for n, prefix in enumerate(SLOW_FIRST) if item.nodeid.startswith(prefix))
        return next(found, len(SLOW_FIRST))

    items.sort(key=rank)


# The module-scoped fixtures (file, name, parameter) this process has set up.
_MODULE_SETUPS: set[tuple[str, str, int]] = set()


@pytest.hookimpl(tryfirst=True)
def pytest_fixture_setup(
    fixturedef: pytest.FixtureDef[Any], request: pytest.FixtureRequest
) -> None:
    """Fail a test whose module-scoped fixture (a server, a world) is set up a second time.

    That happens when the tests of one file are spread over several workers, or interleaved
    with other files' on one: each worker, and each return to the file, starts its servers
    anew. `--dist loadfile` (setup.cfg) keeps a file's tests together; this says when it stops
    doing so. The workers of a run share the parent of their base temporary folders.
    """
    if fixturedef.scope != "module":
        return
    file = request.node.nodeid.split("::")[0]
    key = (file, fixturedef.argname, getattr(request, "param_index", 0))
    again = key in _MODULE_SETUPS
    _MODULE_SETUPS.add(key)
    if WORKER and not again:
        factory: pytest.TempPathFactory = request.getfixturevalue("tmp_path_factory")
        marks = factory.getbasetemp().parent / "module-setups"
        marks.mkdir(exist_ok=True)
        mark = marks / "-".join(str(part) for part in key).replace("/", "_")
        try:
            mark.touch(exist_ok=False)
        except FileExistsError:
            again = True
    if again:
        raise pytest.UsageError(
            f"{key[1]} of {key[0]} is set up a second time in this run: the file's tests did "
            "not run together on one worker (keep `--dist loadfile` in setup.cfg's addopts)"
        )


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Tests never read the developer's config.yml or environment overrides."""
    empty = tmp_path / "empty-config.yml"
    empty.write_text("{}\n")
    monkeypatch.setenv("OAUTHAPP_CONFIG", str(empty))
    monkeypatch.delenv("OAUTHAPP_DATABASE_URL", raising=False)
    monkeypatch.delenv("OAUTHAPP_REDIS_URL", raising=False)


@pytest.fixture(scope="session")
def key_pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("keys")
    private, public = folder / "private.key", folder / "public.key"
    generate_keys(private, public, "RS256")
    return private, public


def base_settings(tmp: Path, key_pair: tuple[Path, Path]) -> dict[str, Any]:
    return {
        # One secret key for the run (beside the key pair), so that client secrets hashed in a
        # database snapshot (tests/applications/conftest.py) verify in every test's app.
        "secret_key_file": str(key_pair[0].parent / "secret_key"),
        "oauth2_server": {
            "authorization_server": {"private_key": str(key_pair[0])},
            "resource_server": {"public_key": str(key_pair[1])},
        },
        "rate_limit": {"storage_url": TEST_REDIS_URL or "memory://"},
        # Mail is recorded in the outbox but not sent, but where a test asks for delivery.
        "mail": {"server": "", "send_after_commit": False},
        "OAUTHAPP_ARGON2": FAST_ARGON2,
        # Rate-limit counters of one test never meet another's in a shared Redis.
        "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        "TESTING": True,
    }


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory, key_pair: tuple[Path, Path]) -> Path:
    """A SQLite file migrated once; each test gets an in-memory copy."""
    folder = tmp_path_factory.mktemp("template")
    path = folder / "template.sqlite"
    settings = deep_merge(
        base_settings(folder, key_pair), {"database": {"url": f"sqlite:///{path}"}}
    )
    with config_env(folder):
        app = create_app(settings)
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_ready(tmp_path_factory: pytest.TempPathFactory, key_pair: tuple[Path, Path]) -> bool:
    """Migrate the PostgreSQL test database from empty, once per run."""
    if TEST_DATABASE_URL != BASE_DATABASE_URL:
        _create_database(make_url(TEST_DATABASE_URL).database or "")
    folder = tmp_path_factory.mktemp("pg")
    settings = deep_merge(base_settings(folder, key_pair), {"database": {"url": TEST_DATABASE_URL}})
    with config_env(folder):
        app = create_app(settings)
    with app.app_context():
        with db.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        upgrade()
        db.engine.dispose()
    return True


def _create_database(name: str) -> None:
    engine = create_engine(BASE_DATABASE_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        exists = connection.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        )
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        # A test database's commits need not wait for the disk: nothing in it outlives the run.
        connection.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    engine.dispose()


class config_env:
    """Point OAUTHAPP_CONFIG at an empty file while session fixtures build an app."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / "config.yml"
        self.path.write_text("{}\n")

    def __enter__(self) -> None:
        self.saved = os.environ.get("OAUTHAPP_CONFIG")
        os.environ["OAUTHAPP_CONFIG"] = str(self.path)

    def __exit__(self, *exc: object) -> None:
        if self.saved is None:
            os.environ.pop("OAUTHAPP_CONFIG", None)
        else:
            os.environ["OAUTHAPP_CONFIG"] = self.saved


@pytest.fixture
def make_app(
    request: pytest.FixtureRequest, tmp_path: Path, key_pair: tuple[Path, Path]
) -> Iterator[AppFactory]:
    """Build an app on this test's fresh database, with extra settings merged in."""
    built: list[Flask] = []

    def factory(**extra: Any) -> Flask:
        settings = deep_merge(base_settings(tmp_path, key_pair), _database_settings(request))
        app = create_app(deep_merge(settings, extra))
        app.test_client_class = ClosingClient
        app.jinja_env.bytecode_cache = TEMPLATE_CACHE
        built.append(app)
        return app

    yield factory
    for app in built:
        recorder_of(app).stop()  # no usage counts written into a later test's database
        with app.app_context():
            db.session.remove()
            if TEST_DATABASE_URL:
                empty_all()
            db.engine.dispose()


def _database_settings(request: pytest.FixtureRequest) -> dict[str, Any]:
    if TEST_DATABASE_URL:
        request.getfixturevalue("postgres_ready")
        return {"database": {"url": TEST_DATABASE_URL}}
    template = request.getfixturevalue("sqlite_template")

    def connect() -> sqlite3.Connection:
        connection = sqlite3.connect(":memory:", check_same_thread=False)
        source = sqlite3.connect(template)
        source.backup(connection)
        source.close()
        return connection

    return {
        "database": {"url": "sqlite://"},
        "SQLALCHEMY_ENGINE_OPTIONS": {"creator": connect, "poolclass": StaticPool},
    }


def empty_all() -> None:
    """Delete every row and restart every sequence, as TRUNCATE … RESTART IDENTITY would.

    DELETE of a test's few rows takes a few milliseconds; TRUNCATE gives each table a new file
    and costs a tenth of a second or more on every test.
    """
    with db.engine.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):  # rows that point at others go first
            connection.execute(table.delete())
        connection.execute(text(RESTART_SEQUENCES))


@dataclass(frozen=True)
class Rows:
    """What a PostgreSQL test database holds: each table's rows, and each sequence's position."""

    tables: list[tuple[Table, list[dict[str, Any]]]]
    sequences: list[tuple[str, int]]


def read_rows() -> Rows:
    """Every row of the app's PostgreSQL database, to be written back by `write_rows`."""
    with db.engine.connect() as connection:
        tables = [
            (table, [dict(row) for row in connection.execute(table.select()).mappings()])
            for table in db.metadata.sorted_tables
        ]
        sequences = connection.execute(
            text(
                "SELECT sequencename, last_value FROM pg_sequences "
                "WHERE schemaname = 'public' AND last_value IS NOT NULL"
            )
        )
        return Rows(tables, [(name, value) for name, value in sequences])


def write_rows(rows: Rows) -> None:
    """Put ROWS into the app's empty PostgreSQL database, sequences where they were."""
    with db.engine.begin() as connection:
        for table, found in rows.tables:
            if found:
                connection.execute(table.insert(), found)
        for name, value in rows.sequences:
            connection.execute(text("SELECT setval(:name, :value)"), {"name": name, "value": value})


RESTART_SEQUENCES = (
    "SELECT setval(c.oid, 1, false) FROM pg_class c "
    "WHERE c.relkind = 'S' AND c.relnamespace = 'public'::regnamespace"
)


@pytest.fixture(params=["missing", "unreadable"])
def keyless_app(request: pytest.FixtureRequest, make_app: Any, tmp_path: Path) -> Flask:
    """An app whose key files are missing, or hold something that is not a key."""
    private, public = tmp_path / "server.key", tmp_path / "server.pub"
    if request.param == "unreadable":
        private.write_text("not a key\n")
        private.chmod(0o600)
        public.write_text("not a key either\n")
    return make_app(
        oauth2_server={
            "authorization_server": {"private_key": str(private)},
            "resource_server": {"public_key": str(public)},
        }
    )


@pytest.fixture
def app(make_app: AppFactory) -> Flask:
    return make_app()


@pytest.fixture
def ctx(app: Flask) -> Iterator[Flask]:
    """An application context for service-level tests."""
    with app.app_context():
        yield app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def cli(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()
