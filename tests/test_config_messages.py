"""Configuration mistakes a newcomer makes, answered in one line that says what to write, and
the issuer that follows the address of a local run (`make run HOST=… PORT=…`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from oauthapp.settings import ROOT, SettingsError, load_settings


def config(tmp_path: Path, text: str) -> dict[str, str]:
    path = tmp_path / "config.yml"
    path.write_text(text)
    return {"OAUTHAPP_CONFIG": str(path)}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "oauth2_server:\n  authorization_server:\n    acess_token_lifetime: 60\n",
            "unknown key 'oauth2_server.authorization_server.acess_token_lifetime': "
            "did you mean 'oauth2_server.authorization_server.access_token_lifetime'?",
        ),
        ("databse:\n  url: sqlite:///x.db\n", "unknown key 'databse': did you mean 'database'?"),
        (
            "database.url: sqlite:///x.db\n",
            "unknown key 'database.url': keys nest: write 'database:' on its own line, "
            "then 'url:' indented below it",
        ),
        (
            "database:\n  url: mysql://user@host/db\n",
            "invalid value for 'database.url': mysql is not supported: use SQLite "
            "(sqlite:///var/oauthapp.sqlite) or PostgreSQL (postgresql+psycopg://user@host/dbname)",
        ),
        (
            "logging:\n  format: yaml\n",
            "invalid value for 'logging.format': must be one of text | json (got 'yaml')",
        ),
        (
            "logging:\n  trusted_proxies: [10.0.0.1/8]\n",
            "invalid value for 'logging.trusted_proxies': 10.0.0.1/8 has host bits set: "
            "write an address or a network such as 10.0.0.0/8 (got ['10.0.0.1/8'])",
        ),
        (
            'metrics:\n  allow_from: ["10.0.0.1/8"]\n',
            "invalid value for 'metrics.allow_from': 10.0.0.1/8 has host bits set: "
            "write an address or a network such as 10.0.0.0/8 (got ['10.0.0.1/8'])",
        ),
        ("database:\n  url: [\n", "not valid YAML at line 3, column 1: expected the node content"),
        ("database:\n\turl: x\n", "not valid YAML at line 2, column 1: found character '\\t'"),
    ],
)
def test_a_mistake_is_told_in_one_line_with_what_to_write(
    tmp_path: Path, text: str, expected: str
) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(environ=config(tmp_path, text))
    message = str(raised.value)
    assert expected in message
    assert "\n" not in message


def test_a_command_with_a_bad_configuration_fails_in_one_line_with_exit_1(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", **config(tmp_path, "databse:\n  url: x\n")}
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "oauth", "check-keys"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert lines == [
        f"oauthapp cannot start: {tmp_path / 'config.yml'}: unknown key 'databse': "
        "did you mean 'database'?"
    ]


def test_the_issuer_follows_a_local_run_unless_configured(tmp_path: Path) -> None:
    unset = config(tmp_path, "")
    local = {"FLASK_RUN_HOST": "127.0.0.1", "FLASK_RUN_PORT": "5101"}
    assert load_settings(environ=unset).oauth2_server.issuer == "http://localhost:5000"
    assert load_settings(environ=unset | local).oauth2_server.issuer == "http://localhost:5101"
    remote = {"FLASK_RUN_HOST": "10.0.0.7", "FLASK_RUN_PORT": "8080"}
    assert load_settings(environ=unset | remote).oauth2_server.issuer == "http://10.0.0.7:8080"

    explicit = config(tmp_path, "oauth2_server:\n  issuer: https://id.example.com\n")
    assert load_settings(environ=explicit | local).oauth2_server.issuer == "https://id.example.com"


def test_oauthapp_issuer_overrides_every_mode(tmp_path: Path) -> None:
    explicit = config(tmp_path, "oauth2_server:\n  issuer: https://id.example.com\n")
    env = explicit | {"OAUTHAPP_ISSUER": "https://login.example.org", "FLASK_RUN_PORT": "5101"}
    assert load_settings(environ=env).oauth2_server.issuer == "https://login.example.org"
    with pytest.raises(SettingsError, match=r"oauth2_server\.issuer"):
        load_settings(environ=explicit | {"OAUTHAPP_ISSUER": "not a url"})
