"""Concurrent use of a real server: one refresh token raced many times over, operators creating
and switching one application at the same moment, and a worker killed under refresh load.

Each backend gets its own servers and database, set up with `flask --app app …` commands: a
SQLite file, and, when OAUTHAPP_TEST_DATABASE_URL names a PostgreSQL server, a throwaway database
on that server. Every wait is bounded.
"""

from __future__ import annotations

import html
import json
import os
import re
import signal
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
import pytest
import requests

from tests.e2e.concurrency_support import (
    POSTGRES_URL,
    TIMEOUT,
    children,
    family_of,
    flask_together,
    gunicorn,
    integrity_problems,
    live_tokens,
    own_database,
    query,
    wait_for,
    write_config,
)
from tests.server import (
    SQLITE_PASS_ONLY,
    flask_batch,
    flask_ok,
    free_port,
    serve,
    server_environ,
)

ORG = "Acme Retail"
USERNAME = "olivia"
PASSWORD = "correct horse battery"
RACERS = 20  # simultaneous requests with one refresh token
PAUSE = 0.02  # seconds between one simulated user's clicks, leaving CPU for the others
DUPLICATE_NAME = "An application with this name already exists for this organization and owner."
ALREADY_SUBMITTED = "This form was already submitted."

BACKENDS = [
    pytest.param("sqlite", marks=SQLITE_PASS_ONLY),
    pytest.param(
        "postgresql",
        marks=pytest.mark.skipif(
            not POSTGRES_URL, reason="needs OAUTHAPP_TEST_DATABASE_URL (PostgreSQL)"
        ),
    ),
]


@dataclass(frozen=True)
class Credentials:
    client_id: str
    client_secret: str


@dataclass(frozen=True)
class Site:
    """One backend's database, its `flask run` server, and what the operator set up in it."""

    backend: str
    folder: Path
    database_url: str = field(repr=False)
    env: dict[str, str] = field(repr=False)  # the environment of CLI commands
    base: str
    password_app: Credentials  # back-office password application
    switchable: Credentials  # another password application, switched off and on by one test


@pytest.fixture(scope="module", params=BACKENDS)
def site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    backend: str = request.param
    folder = tmp_path_factory.mktemp(f"concurrency-{backend}")
    port = free_port()
    with own_database(backend, folder) as database_url:
        env = server_environ(
            write_config(folder, "strict.yml", f"http://127.0.0.1:{port}", database_url)
        )
        *_, created_mobile, created_switchable = flask_batch(
            env,
            ("db", "upgrade"),
            ("oauth", "generate-keys"),
            ("orgs", "create", ORG),
            ("users", "create", USERNAME, "--email", "olivia@example.com", "--password", PASSWORD,
             "--org", ORG, "--role", "ADMINISTRATOR"),
            ("oauth", "create-app", "--org", ORG, "--name", "Mobile app", "--grant", "password",
             "--json"),
            ("oauth", "create-app", "--org", ORG, "--name", "Switchable", "--grant", "password",
             "--json"),
        )  # fmt: skip
        password_app, switchable = (credentials(o) for o in (created_mobile, created_switchable))
        with serve(env, folder / "flask-run.log", port) as base:
            yield Site(backend, folder, database_url, env, base, password_app, switchable)


@pytest.fixture(scope="module")
def lenient_base(site: Site) -> Iterator[str]:
    """A second server on the same database, with refresh token reuse detection off."""
    port = free_port()
    config = write_config(
        site.folder, "lenient.yml", f"http://127.0.0.1:{port}", site.database_url,
        reuse_detection=False,
    )  # fmt: skip
    with serve(server_environ(config), site.folder / "lenient.log", port) as base:
        yield base


@pytest.fixture(scope="module")
def racing_base(site: Site) -> Iterator[str]:
    """A second server on the same database that lets a just-rotated refresh token come back
    for a minute (two tabs refreshing at once)."""
    port = free_port()
    config = write_config(
        site.folder, "racing.yml", f"http://127.0.0.1:{port}", site.database_url,
        reuse_interval=60,
    )  # fmt: skip
    with serve(server_environ(config), site.folder / "racing.log", port) as base:
        yield base


