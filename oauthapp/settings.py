"""config.yml -> one typed, validated settings object."""

from __future__ import annotations

import difflib
import ipaddress
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from limits import parse as parse_rate_limit
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

ROOT = Path(__file__).resolve().parent.parent
SIGNING_ALGORITHMS = ("RS256", "ES256", "EdDSA")
LOG_FORMATS = ("text", "json")
_ORIGIN = re.compile(r"^https?://[^/\s?#]+$")
T = TypeVar("T")
# Upper bounds that keep a typo from making each login take minutes or gigabytes.
MAX_TIME_COST = 100
MAX_MEMORY_COST = 1024 * 1024  # KiB: 1 GiB
MAX_PARALLELISM = 64
# A rotated refresh token accepted again for longer would leave reuse detection blind as long.
MAX_REUSE_INTERVAL = 300
# Usage counts wait in a worker's memory at most this long (seconds) before they are written.
MAX_FLUSH_INTERVAL = 3600

DEFAULTS: dict[str, Any] = {
    "database": {"url": "sqlite:///var/oauthapp.sqlite"},
    "secret_key_file": "var/secret_key",
    "oauth2_server": {
        "issuer": "http://localhost:5000",
        "authorization_server": {
            "private_key": "var/oauth_private.key",
            "access_token_lifetime": 3600,
            "refresh_token_lifetime": 2592000,
            "enable_refresh_token": True,
            "refresh_token_reuse_detection": True,
            "refresh_token_reuse_interval": 0,
            "refresh_token_absolute_lifetime": 0,
            "auth_code_lifetime": 600,
            "signing_algorithm": "RS256",
            "cors": {"allow_origins": [], "allow_headers": [], "preflight_max_age": 600},
        },
        "resource_server": {"public_key": "var/oauth_public.key"},
    },
    "security": {
        "failed_login_limit": 10,
        "password_hash": {"time_cost": 2, "memory_cost": 19456, "parallelism": 1},
        "lockout_duration": 900,
        "proxy_count": 0,
    },
    "rate_limit": {
        "storage_url": "memory://",
        "token_endpoint": "60/minute",
        "login": "20/minute",
    },
    "mail": {
        "sender": "oauthapp <no-reply@localhost>",
        "server": "",
        "port": 25,
        "use_tls": False,
        "username": "",
        "password": "",
        "timeout": 10,
        "directory": "var/mail",
        "send_after_commit": True,
    },
    "usage": {"flush_interval": 60},
    "logging": {
        "format": "text",
        "trusted_proxies": ["127.0.0.0/8", "::1/128"],
    },
    "metrics": {"enabled": True, "allow_from": ["127.0.0.0/8", "::1/128"]},
}


class SettingsError(ValueError):
    """A configuration value is invalid; the message names the key, in one line."""

    def __init__(
        self, key: str, problem: str, source: str = "config", *, syntax: bool = False
    ) -> None:
        if syntax:
            message = f"{source}: not valid YAML at {problem}"
        elif problem.startswith("unknown key"):
            message = f"{source}: unknown key '{key}'{problem[len('unknown key') :]}"
        else:
            message = f"{source}: invalid value for '{key}': {problem}"
        super().__init__(message)
        self.key = key


@dataclass(frozen=True)
class CorsSettings:
    allow_origins: tuple[str, ...]
    allow_headers: tuple[str, ...]
    preflight_max_age: int


@dataclass(frozen=True)
class AuthorizationServerSettings:
    private_key: Path
    access_token_lifetime: int
    refresh_token_lifetime: int
    enable_refresh_token: bool
    refresh_token_reuse_detection: bool
    refresh_token_reuse_interval: int  # seconds a just-rotated refresh token may come back
    refresh_token_absolute_lifetime: int  # seconds a refresh token family lives in all; 0: no cap
    auth_code_lifetime: int
    signing_algorithm: str
    cors: CorsSettings


@dataclass(frozen=True)
class OAuth2ServerSettings:
    issuer: str
    authorization_server: AuthorizationServerSettings
    public_key: Path


