"""SPEC §9: a change made anywhere reaches every worker of every instance within 1 second.

One world per backend, started once for the module: on SQLite one gunicorn with two workers; on
PostgreSQL (when OAUTHAPP_TEST_DATABASE_URL names one) that server plus a second instance on the
same database, keys and secret key, as two hosts behind a load balancer would be. For each change
of §9, every worker first answers with the old state (whatever it keeps in memory holds it), then
the change is made (the CLI, the back-office, or a client of the other instance), and every
instance is polled until each of its workers shows the new state: an answer with the old state to
a request sent more than 1 second after the change fails the test (`freshness_support`). Each
measured time is printed (`pytest -s`).

What is asked is what clients see: the token endpoint (client credentials), `/api/me` and
introspection of a token, the JWKS. Switching an application is deactivating and activating it.
The product offers no way to remove a user (no command, page or API), so that change of §9 has no
test here. On PostgreSQL, the workers' notification connections are also cut, once just before a
change and again and again while one is polled for.
"""

from __future__ import annotations

import html
import json
import re
import shlex
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
import pytest
import requests

from tests.e2e.concurrency_support import (
    POSTGRES_URL,
    TIMEOUT,
    gunicorn,
    own_database,
    query,
    wait_for,
)
from tests.e2e.freshness_support import (
    ACCESS_LOG_FORMAT,
    Instance,
    Measurement,
    Probe,
    everywhere,
    measure,
    warm,
)
from tests.e2e.test_concurrency import ORG, PASSWORD, USERNAME, BackOffice
from tests.server import (
    SQLITE_PASS_ONLY,
    flask_batch,
    flask_ok,
    free_port,
    server_environ,
    site_config,
)

ISSUER = "https://oauth.example.test"  # the load balancer's address
FAILED_LOGIN_LIMIT = 3
ACCEPTED, REFUSED = "accepted", "refused"
LISTENER = "oauthapp-cache"  # the application_name of a worker's notification connection

BACKENDS = [
    pytest.param("sqlite", marks=SQLITE_PASS_ONLY),
    pytest.param(
        "postgresql",
        marks=pytest.mark.skipif(
            not POSTGRES_URL.startswith("postgresql"),
            reason="needs OAUTHAPP_TEST_DATABASE_URL (PostgreSQL)",
        ),
    ),
]


@dataclass(frozen=True)
class App:
    """An application the operator created: its database id and credentials."""

    name: str
    id: int
    client_id: str
    client_secret: str

    def auth(self, secret: str | None = None) -> tuple[str, str]:
        return self.client_id, secret or self.client_secret


# The applications the world starts with: name, organization, grant and owner.
APPS = {
    "introspector": (ORG, "client_credentials", USERNAME),
    "switchable": (ORG, "client_credentials", USERNAME),
    "doomed": (ORG, "client_credentials", USERNAME),
    "rekeyed": (ORG, "client_credentials", USERNAME),
    "dana's sync": (ORG, "client_credentials", "dana"),
    "lucas's sync": (ORG, "client_credentials", "lucas"),
}
CHANNEL_APPS = {"unplugged": (ORG, "client_credentials", USERNAME)}  # PostgreSQL only
USERS = ("dana", "lucas")


@dataclass(frozen=True)
class World:
    """One backend's servers and what the operator set up in them."""

    backend: str
    folder: Path
    env: dict[str, str] = field(repr=False)  # the environment of CLI commands
    database_url: str = field(repr=False)
    instances: list[Instance]
    apps: dict[str, App]
    mobile: App  # a password application
    office: BackOffice  # USERNAME (an administrator) logged in on the first instance

    @property
    def first(self) -> Instance:
        return self.instances[0]

    @property
    def other(self) -> Instance:
        """The instance a client uses to make a change: the second one, if there are two."""
        return self.instances[-1]

    def warm(self, states: dict[Probe, str]) -> None:
        warm(self.instances, states)

    def measure(
        self, change: str, before: dict[Probe, str], after: dict[Probe, str], since: float
    ) -> Measurement:
        return measure(self.instances, f"{change} [{self.backend}]", before, after, since)