@dataclass(frozen=True)
class BackOffice:
    """USERNAME logged in to the back-office: the session cookie and a CSRF token for forms."""

    base: str
    cookies: dict[str, str]
    csrf_token: str

    @classmethod
    def log_in(cls, base: str) -> BackOffice:
        http = requests.Session()
        form = {"csrf_token": csrf_token(http, f"{base}/login"), "username": USERNAME,
                "password": PASSWORD}  # fmt: skip
        response = http.post(f"{base}/login", data=form, allow_redirects=False, timeout=TIMEOUT)
        assert response.status_code == 302, response.text
        token = csrf_token(http, f"{base}/admin/oauth2/create")  # stored in the session cookie
        return cls(base, http.cookies.get_dict(), token)

    def post(self, path: str, form: dict[str, str] | None = None) -> requests.Response:
        return requests.post(
            self.base + path, data={"csrf_token": self.csrf_token, **(form or {})},
            cookies=self.cookies, allow_redirects=False, timeout=TIMEOUT,
        )  # fmt: skip

    def get(self, path: str) -> requests.Response:
        return requests.get(
            self.base + path, cookies=self.cookies, allow_redirects=False, timeout=TIMEOUT
        )

    def form_token(self, path: str) -> str:
        """The one-time form token of the form at PATH (create, regenerate secret)."""
        page = self.get(path)
        match = re.search(r'name="form_token"[^>]*value="([^"]+)"', page.text)
        assert match, f"no form token on {path}: {page.status_code}"
        return html.unescape(match.group(1))

    def post_together(self, path: str, forms: list[dict[str, str]]) -> list[requests.Response]:
        """POST each of FORMS to PATH at once, from threads released together."""
        barrier = threading.Barrier(len(forms), timeout=TIMEOUT)

        def send(form: dict[str, str]) -> requests.Response:
            barrier.wait()
            return self.post(path, form)

        with ThreadPoolExecutor(max_workers=len(forms)) as pool:
            return list(pool.map(send, forms, timeout=3 * TIMEOUT))


def csrf_token(http: requests.Session, url: str) -> str:
    page = http.get(url, timeout=TIMEOUT)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text)
    assert match, f"no CSRF token on {url}: {page.status_code}"
    return match.group(1)


def credentials(output: str) -> Credentials:
    data = json.loads(output.strip())
    return Credentials(data["client_id"], data["client_secret"])


def token_request(base: str, app: Credentials, **data: str) -> requests.Response:
    body = {"client_id": app.client_id, "client_secret": app.client_secret, **data}
    return requests.post(f"{base}/oauth2-token", data=body, timeout=TIMEOUT)


def log_in(site: Site, base: str | None = None) -> dict[str, Any]:
    """A new token family for USERNAME on the password application: the token response."""
    response = login_with(base or site.base, site.password_app)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def login_with(base: str, app: Credentials) -> requests.Response:
    """A password grant for USERNAME on APP."""
    return token_request(base, app, grant_type="password", username=USERNAME, password=PASSWORD)


def refresh(base: str, app: Credentials, refresh_token: str) -> requests.Response:
    return token_request(base, app, grant_type="refresh_token", refresh_token=refresh_token)


def me(base: str, access_token: str) -> int:
    headers = {"Authorization": f"Bearer {access_token}"}
    return requests.get(f"{base}/api/me", headers=headers, timeout=TIMEOUT).status_code


def outcome(response: requests.Response) -> tuple[int, str | None]:
    """The status and OAuth error code of a token response."""
    try:
        error = response.json().get("error")
    except ValueError:
        error = f"not JSON: {response.text[:200]!r}"
    return response.status_code, error


