"""Who may reach every route: one table of routes by actor, checked against the app's URL map.

Each row names a rule of `app.url_map` and what a GET and a POST (with a valid CSRF token) answer
to each actor, on Acme's objects: the application "Alice CC", the user alice, the customer user
carol. A route the table does not name fails the test, so a new route must be added here.

A POST marked `done(...)` must change the database; any other POST must leave it as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from oauthapp.applications import once
from tests.applications.conftest import World, build_world, form_token, logged_in
from tests.factories import PASSWORD
from tests.security.admin_api_matrix import (
    ADMIN_API,
    ADMIN_APP,
    ADMIN_TABLE,
    MANAGE,
    AdminCall,
    admin_tokens,
    without_scopes,
)
from tests.security.authorization_support import (
    ACTORS,
    Outcome,
    active_target,
    customize_template,
    doomed_application,
    failed_message,
    inactive_target,
    locked_customer,
    locked_member,
    snapshot,
    targets,
    template_form,
)
from tests.token.helpers import bearer, client_credentials

LOGIN = Outcome(302, "/login")
OK = Outcome(200)
UNAUTHORIZED = Outcome(401)
FORBIDDEN = Outcome(403)
NOT_FOUND = Outcome(404)
NOT_ALLOWED = Outcome(405)
PREFLIGHT = Outcome(204)
BAD_REQUEST = Outcome(400)
CUSTOMER_LOGIN = "/customer/user/login"
CUSTOMER_PROFILE = "/customer/user/profile"
LOGGED_OUT = "/oauth2/logged-out"


def to(location: str) -> Outcome:
    """A redirect that changes nothing."""
    return Outcome(302, location)


def done(status: int, location: str | None = None) -> Outcome:
    """The request is carried out: the database changes."""
    return Outcome(status, location, changes=True)


def by_actor(
    anonymous: Outcome, bob: Outcome, oscar: Outcome, alice: Outcome, root: Outcome
) -> dict[str, Outcome]:
    """One outcome per actor, in the order of the table's columns."""
    return dict(zip(ACTORS, (anonymous, bob, oscar, alice, root), strict=True))


def everyone(outcome: Outcome) -> dict[str, Outcome]:
    return dict.fromkeys(ACTORS, outcome)


Form = Callable[[dict[str, Any], str], dict[str, str]]  # (path values, actor) -> form
Prepare = Callable[[Flask, World], dict[str, Any]]


def fixed(data: dict[str, str]) -> Form:
    """The same form for every actor."""
    return lambda values, actor: data


NO_FORM = fixed({})


@dataclass(frozen=True)
class Route:
    rule: str
    get: dict[str, Outcome]
    post: dict[str, Outcome]
    form: Form = NO_FORM
    options: Outcome | None = None  # routes that answer CORS preflights themselves
    path: str = ""  # the rule with its variables filled from `targets`; defaults to the rule
    prepare: Prepare | None = None  # run before each actor's POST; may override path values
    changes_session: bool = False  # a POST logs the actor in or out
    one_time: bool = False  # the form carries a one-time form token (a fresh one per POST)
    others: dict[str, dict[str, Outcome]] = field(default_factory=dict)  # PATCH, DELETE

    @property
    def methods(self) -> set[str]:
        return {"GET", "POST", *self.others}

    @property
    def alone(self) -> bool:
        """Whether the route needs a world of its own: some actor's POST changes it."""
        return self.changes_session or any(outcome.changes for outcome in self.post.values())

    def url(self, values: dict[str, Any]) -> str:
        return (self.path or self.rule).format(**values)


APP = "/admin/oauth2/<int(max=2147483647):application_id>"
EMAIL = "/admin/email"
ONLY_ROOT = by_actor(LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK)  # System > Emails
MANAGERS = by_actor(LOGIN, NOT_FOUND, NOT_FOUND, OK, OK)  # those who may manage Alice CC
LOGGED_IN = by_actor(LOGIN, OK, OK, OK, OK)
NO_POST = everyone(NOT_ALLOWED)
NO_GET = everyone(NOT_ALLOWED)
ANY_SESSION_401 = everyone(UNAUTHORIZED)  # a session cookie is no client or bearer credential
# Logout and Log out everywhere: each user for their own account; the session version changes.
ENDS_OWN_SESSIONS = by_actor(LOGIN, *[done(302, "/login")] * 4)


