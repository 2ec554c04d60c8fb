"""config.yml loading: defaults, overrides, relative paths and refusal of invalid values."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from flask import Flask
from sqlalchemy import text

from oauthapp import create_app, load_secret_key
from oauthapp.extensions import db
from oauthapp.security.rates import rate_limiter
from oauthapp.settings import ROOT, PasswordHashSettings, SettingsError, load_settings


def write_config(tmp_path: Path, data: object) -> dict[str, str]:
    path = tmp_path / "conf" / "config.yml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(yaml.safe_dump(data))
    return {"OAUTHAPP_CONFIG": str(path)}


def test_defaults_are_those_of_the_spec(tmp_path: Path) -> None:
    settings = load_settings(environ=write_config(tmp_path, {}))
    auth = settings.oauth2_server.authorization_server
    assert settings.oauth2_server.issuer == "http://localhost:5000"
    assert (auth.access_token_lifetime, auth.refresh_token_lifetime) == (3600, 2592000)
    assert auth.enable_refresh_token is True
    assert auth.refresh_token_reuse_detection is True
    assert (auth.refresh_token_reuse_interval, auth.refresh_token_absolute_lifetime) == (0, 0)
    assert auth.auth_code_lifetime == 600
    assert auth.signing_algorithm == "RS256"
    assert settings.usage_flush_interval == 60
    assert (auth.cors.allow_origins, auth.cors.allow_headers, auth.cors.preflight_max_age) == (
        (),
        (),
        600,
    )
    assert settings.failed_login_limit == 10
    assert settings.lockout_duration == 900
    assert settings.password_hash == PasswordHashSettings(
        time_cost=2, memory_cost=19456, parallelism=1
    )
    assert settings.rate_limit_storage_url == "memory://"
    assert settings.rate_limit_token_endpoint == "60/minute"
    assert (
        settings.mail.server == "" and settings.mail.port == 25 and settings.mail.use_tls is False
    )
    assert settings.mail.sender == "oauthapp <no-reply@localhost>"
    assert settings.logging.format == "text"
    assert [str(net) for net in settings.logging.trusted_proxies] == ["127.0.0.0/8", "::1/128"]
    assert settings.metrics.enabled is True
    assert [str(network) for network in settings.metrics.allow_from] == ["127.0.0.0/8", "::1/128"]


def test_relative_paths_resolve_against_the_config_folder(tmp_path: Path) -> None:
    settings = load_settings(environ=write_config(tmp_path, {}))
    folder = tmp_path / "conf"
    assert settings.secret_key_file == folder / "var/secret_key"
    assert (
        settings.oauth2_server.authorization_server.private_key == folder / "var/oauth_private.key"
    )
    assert settings.oauth2_server.public_key == folder / "var/oauth_public.key"
    assert settings.database_url == f"sqlite:///{folder}/var/oauthapp.sqlite"


def test_the_repository_config_file_holds_the_defaults() -> None:
    settings = load_settings(environ={})
    assert settings.secret_key_file == ROOT / "var/secret_key"
    assert settings.password_hash == PasswordHashSettings(
        time_cost=2, memory_cost=19456, parallelism=1
    )
    assert settings.oauth2_server.issuer == "http://localhost:5000"


def test_values_from_the_file_are_used(tmp_path: Path) -> None:
    environ = write_config(
        tmp_path,
        {
            "oauth2_server": {
                "issuer": "https://auth.example/",
                "authorization_server": {
                    "access_token_lifetime": 60,
                    "refresh_token_reuse_interval": 300,
                    "refresh_token_absolute_lifetime": 86400,
                    "signing_algorithm": "EdDSA",
                    "cors": {"allow_origins": "*", "allow_headers": ["X-Trace"]},
                },
            },
            "security": {"failed_login_limit": 0, "lockout_duration": 0},
            "database": {"url": "postgresql://u:p@db/oauth"},
            "logging": {"format": "json", "trusted_proxies": ["10.0.0.0/8", "fd00::1"]},
        },
    )
    settings = load_settings(environ=environ)
    auth = settings.oauth2_server.authorization_server
    assert settings.oauth2_server.issuer == "https://auth.example"
    assert auth.access_token_lifetime == 60
    assert (auth.refresh_token_reuse_interval, auth.refresh_token_absolute_lifetime) == (300, 86400)
    assert auth.signing_algorithm == "EdDSA"
    assert auth.cors.allow_origins == ("*",)
    assert auth.cors.allow_headers == ("X-Trace",)
    assert settings.failed_login_limit == 0
    assert settings.lockout_duration == 0
    assert settings.database_url == "postgresql+psycopg://u:p@db/oauth"
    assert settings.logging.format == "json"
    assert [str(net) for net in settings.logging.trusted_proxies] == ["10.0.0.0/8", "fd00::1/128"]


def test_password_hash_parameters_from_the_file_are_used(tmp_path: Path) -> None:
    # The least memory argon2 accepts, 8 KiB per lane; the other keys keep their defaults.
    data = {"security": {"password_hash": {"memory_cost": 32, "parallelism": 4}}}
    settings = load_settings(environ=write_config(tmp_path, data))
    assert settings.password_hash == PasswordHashSettings(
        time_cost=2, memory_cost=32, parallelism=4
    )


def test_environment_overrides_database_and_redis_urls(tmp_path: Path) -> None:
    environ = write_config(tmp_path, {"database": {"url": "sqlite:///file.db"}})
    environ["OAUTHAPP_DATABASE_URL"] = "postgresql+psycopg://postgres@127.0.0.1/other"
    environ["OAUTHAPP_REDIS_URL"] = "redis://127.0.0.1:6379/3"
    settings = load_settings(environ=environ)
    assert settings.database_url == "postgresql+psycopg://postgres@127.0.0.1/other"
    assert settings.rate_limit_storage_url == "redis://127.0.0.1:6379/3"


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"oauth2_server": {"authorization_server": {"access_token_lifetime": -5}}},
         "oauth2_server.authorization_server.access_token_lifetime"),
        ({"oauth2_server": {"authorization_server": {"access_token_lifetime": "1h"}}},
         "oauth2_server.authorization_server.access_token_lifetime"),
        ({"oauth2_server": {"authorization_server": {"refresh_token_lifetime": 0}}},
         "oauth2_server.authorization_server.refresh_token_lifetime"),
        ({"oauth2_server": {"authorization_server": {"auth_code_lifetime": 0}}},
         "oauth2_server.authorization_server.auth_code_lifetime"),
        ({"oauth2_server": {"authorization_server": {"refresh_token_reuse_interval": -1}}},
         "oauth2_server.authorization_server.refresh_token_reuse_interval"),
        ({"oauth2_server": {"authorization_server": {"refresh_token_reuse_interval": 301}}},
         "oauth2_server.authorization_server.refresh_token_reuse_interval"),
        ({"oauth2_server": {"authorization_server": {"refresh_token_reuse_interval": "5s"}}},
         "oauth2_server.authorization_server.refresh_token_reuse_interval"),
        ({"oauth2_server": {"authorization_server": {"refresh_token_absolute_lifetime": -1}}},
         "oauth2_server.authorization_server.refresh_token_absolute_lifetime"),
        ({"oauth2_server": {"authorization_server": {"refresh_token_absolute_lifetime": 1.5}}},
         "oauth2_server.authorization_server.refresh_token_absolute_lifetime"),
        ({"oauth2_server": {"authorization_server": {"signing_algorithm": "HS256"}}},
         "oauth2_server.authorization_server.signing_algorithm"),
        ({"oauth2_server": {"authorization_server": {"enable_refresh_token": "yes"}}},
         "oauth2_server.authorization_server.enable_refresh_token"),
        ({"oauth2_server": {"authorization_server": {"cors": {"allow_origins": ["ftp://x"]}}}},
         "oauth2_server.authorization_server.cors.allow_origins"),
        ({"oauth2_server": {"authorization_server": {"cors": {"allow_headers": ["bad header"]}}}},
         "oauth2_server.authorization_server.cors.allow_headers"),
        ({"oauth2_server": {"issuer": "localhost:5000"}}, "oauth2_server.issuer"),
        ({"oauth2_server": {"resource_server": {"public_key": ""}}},
         "oauth2_server.resource_server.public_key"),
        ({"security": {"failed_login_limit": -1}}, "security.failed_login_limit"),
        ({"security": {"lockout_duration": -1}}, "security.lockout_duration"),
        ({"security": {"lockout_duration": "15m"}}, "security.lockout_duration"),
        ({"rate_limit": {"token_endpoint": "lots"}}, "rate_limit.token_endpoint"),
        ({"rate_limit": {"storage_url": "mongodb://x"}}, "rate_limit.storage_url"),
        ({"mail": {"port": 70000}}, "mail.port"),
        ({"mail": {"timeout": 0}}, "mail.timeout"),
        ({"mail": {"directory": ""}}, "mail.directory"),
        ({"mail": {"send_after_commit": "sometimes"}}, "mail.send_after_commit"),
        ({"usage": {"flush_interval": 0}}, "usage.flush_interval"),
        ({"usage": {"flush_interval": 3601}}, "usage.flush_interval"),
        ({"usage": {"flush_interval": "1m"}}, "usage.flush_interval"),
        ({"database": {"url": "mysql://x/y"}}, "database.url"),
        ({"database": {"url": "::not a url::"}}, "database.url"),
        ({"secret_key_file": 5}, "secret_key_file"),
        ({"security": {"lockout": 3}}, "security.lockout"),
        ({"security": {"password_hash": {"time_cost": 0}}}, "security.password_hash.time_cost"),
        ({"security": {"password_hash": {"time_cost": 101}}}, "security.password_hash.time_cost"),
        ({"security": {"password_hash": {"time_cost": "2"}}}, "security.password_hash.time_cost"),
        ({"security": {"password_hash": {"memory_cost": 7}}},
         "security.password_hash.memory_cost"),
        ({"security": {"password_hash": {"memory_cost": 31, "parallelism": 4}}},
         "security.password_hash.memory_cost"),
        ({"security": {"password_hash": {"memory_cost": 1048577}}},
         "security.password_hash.memory_cost"),
        ({"security": {"password_hash": {"memory_cost": 19.5}}},
         "security.password_hash.memory_cost"),
        ({"security": {"password_hash": {"parallelism": 0}}},
         "security.password_hash.parallelism"),
        ({"security": {"password_hash": {"parallelism": 65, "memory_cost": 65536}}},
         "security.password_hash.parallelism"),
        ({"security": {"password_hash": {"parallelism": True}}},
         "security.password_hash.parallelism"),
        ({"security": {"password_hash": {"type": "argon2i"}}}, "security.password_hash.type"),
        ({"security": {"password_hash": 19456}}, "security.password_hash"),
        ({"oauth2_server": "yes"}, "oauth2_server"),
        ({"logging": {"format": "xml"}}, "logging.format"),
        ({"logging": {"format": None}}, "logging.format"),
        ({"logging": {"trusted_proxies": "10.0.0.0/8"}}, "logging.trusted_proxies"),
        ({"logging": {"trusted_proxies": ["10.0.0.1/8"]}}, "logging.trusted_proxies"),
        ({"logging": {"trusted_proxies": ["proxy.example"]}}, "logging.trusted_proxies"),
        ({"logging": {"trusted_proxies": [10]}}, "logging.trusted_proxies"),
        ({"logging": {"level": "debug"}}, "logging.level"),
        ({"metrics": {"enabled": "yes"}}, "metrics.enabled"),
        ({"metrics": {"allow_from": ["10.0.0.1/8"]}}, "metrics.allow_from"),
        ({"metrics": {"allow_from": ["localhost"]}}, "metrics.allow_from"),
        ({"metrics": {"allow_from": [10]}}, "metrics.allow_from"),
        ({"metrics": {"allow_from": {"ip": "::1"}}}, "metrics.allow_from"),
    ],
)  # fmt: skip
def test_an_invalid_value_is_refused_naming_its_key(tmp_path: Path, data: object, key: str) -> None:
    with pytest.raises(SettingsError) as error:
        load_settings(environ=write_config(tmp_path, data))
    assert error.value.key == key
    assert f"'{key}'" in str(error.value)


def test_a_file_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    environ = write_config(tmp_path, ["a", "list"])
    with pytest.raises(SettingsError, match="mapping"):
        load_settings(environ=environ)


def test_broken_yaml_is_refused_with_the_file_name(tmp_path: Path) -> None:
    path = tmp_path / "broken.yml"
    path.write_text("database: [unclosed\n")
    with pytest.raises(SettingsError, match=r"broken\.yml"):
        load_settings(environ={"OAUTHAPP_CONFIG": str(path)})


def test_a_missing_named_config_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as error:
        load_settings(environ={"OAUTHAPP_CONFIG": str(tmp_path / "nowhere.yml")})
    assert error.value.key == "OAUTHAPP_CONFIG"


def test_the_secret_key_file_is_created_private_and_then_reused(tmp_path: Path) -> None:
    path = tmp_path / "var" / "secret_key"
    first = load_secret_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first) >= 32
    assert load_secret_key(path) == first


def test_a_too_short_secret_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "secret_key"
    path.write_text("short")
    with pytest.raises(SettingsError) as error:
        load_secret_key(path)
    assert error.value.key == "secret_key_file"


def test_create_app_uses_the_secret_key_file(tmp_path: Path) -> None:
    app = create_app({"secret_key_file": str(tmp_path / "key"), "database": {"url": "sqlite://"}})
    assert app.secret_key == (tmp_path / "key").read_text().strip()


def test_session_cookie_is_http_only_and_same_site(tmp_path: Path) -> None:
    app = create_app({"secret_key_file": str(tmp_path / "key"), "database": {"url": "sqlite://"}})
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_rate_limit_storage_is_reachable(ctx: Flask) -> None:
    # memory://, or the Redis server of OAUTHAPP_TEST_REDIS_URL over a real connection
    assert rate_limiter().storage.check()


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"oauth2_server": {"authorization_server": {"access_token_lifetime": -5}}},
         "oauth2_server.authorization_server.access_token_lifetime"),
        ({"oauth2_server": {"authorization_server": {"signing_algorithm": "RS512"}}},
         "oauth2_server.authorization_server.signing_algorithm"),
        ({"security": {"password_hash": {"memory_cost": 4}}},
         "security.password_hash.memory_cost"),
    ],
)  # fmt: skip
def test_the_flask_command_refuses_to_start_and_names_the_key(
    tmp_path: Path, data: object, key: str
) -> None:
    environ = {**os.environ, **write_config(tmp_path, data)}
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "routes"],
        cwd=ROOT, env=environ, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode != 0
    assert key in result.stderr
    assert "Traceback" not in result.stderr


def test_a_sqlite_file_database_runs_in_wal_mode(tmp_path: Path) -> None:
    # Readers do not wait for the writer; each refresh-token rotation is one append to the log.
    url = f"sqlite:///{tmp_path / 'oauthapp.sqlite'}"
    app = create_app({"secret_key_file": str(tmp_path / "key"), "database": {"url": url}})
    with app.app_context():
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        db.session.remove()