@dataclass(frozen=True)
class PasswordHashSettings:
    """argon2id cost of a user password hash."""

    time_cost: int  # passes
    memory_cost: int  # KiB
    parallelism: int  # lanes


@dataclass(frozen=True)
class MailSettings:
    sender: str
    server: str
    port: int
    use_tls: bool
    username: str
    password: str
    timeout: int
    directory: Path
    send_after_commit: bool


IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class LoggingSettings:
    format: str  # one of LOG_FORMATS
    trusted_proxies: tuple[IPNetwork, ...]  # peers whose X-Request-ID is kept


@dataclass(frozen=True)
class MetricsSettings:
    enabled: bool  # false: nothing is recorded and /metrics answers 404
    allow_from: tuple[IPNetwork, ...]  # the addresses that may read /metrics


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_key_file: Path
    oauth2_server: OAuth2ServerSettings
    failed_login_limit: int
    password_hash: PasswordHashSettings
    lockout_duration: int  # seconds a lock lasts; 0 = until unlocked
    proxy_count: int
    rate_limit_storage_url: str
    rate_limit_token_endpoint: str
    rate_limit_login: str
    mail: MailSettings
    logging: LoggingSettings
    base_dir: Path
    metrics: MetricsSettings
    usage_flush_interval: int = 60  # seconds between a worker's writes of its usage counts