def race_refresh(base: str, app: Credentials, refresh_token: str) -> list[requests.Response]:
    """RACERS refresh requests with one token, released together."""
    barrier = threading.Barrier(RACERS, timeout=TIMEOUT)

    def racer(_: int) -> requests.Response:
        barrier.wait()
        return refresh(base, app, refresh_token)

    with ThreadPoolExecutor(max_workers=RACERS) as pool:
        return list(pool.map(racer, range(RACERS), timeout=3 * TIMEOUT))


def the_winner(responses: list[requests.Response]) -> dict[str, Any]:
    """The one successful response of a race, after checking that all others are invalid_grant."""
    outcomes = Counter(outcome(response) for response in responses)
    assert outcomes == {(200, None): 1, (400, "invalid_grant"): RACERS - 1}, outcomes
    body: dict[str, Any] = next(r for r in responses if r.status_code == 200).json()
    return body


def jti(access_token: str) -> str:
    """The id of an access token (the signature is not this test's concern)."""
    return str(jwt.decode(access_token, options={"verify_signature": False})["jti"])


def live_in_family(site: Site, access_token: str) -> list[str]:
    """The live refresh tokens of ACCESS_TOKEN's family (as the ids of the access tokens issued
    with them), after checking the whole database."""
    problems = integrity_problems(site.database_url)
    assert not problems, problems
    family = family_of(site.database_url, jti(access_token))
    return live_tokens(site.database_url).get(family, [])


def test_of_simultaneous_refreshes_with_one_token_one_wins_and_the_reuse_revokes_the_family(
    site: Site,
) -> None:
    first = log_in(site)
    winner = the_winner(race_refresh(site.base, site.password_app, first["refresh_token"]))

    # SPEC: "a rotated refresh token used again revokes its family". The losers presented the
    # token the winner rotated, so the winner's new pair is cut off as well.
    assert outcome(refresh(site.base, site.password_app, winner["refresh_token"])) == (
        400,
        "invalid_grant",
    )
    assert me(site.base, winner["access_token"]) == 401
    assert me(site.base, first["access_token"]) == 401
    assert live_in_family(site, first["access_token"]) == []


def test_without_reuse_detection_the_refresh_race_winner_gets_a_token_that_works_once(
    site: Site, lenient_base: str
) -> None:
    first = log_in(site, lenient_base)
    winner = the_winner(race_refresh(lenient_base, site.password_app, first["refresh_token"]))
    assert me(lenient_base, first["access_token"]) == 401  # rotated with its refresh token
    assert me(lenient_base, winner["access_token"]) == 200

    second = refresh(lenient_base, site.password_app, winner["refresh_token"])
    assert second.status_code == 200, second.text
    again = refresh(lenient_base, site.password_app, winner["refresh_token"])
    assert outcome(again) == (400, "invalid_grant")
    assert me(lenient_base, winner["access_token"]) == 401
    third = refresh(lenient_base, site.password_app, second.json()["refresh_token"])
    assert third.status_code == 200, third.text
    assert live_in_family(site, first["access_token"]) == [jti(third.json()["access_token"])]


def test_within_the_reuse_interval_every_simultaneous_refresh_gets_a_pair_of_the_family(
    site: Site, racing_base: str
) -> None:
    first = log_in(site, racing_base)
    responses = race_refresh(racing_base, site.password_app, first["refresh_token"])
    outcomes = Counter(outcome(response) for response in responses)
    assert outcomes == {(200, None): RACERS}, outcomes
    pairs = [response.json() for response in responses]
    assert len({pair["refresh_token"] for pair in pairs}) == RACERS
    assert me(racing_base, first["access_token"]) == 401  # rotated, as ever

    # The family holds exactly the racers' tokens, all live: none lost, none extra, none revoked.
    family = family_of(site.database_url, jti(first["access_token"]))
    issued = sorted(jti(pair["access_token"]) for pair in pairs)
    assert sorted(live_tokens(site.database_url).get(family, [])) == issued
    assert {family_of(site.database_url, token) for token in issued} == {family}
    for pair in pairs[:3]:
        assert me(racing_base, pair["access_token"]) == 200
        assert refresh(racing_base, site.password_app, pair["refresh_token"]).status_code == 200

    # Revoking one of them ends the whole family, whatever raced into it.
    assert me(racing_base, pairs[5]["access_token"]) == 200
    revoked = requests.post(
        f"{racing_base}/oauth2/revoke",
        data={"token": pairs[-1]["refresh_token"], "client_id": site.password_app.client_id,
              "client_secret": site.password_app.client_secret},
        timeout=TIMEOUT,
    )  # fmt: skip
    assert revoked.status_code == 200, revoked.text
    assert live_tokens(site.database_url).get(family, []) == []
    assert me(racing_base, pairs[5]["access_token"]) == 401
    assert not integrity_problems(site.database_url)


