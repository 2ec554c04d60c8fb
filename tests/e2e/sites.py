"""Sites for the browser tests: a seeded folder made once, and servers that run on copies of it.

Seeding (schema, keys, the world of tests/e2e/world.py) takes one process; each site then copies
the database and keys it needs into its own folder and runs `flask run` there on a free port,
with its issuer set to its own address. A site without keys shows the keys warnings. The
authorization-code applications' redirect URLs point at the relying party and the browser app of
tests/e2e/relying_party.py, which are started first; a site lets the browser app's origin call
its token endpoint and APIs (CORS).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import yaml

from oauthapp.settings import ROOT
from tests.e2e.relying_party import CLIENTS
from tests.server import (
    CLI_TIMEOUT,
    free_port,
    serve,
    serve_command,
    server_environ,
    site_config,
)

DATABASE = "oauthapp.sqlite"
SECRET_KEY = "secret_key"
KEYS = ("oauth_private.key", "oauth_public.key")
# Low enough for the lockout test to reach quickly; the other tests never mistype a password.
SITE_SETTINGS: dict[str, object] = {"security": {"failed_login_limit": 3}}


@dataclass(frozen=True)
class Site:
    base: str
    folder: Path
    log: Path
    env: dict[str, str]

    @property
    def database(self) -> Path:
        return self.folder / DATABASE


def seed_folder(folder: Path, relying_party: str, browser_app: str) -> Path:
    """Make FOLDER the seeded original that sites copy; FOLDER.

    RELYING_PARTY and BROWSER_APP are the addresses the redirect URLs point at; the Client IDs
    and Secrets of the authorization-code applications are written to FOLDER/clients.json.
    """
    config = site_config(
        folder, "http://127.0.0.1", settings={"mail": {"server": "", "send_after_commit": False}}
    )
    env = server_environ(config)
    env.update(OAUTHAPP_E2E_RELYING_PARTY=relying_party, OAUTHAPP_E2E_BROWSER_APP=browser_app)
    result = subprocess.run(
        [sys.executable, "-m", "tests.e2e.seed"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=CLI_TIMEOUT, check=False,
    )  # fmt: skip
    assert result.returncode == 0, f"seeding failed:\n{result.stdout}{result.stderr}"
    last_line = result.stdout.strip().splitlines()[-1]  # the seed prints the credentials last
    (folder / CLIENTS).write_text(json.dumps(json.loads(last_line)))
    return folder


@contextmanager
def run_site(
    seeded: Path,
    folder: Path,
    *,
    keys: bool = True,
    mail: dict[str, object] | None = None,
    cors_origins: tuple[str, ...] = (),
    settings: dict[str, object] | None = None,
    gunicorn: bool = False,
) -> Iterator[Site]:
    """Serve a copy of SEEDED from FOLDER until the block ends (without the key pair if not KEYS).

    MAIL names an SMTP server; without it, mail is written to FOLDER/mail as .eml files.
    CORS_ORIGINS may call the token endpoint and the APIs from a page of theirs. SETTINGS adds
    or replaces whole top-level sections of the site's config.yml. With GUNICORN the site runs as
    `make serve` runs it (two workers) rather than under `flask run`.
    """
    for name in (DATABASE, SECRET_KEY, *(KEYS if keys else ())):
        shutil.copy2(seeded / name, folder / name)  # keeps the private key's mode 0600
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    config = site_config(folder, base, mail, {**SITE_SETTINGS, **(settings or {})})
    if cors_origins:
        _allow_origins(config, cors_origins)
    env = server_environ(config)
    log = folder / "server.log"
    if gunicorn:
        command = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "-w", "2",
                   "-b", f"127.0.0.1:{port}", "--graceful-timeout", "5", "app:app"]  # fmt: skip
        with serve_command(command, env, log, f"{base}/login"):
            yield Site(base, folder, log, env)
        return
    with serve(env, log, port) as url:
        yield Site(url, folder, log, env)


def _allow_origins(config: Path, origins: tuple[str, ...]) -> None:
    """Set oauth2_server.authorization_server.cors.allow_origins in the site's CONFIG."""
    settings = yaml.safe_load(config.read_text())
    authorization = settings["oauth2_server"]["authorization_server"]
    authorization["cors"] = {"allow_origins": list(origins)}
    config.write_text(yaml.safe_dump(settings))