@pytest.fixture(scope="module", params=BACKENDS)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    backend: str = request.param
    shared = tmp_path_factory.mktemp(f"freshness-{backend}")  # keys and secret key, for all
    with own_database(backend, shared) as database_url:
        settings = {
            "database": {"url": database_url},
            # Polling sends many refused client authentications and logins: not this test's
            # concern. Each worker counts them alone.
            "rate_limit": {"storage_url": "memory://", "token_endpoint": "100000/minute",
                           "login": "100000/minute"},
            "security": {"failed_login_limit": FAILED_LOGIN_LIMIT, "lockout_duration": 0},
        }  # fmt: skip
        env = server_environ(site_config(shared, ISSUER, settings=settings))
        postgresql = backend == "postgresql"
        wanted = {**APPS, **(CHANNEL_APPS if postgresql else {})}
        outputs = flask_batch(
            env,
            ("db", "upgrade"),
            ("oauth", "generate-keys"),
            ("orgs", "create", ORG),
            ("users", "create", USERNAME, "--email", f"{USERNAME}@example.com", "--password",
             PASSWORD, "--org", ORG, "--role", "ADMINISTRATOR"),
            *[("users", "create", name, "--email", f"{name}@example.com", "--password", PASSWORD,
               "--org", ORG) for name in USERS],
            ("oauth", "create-app", "--org", ORG, "--name", "mobile", "--grant", "password",
             "--json"),
            *[("oauth", "create-app", "--org", org, "--name", name, "--grant", grant,
               "--owner", owner, "--json") for name, (org, grant, owner) in wanted.items()],
        )  # fmt: skip
        mobile_output, outputs = outputs[-len(wanted) - 1], outputs[-len(wanted) :]
        apps = {name: created(name, output) for name, output in zip(wanted, outputs, strict=True)}
        workers = [2, 1] if postgresql else [2]  # per instance
        with ExitStack() as stack:
            instances = [
                start(stack, env, shared, name, count)
                for name, count in zip("AB", workers, strict=False)
            ]
            yield World(
                backend, shared, env, database_url, instances, apps,
                created("mobile", mobile_output), BackOffice.log_in(instances[0].base),
            )  # fmt: skip


def created(name: str, output: str) -> App:
    data = json.loads(output.strip())
    return App(name, data["id"], data["client_id"], data["client_secret"])


def start(stack: ExitStack, env: dict[str, str], folder: Path, name: str, workers: int) -> Instance:
    """A gunicorn instance whose access log names the worker that answered each probe."""
    port = free_port()
    access_log = folder / f"access-{name}.log"
    access_log.touch()
    options = f"--access-logfile {shlex.quote(str(access_log))} --access-logformat "
    instance_env = {**env, "GUNICORN_CMD_ARGS": options + shlex.quote(ACCESS_LOG_FORMAT)}
    log = folder / f"gunicorn-{name}.log"
    master = stack.enter_context(gunicorn(instance_env, port, log, workers=workers))
    return Instance(name, f"http://127.0.0.1:{port}", master, access_log)


# What clients ask, and how each answer reads.


