"""A command that cannot reach its database, finds no schema or an old one, fails in one line
with exit status 1 and says what to do next; never a traceback. Real processes, real databases."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import yaml

from oauthapp.settings import ROOT

POSTGRES_URL = os.environ.get("OAUTHAPP_TEST_DATABASE_URL", "")
UPGRADE = "run `flask --app app db upgrade`"


def run(tmp_path: Path, database_url: str, *args: str) -> tuple[int, list[str]]:
    config = tmp_path / "config.yml"
    config.write_text(
        yaml.safe_dump(
            {"database": {"url": database_url}, "secret_key_file": str(tmp_path / "secret_key")}
        )
    )
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "OAUTHAPP_CONFIG": str(config)}
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    return result.returncode, result.stderr.strip().splitlines()


def test_a_database_without_a_schema_says_to_upgrade(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.sqlite'}"
    code, lines = run(tmp_path, url, "orgs", "create", "Acme")
    assert code == 1
    assert lines == [
        f"Error: The database '{url}' has no schema yet (at no migration, this version needs "
        f"{head()}): {UPGRADE}."
    ]


def test_a_schema_behind_the_code_says_which_migration_and_to_upgrade(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    assert run(tmp_path, url, "db", "upgrade", "0006")[0] == 0
    assert run(tmp_path, url, "orgs", "create", "Acme")[0] == 0
    code, lines = run(
        tmp_path, url, "oauth", "create-app", "--org", "Acme", "--name", "Web",
        "--grant", "authorization_code", "--redirect-uri", "https://app.example.com/cb",
    )  # fmt: skip
    assert code == 1
    assert lines == [
        "Error: The database schema is behind this version "
        f"(at 0006, this version needs {head()}): {UPGRADE}."
    ]


@pytest.mark.skipif(not POSTGRES_URL.startswith("postgresql"), reason="needs PostgreSQL")
def test_a_missing_postgresql_database_says_to_create_it(tmp_path: Path) -> None:
    url = POSTGRES_URL.rsplit("/", 1)[0] + f"/missing_{uuid.uuid4().hex[:8]}"
    for command in (("db", "upgrade"), ("orgs", "create", "Acme")):
        code, lines = run(tmp_path, url, *command)
        assert code == 1, command
        assert len(lines) == 1, lines
        assert "does not exist: create it (createdb) or fix database.url." in lines[0]


def test_an_unreachable_database_says_to_start_it(tmp_path: Path) -> None:
    url = "postgresql+psycopg://postgres@127.0.0.1:1/oauthapp"  # nothing listens on port 1
    code, lines = run(tmp_path, url, "users", "create", "ann", "--email", "ann@example.com",
                      "--password", "correct horse battery staple", "--org", "Acme")  # fmt: skip
    assert code == 1
    assert len(lines) == 1, lines
    assert lines[0].startswith("Error: Cannot connect to the database")
    assert lines[0].endswith("start it, or fix database.url.")


def head() -> str:
    versions = sorted((ROOT / "migrations" / "versions").glob("0*.py"))
    return versions[-1].name.split("_", 1)[0]


def test_missing_keys_say_how_to_make_them(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'keys.sqlite'}"
    assert run(tmp_path, url, "db", "upgrade")[0] == 0
    code, lines = run(tmp_path, url, "oauth", "rotate-keys")
    assert code == 1
    assert len(lines) == 1, lines
    assert "No such file" in lines[0] and "run `flask --app app oauth generate-keys`" in lines[0]