def application_action(action: str, post: dict[str, Outcome], **extra: Any) -> Route:
    """A page of Alice CC (an Acme application owned by alice) and what a POST there does."""
    get = NO_GET if action in ("activate", "scopes") else MANAGERS
    suffix = f"/{action}" if action else ""
    return Route(APP + suffix, get, post, path=f"/admin/oauth2/{{app}}{suffix}", **extra)


ROUTES = [
    Route("/", everyone(to("/admin/")), NO_POST),
    # Probes for load balancers: open to all, and saying nothing secret (tests/test_health.py).
    Route("/health/live", everyone(OK), NO_POST),
    Route("/health/ready", everyone(OK), NO_POST),
    # Open to the networks of metrics.allow_from (loopback here), whoever is logged in
    # (tests/metrics/test_access.py).
    Route("/metrics", everyone(OK), NO_POST),
    Route("/static/<path:filename>", everyone(OK), NO_POST, path="/static/css/app.css"),
    Route("/.well-known/jwks.json", everyone(OK), NO_POST),
    Route("/.well-known/oauth-authorization-server", everyone(OK), NO_POST),
    Route(
        "/login",
        by_actor(OK, to("/admin/"), to("/admin/"), to("/admin/"), to("/admin/")),
        everyone(to("/admin/")),  # anyone may log in as gus
        form=fixed({"username": "gus", "password": PASSWORD}),
        changes_session=True,
    ),
    Route("/logout", by_actor(LOGIN, OK, OK, OK, OK), ENDS_OWN_SESSIONS, changes_session=True),
    Route("/admin/", LOGGED_IN, NO_POST),
    Route("/admin/profile", LOGGED_IN, NO_POST),
    Route("/admin/profile/log-out-everywhere", NO_GET, ENDS_OWN_SESSIONS, changes_session=True),
    Route("/admin/users", LOGGED_IN, NO_POST),
    Route(
        "/admin/users/<int(max=2147483647):user_id>",
        by_actor(LOGIN, OK, NOT_FOUND, OK, OK),  # members of Acme see each other
        NO_POST,
        path="/admin/users/{user}",
    ),
    Route(
        "/admin/users/<int(max=2147483647):user_id>/unlock",
        NO_GET,
        # bob sees dave (both of Acme) but is no administrator; oscar does not see him
        by_actor(LOGIN, FORBIDDEN, NOT_FOUND, done(302, "/admin/users/{user}"), done(302)),
        path="/admin/users/{user}/unlock",
        prepare=locked_member,
    ),
    Route("/admin/customer-users", LOGGED_IN, NO_POST),
    Route(
        "/admin/customer-users/<int(max=2147483647):customer_id>/unlock",
        NO_GET,
        by_actor(
            LOGIN, FORBIDDEN, NOT_FOUND, done(302, "/admin/customer-users/{customer}"), done(302)
        ),
        path="/admin/customer-users/{customer}/unlock",
        prepare=locked_customer,
    ),
    Route(
        "/admin/customer-users/<int(max=2147483647):customer_id>",
        by_actor(LOGIN, OK, NOT_FOUND, OK, OK),
        NO_POST,
        path="/admin/customer-users/{customer}",
    ),
    Route("/admin/oauth2/", LOGGED_IN, NO_POST),
    Route("/admin/oauth2/frontend", LOGGED_IN, NO_POST),
    Route(
        "/admin/oauth2/create",
        LOGGED_IN,  # a USER may create client-credentials applications it owns
        by_actor(LOGIN, OK, OK, done(303), done(303)),  # 200 without done: the form, an error
        form=lambda values, actor: {
            "organization": str(values["acme"]),
            "name": f"Created by {actor}",
            "grant": "password",  # no owner: for administrators of Acme only
            "active": "y",
        },
        one_time=True,
    ),
    Route(
        "/admin/oauth2/frontend/create",
        by_actor(LOGIN, FORBIDDEN, OK, OK, OK),  # oscar may create for Other Corp
        by_actor(LOGIN, FORBIDDEN, OK, done(303), done(303)),
        form=lambda values, actor: {
            "organization": str(values["acme"]),
            "name": f"Store of {actor}",
            "grant": "client_credentials",
            "owner": str(values["customer"]),
            "active": "y",
        },
        one_time=True,
    ),
    Route(  # the one-time page of someone's create or regenerate: nobody else's
        "/admin/oauth2/credentials/<int(max=2147483647):page_id>",
        by_actor(LOGIN, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND),
        NO_POST,
        path="/admin/oauth2/credentials/2147483647",
    ),
    Route(
        "/admin/oauth2/owners",  # the Users search, for Acme: its members, as on the form
        by_actor(LOGIN, OK, NOT_FOUND, OK, OK),  # bob finds himself; oscar may not create there
        NO_POST,
        path="/admin/oauth2/owners?organization={acme}",
    ),
    Route(
        "/admin/oauth2/frontend/owners",
        by_actor(LOGIN, FORBIDDEN, NOT_FOUND, OK, OK),  # bob administers nothing
        NO_POST,
        path="/admin/oauth2/frontend/owners?organization={acme}",
    ),
    application_action("", NO_POST),
    application_action(
        "edit",
        by_actor(LOGIN, NOT_FOUND, NOT_FOUND, done(302, "/admin/oauth2/{app}"), done(302)),
        form=lambda values, actor: {"name": f"Renamed by {actor}", "active": "y"},
    ),
    application_action(
        "activate",
        by_actor(LOGIN, NOT_FOUND, NOT_FOUND, done(302), done(302)),
        prepare=inactive_target,
    ),
    application_action(
        "deactivate",
        by_actor(LOGIN, NOT_FOUND, NOT_FOUND, done(302), done(302)),
        prepare=active_target,
    ),
    application_action(
        "delete",
        by_actor(LOGIN, NOT_FOUND, NOT_FOUND, done(302, "/admin/oauth2/"), done(302)),
        prepare=doomed_application,
    ),
    application_action(
        "regenerate-secret",
        by_actor(LOGIN, NOT_FOUND, NOT_FOUND, done(303), done(303)),
        one_time=True,
    ),
    application_action("activity.csv", NO_POST),
    Route(f"{EMAIL}/templates", ONLY_ROOT, NO_POST),
    Route(
        f"{EMAIL}/templates/<name>/<locale>",
        ONLY_ROOT,
        by_actor(LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, done(302)),
        path=EMAIL + "/templates/{template}/en",
        form=template_form,
    ),
    Route(
        f"{EMAIL}/templates/<name>/<locale>/reset",
        ONLY_ROOT,  # GET: the confirmation page
        by_actor(LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, done(302)),
        path=EMAIL + "/templates/{template}/en/reset",
        prepare=customize_template,
    ),
    Route(f"{EMAIL}/notification-rules", ONLY_ROOT, NO_POST),
    Route(
        f"{EMAIL}/notification-rules/<event>",
        ONLY_ROOT,
        by_actor(LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, done(302, f"{EMAIL}/notification-rules")),
        path=EMAIL + "/notification-rules/{event}",
        form=lambda values, actor: {"enabled": "y", "recipients": f"{actor}@example.com"},
    ),
    Route(f"{EMAIL}/outbox", ONLY_ROOT, NO_POST),
    Route(
        f"{EMAIL}/outbox/<int(max=2147483647):message_id>",
        ONLY_ROOT,
        NO_POST,
        path=EMAIL + "/outbox/{message}",
        prepare=failed_message,
    ),
    Route(
        f"{EMAIL}/outbox/<int(max=2147483647):message_id>/retry",
        NO_GET,
        by_actor(LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, done(302)),
        path=EMAIL + "/outbox/{message}/retry",
        prepare=failed_message,
    ),
    # The browser leg of the authorization code grant (its flow is tested in tests/authorize):
    # without a client_id the request is refused on this server, whoever asks.
    Route("/oauth2-token/authorize", everyone(BAD_REQUEST), everyone(BAD_REQUEST)),
    Route(
        "/admin/profile/applications/<int(max=2147483647):application_id>/revoke",
        NO_GET,
        by_actor(LOGIN, *[to("/admin/profile")] * 4),  # nobody granted Alice CC: no change
        path="/admin/profile/applications/{app}/revoke",
    ),
    # Customer users' pages: a back-office session is no customer session.
    Route(
        "/customer/user/login",
        everyone(OK),
        everyone(to(CUSTOMER_PROFILE)),  # anyone may sign in as carol
        form=fixed({"email": "carol@example.com", "password": PASSWORD}),
        changes_session=True,
    ),
    Route("/customer/user/logout", NO_GET, everyone(to(CUSTOMER_LOGIN))),
    Route(CUSTOMER_PROFILE, everyone(to(CUSTOMER_LOGIN)), NO_POST),
    Route(
        "/customer/user/profile/applications/<int(max=2147483647):application_id>/revoke",
        NO_GET,
        everyone(to(CUSTOMER_LOGIN)),
        path="/customer/user/profile/applications/{app}/revoke",
    ),
    Route("/.well-known/oauth-protected-resource/api", everyone(OK), NO_POST),
    Route("/.well-known/oauth-protected-resource/api/frontend", everyone(OK), NO_POST),
    # Client-authenticated endpoints: a session is no client authentication.
    Route("/oauth2-token", NO_GET, ANY_SESSION_401, fixed({"grant_type": "password"}), PREFLIGHT),
    Route("/oauth2/revoke", NO_GET, ANY_SESSION_401, fixed({"token": "anything"}), PREFLIGHT),
    Route("/oauth2/introspect", NO_GET, ANY_SESSION_401, fixed({"token": "anything"}), PREFLIGHT),
    # Bearer APIs: a session is no token (tokens are checked in test_each_api_...).
    Route("/api/me", ANY_SESSION_401, NO_POST, options=PREFLIGHT),
    Route("/api/frontend/me", ANY_SESSION_401, NO_POST, options=PREFLIGHT),
    # The management API: a session is no token (tokens are checked in test_the_management_...).
    Route(ADMIN_API, ANY_SESSION_401, ANY_SESSION_401),
    Route(
        ADMIN_APP,
        ANY_SESSION_401,
        NO_POST,
        path=f"{ADMIN_API}/{{app}}",
        others={"PATCH": ANY_SESSION_401, "DELETE": ANY_SESSION_401},
    ),
    *[
        Route(
            f"{ADMIN_APP}/{action}", NO_GET, ANY_SESSION_401, path=f"{ADMIN_API}/{{app}}/{action}"
        )
        for action in ("activate", "deactivate", "regenerate-secret")
    ],
    application_action(
        "scopes",
        by_actor(LOGIN, NOT_FOUND, NOT_FOUND, done(302, "/admin/oauth2/{app}"), done(302)),
        form=fixed({"scope": MANAGE, "action": "grant"}),
        prepare=without_scopes,
    ),
    # OpenID Connect: userinfo takes bearer tokens of both kinds; logout ends one's own session.
    Route("/.well-known/openid-configuration", everyone(OK), NO_POST),
    Route("/oauth2/userinfo", ANY_SESSION_401, ANY_SESSION_401, options=PREFLIGHT),
    Route(
        "/oauth2/logout",
        by_actor(to(LOGGED_OUT), OK, OK, OK, OK),  # without an id_token_hint: a confirmation
        by_actor(to(LOGGED_OUT), *[done(302, LOGGED_OUT)] * 4),
        changes_session=True,
    ),
    Route("/oauth2/logged-out", everyone(OK), NO_POST),
    Route("/openapi.json", everyone(OK), NO_POST),  # a discovery document: public
]
TABLE = {route.rule: route for route in ROUTES}