def test_simultaneous_back_office_creates_with_one_name_leave_one_application(
    site: Site,
) -> None:
    office = BackOffice.log_in(site.base)
    [(org_id,)] = query(site.database_url, "SELECT id FROM organizations WHERE name = :n", n=ORG)
    [(user_id,)] = query(site.database_url, "SELECT id FROM users WHERE username = :n", n=USERNAME)
    name = "Nightly import"
    form = {"organization": str(org_id), "name": name, "active": "y",
            "grant": "client_credentials", "owner": str(user_id)}  # fmt: skip
    forms = [  # RACERS forms opened one by one, each with its own form token
        {**form, "form_token": office.form_token("/admin/oauth2/create")} for _ in range(RACERS)
    ]
    responses = office.post_together("/admin/oauth2/create", forms)

    rows = query(
        site.database_url, "SELECT client_id FROM oauth_applications WHERE name = :n", n=name
    )
    assert len(rows) == 1, rows
    [(client_id,)] = rows
    statuses = Counter(response.status_code for response in responses)
    assert statuses == {303: 1, 200: RACERS - 1}, statuses  # the one-time page, or the form
    refused = [r for r in responses if DUPLICATE_NAME in r.text]
    assert len(refused) == RACERS - 1
    [created] = [r for r in responses if r.status_code == 303]
    page = office.get(created.headers["Location"]).text
    assert client_id in page
    secret = re.search(r'<code id="client-secret"[^>]*>([^<]+)</code>', page)
    assert secret, page
    app = Credentials(client_id, html.unescape(secret.group(1)))
    assert token_request(site.base, app, grant_type="client_credentials").status_code == 200


def test_one_create_form_sent_many_times_at_once_creates_one_application(site: Site) -> None:
    office = BackOffice.log_in(site.base)
    [(org_id,)] = query(site.database_url, "SELECT id FROM organizations WHERE name = :n", n=ORG)
    name = "Clicked many times"
    form = {"organization": str(org_id), "name": name, "active": "y", "grant": "password",
            "form_token": office.form_token("/admin/oauth2/create")}  # fmt: skip

    responses = office.post_together("/admin/oauth2/create", [form] * RACERS)

    rows = query(site.database_url, "SELECT id FROM oauth_applications WHERE name = :n", n=name)
    assert len(rows) == 1, rows
    statuses = Counter(response.status_code for response in responses)
    assert statuses == {303: 1, 409: RACERS - 1}, statuses
    assert all(ALREADY_SUBMITTED in r.text for r in responses if r.status_code == 409)
    [created] = [r for r in responses if r.status_code == 303]
    assert '<code id="client-secret"' in office.get(created.headers["Location"]).text
    assert not any('<code id="client-secret"' in r.text for r in responses)