def error_of(response: requests.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get("error") if isinstance(body, dict) else None


def other_state(response: requests.Response) -> str:
    return f"HTTP {response.status_code} {error_of(response)}"


def client_credentials(app: App, secret: str | None = None, label: str = "") -> Probe:
    """A client-credentials grant: accepted, or refused as invalid_client (401)."""

    def ask(base: str, headers: dict[str, str]) -> requests.Response:
        return requests.post(
            f"{base}/oauth2-token", data={"grant_type": "client_credentials"},
            auth=app.auth(secret), headers=headers, timeout=TIMEOUT,
        )  # fmt: skip

    def read(response: requests.Response) -> str:
        if response.status_code == 200 and response.json().get("access_token"):
            return ACCEPTED
        if response.status_code == 401 and error_of(response) == "invalid_client":
            return REFUSED
        return other_state(response)

    return Probe(f"client credentials of {app.name}{label}", ask, read)


@dataclass
class Found:
    """An access token signed with the key KID that polling comes across (a worker signing with
    a new key), for the probes that check it everywhere."""

    kid: str | None = None
    token: str | None = None

    def offer(self, token: str) -> None:
        if self.token is None and self.kid is not None and kid_of(token) == self.kid:
            self.token = token


Token = str | Found  # a token, or one that polling will find


def value_of(token: Token) -> str | None:
    return token if isinstance(token, str) else token.token


def api_me(token: Token, label: str) -> Probe:
    """`GET /api/me` with a bearer token: accepted, or refused as invalid_token (401)."""

    def ask(base: str, headers: dict[str, str]) -> requests.Response | None:
        access_token = value_of(token)
        if access_token is None:
            return None
        headers = {**headers, "Authorization": f"Bearer {access_token}"}
        return requests.get(f"{base}/api/me", headers=headers, timeout=TIMEOUT)

    def read(response: requests.Response) -> str:
        if response.status_code == 200:
            return ACCEPTED
        challenge = response.headers.get("WWW-Authenticate", "")
        if response.status_code == 401 and 'error="invalid_token"' in challenge:
            return REFUSED
        return other_state(response)

    return Probe(f"/api/me with {label}", ask, read)


def introspection(token: Token, label: str, client: App) -> Probe:
    """RFC 7662 introspection by CLIENT: active (accepted) or not (refused)."""

    def ask(base: str, headers: dict[str, str]) -> requests.Response | None:
        access_token = value_of(token)
        if access_token is None:
            return None
        return requests.post(
            f"{base}/oauth2/introspect", data={"token": access_token}, auth=client.auth(),
            headers=headers, timeout=TIMEOUT,
        )  # fmt: skip

    def read(response: requests.Response) -> str:
        if response.status_code == 200:
            return ACCEPTED if response.json().get("active") is True else REFUSED
        return other_state(response)

    return Probe(f"introspection of {label}", ask, read)


def signing_key(app: App, found: Found) -> Probe:
    """Which key signs a new access token: "signed with KID". FOUND is offered each token."""

    def read(response: requests.Response) -> str:
        if response.status_code != 200:
            return other_state(response)
        token = response.json()["access_token"]
        found.offer(token)
        return f"signed with {kid_of(token)}"

    return Probe("the key of a new token", client_credentials(app).ask, read)


def jwks() -> Probe:
    """The key ids the JWKS publishes, in order: "publishes KID …"."""

    def ask(base: str, headers: dict[str, str]) -> requests.Response:
        return requests.get(f"{base}/.well-known/jwks.json", headers=headers, timeout=TIMEOUT)

    def read(response: requests.Response) -> str:
        if response.status_code != 200:
            return other_state(response)
        return "publishes " + " ".join(key["kid"] for key in response.json()["keys"])

    return Probe("the JWKS", ask, read)


# Tokens, and changes made by clients.


def cc_token(world: World, app: App) -> str:
    response = requests.post(
        f"{world.first.base}/oauth2-token", data={"grant_type": "client_credentials"},
        auth=app.auth(), timeout=TIMEOUT,
    )  # fmt: skip
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def log_in(world: World, username: str) -> dict[str, Any]:
    """A password grant for USERNAME on the mobile application, on the first instance."""
    response = password_grant(world.first, world, username, PASSWORD)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def password_grant(
    instance: Instance, world: World, username: str, password: str
) -> requests.Response:
    form = {"grant_type": "password", "username": username, "password": password}
    return requests.post(
        f"{instance.base}/oauth2-token", data=form, auth=world.mobile.auth(), timeout=TIMEOUT
    )


def revoke(world: World, token: str, hint: str) -> None:
    """RFC 7009 revocation by the mobile application, on the other instance."""
    response = requests.post(
        f"{world.other.base}/oauth2/revoke", data={"token": token, "token_type_hint": hint},
        auth=world.mobile.auth(), timeout=TIMEOUT,
    )  # fmt: skip
    assert response.status_code == 200, response.text


def kid_of(token: str) -> str:
    return str(jwt.get_unverified_header(token)["kid"])


def user_id(world: World, username: str) -> int:
    [(found,)] = query(world.database_url, "SELECT id FROM users WHERE username = :u", u=username)
    return int(found)


def flipped(states: dict[Probe, str]) -> dict[Probe, str]:
    return {probe: REFUSED if state == ACCEPTED else ACCEPTED for probe, state in states.items()}


def token_probes(world: World, token: Token, label: str) -> list[Probe]:
    """The API and introspection, asked about one access token."""
    return [api_me(token, label), introspection(token, label, world.apps["introspector"])]


# Applications.


def test_a_deactivated_application_is_refused_everywhere_and_welcome_again_once_activated(
    world: World,
) -> None:
    app = world.apps["switchable"]
    probes = [client_credentials(app), *token_probes(world, cc_token(world, app), "its token")]
    on = everywhere(probes, ACCEPTED)
    world.warm(on)

    flask_ok(world.env, "oauth", "deactivate", app.client_id)
    world.measure("deactivating an application (CLI)", on, flipped(on), since=time.monotonic())

    switched = world.office.post(f"/admin/oauth2/{app.id}/activate")
    changed_at = time.monotonic()
    assert switched.status_code == 302, switched.text
    world.measure("activating it (back-office)", flipped(on), on, since=changed_at)


def test_a_deleted_application_is_refused_everywhere(world: World) -> None:
    app = world.apps["doomed"]
    probes = [client_credentials(app), *token_probes(world, cc_token(world, app), "its token")]
    on = everywhere(probes, ACCEPTED)
    world.warm(on)

    deleted = world.office.post(f"/admin/oauth2/{app.id}/delete")
    changed_at = time.monotonic()
    assert deleted.status_code == 302, deleted.text
    world.measure("deleting an application (back-office)", on, flipped(on), since=changed_at)


def test_a_regenerated_secret_replaces_the_old_one_everywhere(world: World) -> None:
    app = world.apps["rekeyed"]
    old_secret = client_credentials(app, label=" (old secret)")
    world.warm({old_secret: ACCEPTED})

    path = f"/admin/oauth2/{app.id}/regenerate-secret"
    done = world.office.post(path, {"form_token": world.office.form_token(path)})
    changed_at = time.monotonic()
    assert done.status_code == 303, done.text
    page = world.office.get(done.headers["Location"])
    found = re.search(r'<code id="client-secret"[^>]*>([^<]+)</code>', page.text)
    assert page.status_code == 200 and found, page.text
    new_secret = client_credentials(app, html.unescape(found.group(1)), " (new secret)")
    world.measure(
        "regenerating a secret (back-office)",
        {old_secret: ACCEPTED, new_secret: REFUSED},
        {old_secret: REFUSED, new_secret: ACCEPTED},
        since=changed_at,
    )


# Tokens.


def test_a_revoked_access_token_is_refused_everywhere(world: World) -> None:
    token = log_in(world, USERNAME)["access_token"]
    on = everywhere(token_probes(world, token, "a user's token"), ACCEPTED)
    world.warm(on)

    revoke(world, token, "access_token")
    world.measure("revoking an access token (RFC 7009)", on, flipped(on), since=time.monotonic())


def test_revoking_a_refresh_token_cuts_off_its_access_token_everywhere(world: World) -> None:
    tokens = log_in(world, USERNAME)
    on = everywhere(token_probes(world, tokens["access_token"], "a user's token"), ACCEPTED)
    world.warm(on)

    revoke(world, tokens["refresh_token"], "refresh_token")
    world.measure(
        "revoking the refresh token issued with it", on, flipped(on), since=time.monotonic()
    )


def test_a_refresh_cuts_off_the_access_token_it_replaces_everywhere(world: World) -> None:
    tokens = log_in(world, USERNAME)
    on = everywhere(token_probes(world, tokens["access_token"], "a user's token"), ACCEPTED)
    world.warm(on)

    refreshed = requests.post(
        f"{world.other.base}/oauth2-token",
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        auth=world.mobile.auth(), timeout=TIMEOUT,
    )  # fmt: skip
    changed_at = time.monotonic()
    assert refreshed.status_code == 200, refreshed.text
    world.measure("refreshing the token pair", on, flipped(on), since=changed_at)


# Users.


def test_a_disabled_user_is_refused_everywhere_and_welcome_again_once_enabled(
    world: World,
) -> None:
    token = log_in(world, "dana")["access_token"]
    probes = [
        *token_probes(world, token, "dana's token"),
        client_credentials(world.apps["dana's sync"]),
    ]
    on = everywhere(probes, ACCEPTED)
    world.warm(on)

    flask_ok(world.env, "users", "disable", "dana")
    world.measure("disabling a user (CLI)", on, flipped(on), since=time.monotonic())

    flask_ok(world.env, "users", "enable", "dana")
    world.measure("enabling the user (CLI)", flipped(on), on, since=time.monotonic())


def test_a_locked_user_is_refused_everywhere_and_welcome_again_once_unlocked(
    world: World,
) -> None:
    token = log_in(world, "lucas")["access_token"]
    probes = [
        *token_probes(world, token, "lucas's token"),
        client_credentials(world.apps["lucas's sync"]),
    ]
    on = everywhere(probes, ACCEPTED)
    world.warm(on)

    for _ in range(FAILED_LOGIN_LIMIT):  # wrong passwords, on the other instance
        failed = password_grant(world.other, world, "lucas", "not the password")
        assert (failed.status_code, error_of(failed)) == (400, "invalid_grant"), failed.text
    world.measure("locking a user (failed logins)", on, flipped(on), since=time.monotonic())

    unlocked = world.office.post(f"/admin/users/{user_id(world, 'lucas')}/unlock")
    changed_at = time.monotonic()
    assert unlocked.status_code == 302, unlocked.text
    world.measure("unlocking the user (back-office)", flipped(on), on, since=changed_at)


# Keys.


def test_rotated_keys_sign_and_verify_everywhere_and_a_deleted_retired_key_nowhere(
    world: World,
) -> None:
    signer = world.apps["introspector"]
    old_token = cc_token(world, signer)
    old_kid = kid_of(old_token)
    new_token = Found()  # once a worker signs with the new key
    signing, published = signing_key(signer, new_token), jwks()
    old_accepted = token_probes(world, old_token, "a token signed with the old key")
    before = {
        signing: f"signed with {old_kid}",
        published: f"publishes {old_kid}",
        **everywhere(old_accepted, ACCEPTED),
    }
    world.warm(before)

    output = flask_ok(world.env, "oauth", "rotate-keys")
    changed_at = time.monotonic()
    found = re.search(r"New signing key (\S+) is in use", output)
    assert found, output
    new_kid = new_token.kid = found.group(1)
    new_accepted = token_probes(world, new_token, "a token signed with the new key")
    rotated = {
        signing: f"signed with {new_kid}",
        published: f"publishes {new_kid} {old_kid}",  # the new key first
        **everywhere(old_accepted, ACCEPTED),  # until it expires
        **everywhere(new_accepted, ACCEPTED),
    }
    world.measure(
        "rotating keys (CLI)",
        {**before, **everywhere(new_accepted, REFUSED)},
        rotated,
        since=changed_at,
    )

    # A private key that may have leaked: deleting its retired public key cuts its tokens off.
    retired = list((world.folder / "oauth_public.key.retired").iterdir())
    assert len(retired) == 1, retired
    retired[0].unlink()
    changed_at = time.monotonic()
    world.measure(
        "deleting the retired key's file",
        rotated,
        {**rotated, published: f"publishes {new_kid}", **everywhere(old_accepted, REFUSED)},
        since=changed_at,
    )


# The notification channel (PostgreSQL).

# In the PostgreSQL pass, where the world's SQLite variant is skipped.
POSTGRESQL_ONLY = pytest.mark.skipif(
    not POSTGRES_URL.startswith("postgresql"), reason="the channel is PostgreSQL's LISTEN/NOTIFY"
)


def cut_channel(world: World) -> int:
    """Terminate every worker's notification connection to the world's database; how many."""
    rows = query(
        world.database_url,
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        " WHERE application_name = :name AND datname = current_database()",
        name=LISTENER,
    )
    return len(rows)


@POSTGRESQL_ONLY
def test_a_change_made_just_after_the_channel_is_cut_is_still_seen_everywhere(
    world: World,
) -> None:
    app = world.apps["unplugged"]
    probes = [client_credentials(app), *token_probes(world, cc_token(world, app), "its token")]
    on = everywhere(probes, ACCEPTED)
    world.warm(on)

    cut = cut_channel(world)
    assert cut >= 1, "no worker was listening for changes"
    switched = world.office.post(f"/admin/oauth2/{app.id}/deactivate")
    changed_at = time.monotonic()
    assert switched.status_code == 302, switched.text
    world.measure(
        f"deactivating an application (back-office) after cutting {cut} listeners",
        on, flipped(on), since=changed_at,
    )  # fmt: skip


@POSTGRESQL_ONLY
def test_a_change_is_seen_everywhere_while_the_channel_is_cut_again_and_again(
    world: World,
) -> None:
    token = log_in(world, USERNAME)["access_token"]
    on = everywhere(token_probes(world, token, "a user's token"), ACCEPTED)
    world.warm(on)

    stop = threading.Event()
    cuts: list[int] = []
    errors: list[BaseException] = []

    def keep_cutting() -> None:
        try:
            while not stop.is_set():
                cuts.append(cut_channel(world))
                stop.wait(0.1)
        except BaseException as error:  # shown by the test, not lost with the thread
            errors.append(error)

    cutter = threading.Thread(target=keep_cutting)
    cutter.start()
    try:
        # A few cuts before the change too.
        wait_for(lambda: len(cuts) >= 3 or bool(errors), TIMEOUT, lambda: "no cuts")
        revoke(world, token, "access_token")
        changed_at = time.monotonic()
        world.measure(
            "revoking an access token while the listeners are cut every 0.1s",
            on, flipped(on), since=changed_at,
        )  # fmt: skip
    finally:
        stop.set()
        cutter.join(timeout=TIMEOUT)
    assert not errors, errors
    assert sum(cuts) >= 1, "no worker was listening for changes"
    print(f"freshness: {sum(cuts)} listener connections cut in {len(cuts)} rounds")