def load_settings(
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Read config.yml (or $OAUTHAPP_CONFIG), apply overrides and environment, validate."""
    env = os.environ if environ is None else environ
    named = env.get("OAUTHAPP_CONFIG")
    path = Path(named or ROOT / "config.yml").resolve()
    if named and not path.is_file():
        raise SettingsError("OAUTHAPP_CONFIG", f"no such file: {path}", "environment")
    raw = _read_yaml(path)
    merged = _merge(DEFAULTS, raw, str(path))
    if overrides:
        merged = _merge(merged, overrides, "overrides")
    if not _issuer_given(raw, overrides) and env.get("FLASK_RUN_PORT"):
        # A local run on another address (`make run PORT=…`): the issuer follows it.
        merged["oauth2_server"]["issuer"] = _local_issuer(env)
    if env.get("OAUTHAPP_ISSUER"):
        merged["oauth2_server"]["issuer"] = env["OAUTHAPP_ISSUER"]
    if env.get("OAUTHAPP_DATABASE_URL"):
        merged["database"]["url"] = env["OAUTHAPP_DATABASE_URL"]
    if env.get("OAUTHAPP_REDIS_URL"):
        merged["rate_limit"]["storage_url"] = env["OAUTHAPP_REDIS_URL"]
    return _Parser(merged, path.parent, str(path)).settings()


def _issuer_given(*sources: Mapping[str, Any] | None) -> bool:
    for source in sources:
        server = (source or {}).get("oauth2_server")
        if isinstance(server, Mapping) and server.get("issuer") is not None:
            return True
    return False


def _local_issuer(env: Mapping[str, str]) -> str:
    """http://HOST:PORT of `flask run` (FLASK_RUN_HOST, FLASK_RUN_PORT), as a browser names it."""
    host = env.get("FLASK_RUN_HOST") or "localhost"
    if host in ("0.0.0.0", "::", "127.0.0.1", "::1"):  # noqa: S104 (names, not a bind)
        host = "localhost"
    return f"http://{host}:{env['FLASK_RUN_PORT']}"


def _read_yaml(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = " ".join(str(exc.problem or exc.context or "invalid YAML").split())
        raise SettingsError("(file)", f"{where}{problem}", str(path), syntax=True) from exc
    except (OSError, yaml.YAMLError) as exc:
        message = " ".join(str(exc).split())
        raise SettingsError("(file)", f"cannot read {path}: {message}", str(path)) from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise SettingsError("(file)", "the file must hold a mapping of keys", str(path))
    return data


def _merge(
    base: Mapping[str, Any], extra: Mapping[str, Any], source: str, prefix: str = ""
) -> dict[str, Any]:
    """Deep-merge extra into a copy of base; keys unknown to base are refused."""
    result = {key: dict(value) if isinstance(value, dict) else value for key, value in base.items()}
    for key, value in extra.items():
        name = f"{prefix}{key}"
        if key not in base:
            raise SettingsError(name, "unknown key" + _hint(key, base, prefix), source)
        if isinstance(base[key], dict):
            if value is None:
                continue
            if not isinstance(value, Mapping):
                raise SettingsError(name, "must be a mapping of keys", source)
            result[key] = _merge(base[key], value, source, f"{name}.")
        else:
            result[key] = value
    return result


class _Explained(ValueError):
    """A value's problem in words more precise than the key's generic one."""


def _hint(key: Any, base: Mapping[str, Any], prefix: str) -> str:
    """What the writer of an unknown KEY probably meant: a nested key, or the closest name."""
    if not isinstance(key, str):
        return ""
    if "." in key:
        head, _, rest = key.partition(".")
        rest = rest.replace(".", ":' indented below it, then '")
        if head in base and isinstance(base[head], dict):
            return f": keys nest: write '{head}:' on its own line, then '{rest}:' indented below it"
    close = difflib.get_close_matches(key, [str(name) for name in base], n=1, cutoff=0.6)
    if close:
        return f": did you mean '{prefix}{close[0]}'?"
    return f" (keys here: {', '.join(str(name) for name in base)})"


class _Parser:
    """Turns the merged mapping into Settings, naming the key of any invalid value."""

    def __init__(self, data: dict[str, Any], base_dir: Path, source: str) -> None:
        self.data = data
        self.base_dir = base_dir
        self.source = source

    def get(self, key: str, check: Callable[[Any], T], problem: str) -> T:
        value: Any = self.data
        for part in key.split("."):
            value = value[part]
        try:
            return check(value)
        except _Explained as exc:  # the check knows better than the generic problem
            raise SettingsError(key, f"{exc} (got {value!r})", self.source) from exc
        except (TypeError, ValueError) as exc:
            raise SettingsError(key, f"{problem} (got {value!r})", self.source) from exc

    def settings(self) -> Settings:
        auth = "oauth2_server.authorization_server"
        return Settings(
            database_url=self.get("database.url", self.database_url, "must be a SQLAlchemy URL"),
            secret_key_file=self.get("secret_key_file", self.path, "must be a file path"),
            oauth2_server=OAuth2ServerSettings(
                issuer=self.get("oauth2_server.issuer", _issuer, "must be an http(s) URL"),
                authorization_server=AuthorizationServerSettings(
                    private_key=self.get(f"{auth}.private_key", self.path, "must be a file path"),
                    access_token_lifetime=self.get(
                        f"{auth}.access_token_lifetime", _positive_int, "must be a positive integer"
                    ),
                    refresh_token_lifetime=self.get(
                        f"{auth}.refresh_token_lifetime",
                        _positive_int,
                        "must be a positive integer",
                    ),
                    enable_refresh_token=self.get(
                        f"{auth}.enable_refresh_token", _bool, "must be true or false"
                    ),
                    refresh_token_reuse_detection=self.get(
                        f"{auth}.refresh_token_reuse_detection", _bool, "must be true or false"
                    ),
                    refresh_token_reuse_interval=self.get(
                        f"{auth}.refresh_token_reuse_interval",
                        lambda value: _bounded_int(value, 0, MAX_REUSE_INTERVAL),
                        f"must be seconds from 0 to {MAX_REUSE_INTERVAL}",
                    ),
                    refresh_token_absolute_lifetime=self.get(
                        f"{auth}.refresh_token_absolute_lifetime",
                        _non_negative_int,
                        "must be seconds, 0 or more",
                    ),
                    auth_code_lifetime=self.get(
                        f"{auth}.auth_code_lifetime", _positive_int, "must be a positive integer"
                    ),
                    signing_algorithm=self.get(
                        f"{auth}.signing_algorithm",
                        _algorithm,
                        f"must be one of {', '.join(SIGNING_ALGORITHMS)}",
                    ),
                    cors=self.cors(f"{auth}.cors"),
                ),
                public_key=self.get(
                    "oauth2_server.resource_server.public_key", self.path, "must be a file path"
                ),
            ),
            failed_login_limit=self.get(
                "security.failed_login_limit",
                _non_negative_int,
                "must be a whole number, 0 or more",
            ),
            password_hash=self.password_hash("security.password_hash"),
            lockout_duration=self.get(
                "security.lockout_duration", _non_negative_int, "must be seconds, 0 or more"
            ),
            proxy_count=self.get(
                "security.proxy_count", _non_negative_int, "must be a whole number, 0 or more"
            ),
            rate_limit_storage_url=self.get(
                "rate_limit.storage_url", _storage_url, "must be memory:// or redis://…"
            ),
            rate_limit_token_endpoint=self.get(
                "rate_limit.token_endpoint", _rate, "must be a rate such as '60/minute'"
            ),
            rate_limit_login=self.get(
                "rate_limit.login", _rate, "must be a rate such as '20/minute'"
            ),
            mail=self.mail(),
            logging=self.logging(),
            base_dir=self.base_dir,
            usage_flush_interval=self.get(
                "usage.flush_interval",
                lambda value: _bounded_int(value, 1, MAX_FLUSH_INTERVAL),
                f"must be seconds from 1 to {MAX_FLUSH_INTERVAL}",
            ),
            metrics=self.metrics(),
        )

    def cors(self, key: str) -> CorsSettings:
        return CorsSettings(
            allow_origins=self.get(
                f"{key}.allow_origins", _origins, 'must be "*" or a list of origins'
            ),
            allow_headers=self.get(
                f"{key}.allow_headers", _header_names, "must be a list of header names"
            ),
            preflight_max_age=self.get(
                f"{key}.preflight_max_age", _non_negative_int, "must be seconds, 0 or more"
            ),
        )

    def password_hash(self, key: str) -> PasswordHashSettings:
        parallelism = self.get(
            f"{key}.parallelism",
            lambda value: _bounded_int(value, 1, MAX_PARALLELISM),
            f"must be a whole number from 1 to {MAX_PARALLELISM} (lanes)",
        )
        return PasswordHashSettings(
            time_cost=self.get(
                f"{key}.time_cost",
                lambda value: _bounded_int(value, 1, MAX_TIME_COST),
                f"must be a whole number from 1 to {MAX_TIME_COST} (passes)",
            ),
            # argon2 needs at least 8 KiB per lane.
            memory_cost=self.get(
                f"{key}.memory_cost",
                lambda value: _bounded_int(value, 8 * parallelism, MAX_MEMORY_COST),
                f"must be KiB from 8 x parallelism ({8 * parallelism}) to {MAX_MEMORY_COST}",
            ),
            parallelism=parallelism,
        )

    def mail(self) -> MailSettings:
        return MailSettings(
            sender=self.get("mail.sender", _non_empty_str, "must be a sender address"),
            server=self.get("mail.server", _str, "must be a host name or empty"),
            port=self.get("mail.port", _port, "must be a port number (1-65535)"),
            use_tls=self.get("mail.use_tls", _bool, "must be true or false"),
            username=self.get("mail.username", _str, "must be a string"),
            password=self.get("mail.password", _str, "must be a string"),
            timeout=self.get("mail.timeout", _positive_int, "must be seconds, 1 or more"),
            directory=self.get("mail.directory", self.path, "must be a folder path"),
            send_after_commit=self.get("mail.send_after_commit", _bool, "must be true or false"),
        )

    def logging(self) -> LoggingSettings:
        return LoggingSettings(
            format=self.get(
                "logging.format", _log_format, f"must be one of {' | '.join(LOG_FORMATS)}"
            ),
            trusted_proxies=self.get(
                "logging.trusted_proxies",
                _ip_networks,
                'must be a list of addresses or networks, such as ["10.0.0.0/8", "::1"]',
            ),
        )

    def metrics(self) -> MetricsSettings:
        return MetricsSettings(
            enabled=self.get("metrics.enabled", _bool, "must be true or false"),
            allow_from=self.get(
                "metrics.allow_from",
                _ip_networks,
                'must be a list of addresses or networks, such as ["10.0.0.0/8", "::1"]',
            ),
        )

    def path(self, value: Any) -> Path:
        text = _non_empty_str(value)
        path = Path(text).expanduser()
        return path if path.is_absolute() else (self.base_dir / path).resolve()

    def database_url(self, value: Any) -> str:
        try:
            url = make_url(_non_empty_str(value))
        except ArgumentError as exc:
            raise ValueError(str(exc)) from exc
        if url.drivername in ("postgres", "postgresql"):
            url = url.set(drivername="postgresql+psycopg")
        backend = url.get_backend_name()
        if backend not in ("sqlite", "postgresql"):
            raise _Explained(
                f"{backend} is not supported: use SQLite (sqlite:///var/oauthapp.sqlite) "
                "or PostgreSQL (postgresql+psycopg://user@host/dbname)"
            )
        if backend == "sqlite" and url.database and url.database != ":memory:":
            database = Path(url.database)
            if not database.is_absolute():
                url = url.set(database=str((self.base_dir / database).resolve()))
        return url.render_as_string(hide_password=False)


def _str(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise TypeError("not a string")
    return value


def _non_empty_str(value: Any) -> str:
    text = _str(value).strip()
    if not text:
        raise ValueError("empty")
    return text


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError("not a boolean")
    return value


def _non_negative_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("not an integer")
    if value < 0:
        raise ValueError("negative")
    return value


def _positive_int(value: Any) -> int:
    if _non_negative_int(value) == 0:
        raise ValueError("zero")
    return int(value)


def _bounded_int(value: Any, low: int, high: int) -> int:
    number = _non_negative_int(value)
    if not low <= number <= high:
        raise ValueError("out of range")
    return number


def _port(value: Any) -> int:
    port = _positive_int(value)
    if port > 65535:
        raise ValueError("too large")
    return port


def _issuer(value: Any) -> str:
    text = _non_empty_str(value).rstrip("/")
    if not re.match(r"^https?://[^/\s?#]+(/[^\s?#]*)?$", text):
        raise ValueError("not an http(s) URL without query or fragment")
    return text


def _algorithm(value: Any) -> str:
    if value not in SIGNING_ALGORITHMS:
        raise ValueError("unknown algorithm")
    return str(value)


def _log_format(value: Any) -> str:
    if value not in LOG_FORMATS:
        raise ValueError("unknown format")
    return str(value)


def _ip_networks(value: Any) -> tuple[IPNetwork, ...]:
    if not isinstance(value, list):
        raise TypeError("not a list")
    try:
        return tuple(ipaddress.ip_network(_non_empty_str(item)) for item in value)
    except ValueError as exc:  # a host part set (10.0.0.1/8) or not an address at all
        raise _Explained(f"{exc}: write an address or a network such as 10.0.0.0/8") from exc


def _origins(value: Any) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list):
        raise TypeError("not a list")
    origins = tuple(_non_empty_str(item).rstrip("/") for item in items)
    for origin in origins:
        if origin != "*" and not _ORIGIN.match(origin):
            raise ValueError(f"not an origin: {origin}")
    return origins


def _header_names(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise TypeError("not a list")
    names = tuple(_non_empty_str(item) for item in value)
    if any(not re.match(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$", name) for name in names):
        raise ValueError("not a header name")
    return names


def _storage_url(value: Any) -> str:
    text = _non_empty_str(value)
    if not re.match(r"^(memory|redis|rediss|redis\+unix)://", text):
        raise ValueError("unsupported storage")
    return text


def _rate(value: Any) -> str:
    text = _non_empty_str(value)
    parse_rate_limit(text)
    return text