def test_one_regenerate_confirmation_sent_many_times_at_once_regenerates_once(
    site: Site,
) -> None:
    office = BackOffice.log_in(site.base)
    rekeyed = credentials(
        flask_ok(site.env, "oauth", "create-app", "--org", ORG, "--name", "Rekeyed at once",
                 "--grant", "password", "--json")
    )  # fmt: skip
    [(app_id,)] = query(
        site.database_url,
        "SELECT id FROM oauth_applications WHERE client_id = :client_id",
        client_id=rekeyed.client_id,
    )
    path = f"/admin/oauth2/{app_id}/regenerate-secret"
    form = {"form_token": office.form_token(path)}

    responses = office.post_together(path, [form] * RACERS)

    statuses = Counter(response.status_code for response in responses)
    assert statuses == {303: 1, 409: RACERS - 1}, statuses
    regenerated = query(
        site.database_url,
        "SELECT count(*) FROM security_events WHERE application_id = :a AND event = :e",
        a=app_id,
        e="secret_regenerated",
    )
    assert regenerated == [(1,)], regenerated
    [done] = [r for r in responses if r.status_code == 303]
    page = office.get(done.headers["Location"]).text
    secret = re.search(r'<code id="client-secret"[^>]*>([^<]+)</code>', page)
    assert secret, page
    assert login_with(site.base, rekeyed).status_code == 401  # the old secret
    fresh = Credentials(rekeyed.client_id, html.unescape(secret.group(1)))
    assert login_with(site.base, fresh).status_code == 200


def test_simultaneous_operator_creates_with_one_name_leave_one_application(site: Site) -> None:
    name = "Nightly export"
    command = ("oauth", "create-app", "--org", ORG, "--name", name,
               "--grant", "client_credentials", "--owner", USERNAME, "--json")  # fmt: skip
    results = flask_together(site.env, [command] * 4)

    ended = Counter((r.returncode, r.stderr.strip() if r.returncode else "") for r in results)
    assert ended == {(0, ""): 1, (1, f"Error: {DUPLICATE_NAME}"): 3}, ended
    app = credentials(next(result.stdout for result in results if result.returncode == 0))
    rows = query(
        site.database_url, "SELECT client_id FROM oauth_applications WHERE name = :n", n=name
    )
    assert rows == [(app.client_id,)]
    assert token_request(site.base, app, grant_type="client_credentials").status_code == 200


def test_simultaneous_activations_and_deactivations_end_in_a_state_tokens_agree_with(
    site: Site,
) -> None:
    app = site.switchable
    before = login_with(site.base, app)
    assert before.status_code == 200, before.text
    access_token = before.json()["access_token"]
    [(app_id,)] = query(
        site.database_url,
        "SELECT id FROM oauth_applications WHERE client_id = :client_id",
        client_id=app.client_id,
    )
    office = BackOffice.log_in(site.base)
    stop = threading.Event()
    switched: Counter[int] = Counter()
    answers: Counter[int] = Counter()

    def switch(n: int) -> None:  # the grid's buttons, pressed again and again
        action = "activate" if n % 2 else "deactivate"
        while not stop.is_set():
            response = office.post(f"/admin/oauth2/{app_id}/{action}")
            switched[response.status_code] += 1
            stop.wait(PAUSE)
            action = "deactivate" if action == "activate" else "activate"

    def use_token() -> None:  # an API client, meanwhile
        while not stop.is_set():
            answers[me(site.base, access_token)] += 1
            stop.wait(PAUSE)

    commands = [("oauth", action, app.client_id) for action in ("activate", "deactivate")]
    with ThreadPoolExecutor(max_workers=5) as pool:
        running = [pool.submit(switch, n) for n in range(4)] + [pool.submit(use_token)]
        try:
            results = flask_together(site.env, commands)
        finally:
            stop.set()
        for future in running:
            future.result(timeout=3 * TIMEOUT)

    for result in results:
        verb = "Activated" if result.args[1] == "activate" else "Deactivated"
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == f"{verb} application {app.client_id}."
    assert set(switched) == {302}, switched  # back to the page the button was on
    assert set(answers) <= {200, 401}, answers
    [(active,)] = query(
        site.database_url, "SELECT active FROM oauth_applications WHERE id = :id", id=app_id
    )
    assert outcome(login_with(site.base, app)) == (
        (200, None) if active else (401, "invalid_client")
    )
    assert me(site.base, access_token) == (200 if active else 401)