def test_the_table_names_every_route_and_only_routes_that_exist(app: Flask) -> None:
    rules = list(app.url_map.iter_rules())

    assert sorted({rule.rule for rule in rules} - set(TABLE)) == [], "routes missing from TABLE"
    assert sorted(set(TABLE) - {rule.rule for rule in rules}) == [], "TABLE names no such route"
    for rule in rules:
        methods = set(rule.methods or ()) - {"HEAD", "OPTIONS"}
        assert methods <= TABLE[rule.rule].methods, f"{rule.rule}: no column for {methods}"
        if rule.methods == {"OPTIONS"}:  # a view of its own answers preflights
            assert TABLE[rule.rule].options is not None, f"{rule.rule}: OPTIONS not in the table"


@dataclass
class Run:
    """Routes tried by every actor on one world; mismatches are reported together."""

    app: Flask
    world: World
    clients: dict[str, FlaskClient] = field(init=False)
    values: dict[str, Any] = field(init=False)
    mismatches: list[str] = field(default_factory=list)
    tokens: dict[str, str] = field(default_factory=dict)  # actor -> CSRF token of its session

    def __post_init__(self) -> None:
        self.clients = {
            actor: self.app.test_client() if actor == "anonymous" else logged_in(self.app, actor)
            for actor in ACTORS
        }
        self.values = targets(self.app, self.world)

    def route(self, route: Route) -> None:
        """GET (and OPTIONS) as every actor, then POST as every actor."""
        path = route.url(self.values)
        before = snapshot(self.app)
        for actor in ACTORS:
            client = self.clients[actor]
            self.check(f"GET {route.rule} as {actor}", route.get[actor], client.get(path))
            if route.options is not None:
                self.check(f"OPTIONS {route.rule}", route.options, client.options(path))
            for method, outcomes in route.others.items():
                response = client.open(path, method=method)
                self.check(f"{method} {route.rule} as {actor}", outcomes[actor], response)
        if snapshot(self.app) != before:
            self.mismatches.append(
                f"GET (or {list(route.others)}) {route.rule} changed the database"
            )
        for actor in ACTORS:  # last: a POST may log the actor out, or in as someone else
            self.post(route, actor, route.post[actor])

    def check(
        self,
        what: str,
        expected: Outcome,
        response: TestResponse,
        values: dict[str, Any] | None = None,
    ) -> None:
        found = Outcome.of(response)
        wanted = expected.resolved(values or self.values)
        if not wanted.matches(found):
            self.mismatches.append(f"{what}: expected {wanted}, got {found}")

    def post(self, route: Route, actor: str, expected: Outcome) -> None:
        client = self.clients[actor]
        if actor not in self.tokens:
            page = "/login" if actor == "anonymous" else "/admin/"
            self.tokens[actor] = form_token(client, page)
        token = self.tokens[actor]
        values = {**self.values, **(route.prepare(self.app, self.world) if route.prepare else {})}
        before = snapshot(self.app)
        form = {**route.form(values, actor), "csrf_token": token}
        if route.one_time:
            with self.app.test_request_context():
                form["form_token"] = once.new_form_token()
        response = client.post(route.url(values), data=form)
        self.check(f"POST {route.rule} as {actor}", expected, response, values)
        if (snapshot(self.app) != before) != expected.changes:
            what = "changed nothing" if expected.changes else "changed the database"
            self.mismatches.append(f"POST {route.rule} as {actor} {what}")


@pytest.fixture
def world(app: Flask) -> World:
    with app.app_context():
        return build_world()


SHARED = [route for route in ROUTES if not route.alone]
ALONE = [route for route in ROUTES if route.alone]


def test_routes_that_change_nothing_answer_each_actor_as_the_table_says(
    app: Flask, world: World
) -> None:
    run = Run(app, world)

    for route in SHARED:  # one world for all: none of their requests changes it
        run.route(route)

    assert not run.mismatches, "\n".join(run.mismatches)


@pytest.mark.parametrize("route", ALONE, ids=[route.rule for route in ALONE])
def test_routes_that_change_state_answer_each_actor_as_the_table_says(
    app: Flask, world: World, route: Route
) -> None:
    run = Run(app, world)

    run.route(route)

    assert not run.mismatches, "\n".join(run.mismatches)


# Bearer APIs: each accepts its own tokens only --------------------------------------------

API_TABLE = {  # path -> token -> status
    "/api/me": {"none": 401, "back-office": 200, "storefront": 401},
    "/api/frontend/me": {"none": 401, "back-office": 401, "storefront": 200},
    # Client-credentials tokens never carry openid (SPEC §8).
    "/oauth2/userinfo": {"none": 401, "back-office": 403, "storefront": 403},
}


def test_each_api_accepts_only_tokens_issued_for_it(app: Flask, world: World) -> None:
    client = app.test_client()
    headers: dict[str, dict[str, str]] = {"none": {}}
    for kind, name in (("back-office", "Alice CC"), ("storefront", "Carol Store")):
        response = client_credentials(client, world.client_ids[name], world.secrets[name])
        assert response.status_code == 200, response.get_data(as_text=True)
        headers[kind] = bearer(response.get_json()["access_token"])

    found: dict[str, dict[str, int]] = {path: {} for path in API_TABLE}
    for path, row in API_TABLE.items():
        for token in row:
            response = client.get(path, headers=headers[token])
            found[path][token] = response.status_code
            if response.status_code == 401:
                assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]

    assert found == API_TABLE


# The management API: what each token gets on each route ------------------------------------


@pytest.mark.parametrize("call", ADMIN_TABLE, ids=[f"{c.method} {c.suffix}" for c in ADMIN_TABLE])
def test_the_management_api_answers_each_token_as_the_table_says(
    app: Flask, world: World, call: AdminCall
) -> None:
    tokens = admin_tokens(app, world)
    client = app.test_client()
    found = {}
    for actor in call.expected:
        path, body = call.request(app, world, actor)
        headers = bearer(tokens[actor]) if tokens.get(actor) else {}
        response = client.open(path, method=call.method, headers=headers, json=body)
        found[actor] = response.status_code
        assert response.status_code < 300 or response.mimetype == "application/problem+json"
    assert found == call.expected