@dataclass
class Family:
    """One client's token family: the refresh tokens it received in 200 responses, oldest first."""

    first_access_token: str  # names the family in the database
    access_token: str  # the latest one received
    tokens: list[str]
    in_doubt: bool = False  # the last token went out in a request that got no answer


@dataclass
class Load:
    """Clients that each keep refreshing their own token family until told to stop."""

    site: Site
    base: str
    families: list[Family] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    refreshed: int = 0
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def client(self) -> None:
        family: Family | None = None
        while not self.stop.is_set() and not self.unexpected:
            try:
                if family is None:
                    family = self.new_family()
                    continue
                response = refresh(self.base, self.site.password_app, family.tokens[-1])
            except requests.RequestException:
                if family is not None:
                    family.in_doubt = True  # the server may or may not have rotated its token
                family = None  # a client that lost an answer logs in again
                continue
            if response.status_code != 200:
                self.unexpected.append(f"refresh: {response.status_code} {response.text[:300]}")
                return
            body = response.json()
            family.access_token = body["access_token"]
            family.tokens.append(body["refresh_token"])
            with self.lock:
                self.refreshed += 1

    def new_family(self) -> Family | None:
        response = login_with(self.base, self.site.password_app)
        if response.status_code != 200:
            self.unexpected.append(f"log-in: {response.status_code} {response.text[:300]}")
            return None
        body = response.json()
        family = Family(body["access_token"], body["access_token"], [body["refresh_token"]])
        with self.lock:
            self.families.append(family)
        return family

    def run(self, master: int, log: Path, clients: int = 4, per_phase: int = 40) -> None:
        """Refresh PER_PHASE times, kill -9 a worker, go on until it is replaced and PER_PHASE
        more refreshes have succeeded."""
        workers = children(master)
        victim = min(workers)
        goal = per_phase

        def progressed() -> bool:
            return self.refreshed >= goal or bool(self.unexpected)

        def recovered() -> bool:
            now = children(master)
            return victim not in now and len(now) == len(workers) and progressed()

        with ThreadPoolExecutor(max_workers=clients) as pool:
            running = [pool.submit(self.client) for _ in range(clients)]
            try:
                wait_for(progressed, 30, lambda: f"no progress:\n{log.read_text()}")
                os.kill(victim, signal.SIGKILL)
                goal = self.refreshed + per_phase
                wait_for(recovered, 30, lambda: f"no recovery:\n{log.read_text()}")
            finally:
                self.stop.set()
            for future in running:
                future.result(timeout=3 * TIMEOUT)


def test_a_worker_killed_under_refresh_load_loses_no_refresh_token_a_client_holds(
    site: Site,
) -> None:
    port = free_port()
    log = site.folder / "gunicorn.log"
    with gunicorn(site.env, port, log, workers=2) as master:
        load = Load(site, f"http://127.0.0.1:{port}")
        load.run(master, log)
        assert not load.unexpected, load.unexpected
        assert sum(family.in_doubt for family in load.families) <= 1, (
            "only the request in the killed worker may go unanswered"
        )
        for family in load.families:
            check_family(site, load.base, family)
        older = next(family for family in load.families if len(family.tokens) > 2)
        assert outcome(refresh(load.base, site.password_app, older.tokens[-3])) == (
            400,
            "invalid_grant",
        )
    assert not integrity_problems(site.database_url)


def check_family(site: Site, base: str, family: Family) -> None:
    """The family's one live refresh token is the last one its client received, unless the
    client's last request went unanswered: then the server may have rotated that token."""
    live = live_in_family(site, family.first_access_token)
    assert len(live) == 1, live
    rotated_unseen = live != [jti(family.access_token)]
    assert family.in_doubt or not rotated_unseen, "a refresh the client never saw the answer of"
    expected = (400, "invalid_grant") if rotated_unseen else (200, None)
    assert outcome(refresh(base, site.password_app, family.tokens[-1])) == expected
