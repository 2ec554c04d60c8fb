"""A management API session against a real server, every request and answer checked by
openapi-core against the server's /openapi.json: create (and its replay), list, change,
deactivate, regenerate the secret and delete, and the problem details of its errors."""

from __future__ import annotations

from typing import Any

from tests.openapi.live import (
    ADMINISTRATOR,
    LiveAPI,
    bearer,
    live_fixture,  # noqa: F401 (the fixture)
)
from tests.server import flask_ok

APPLICATIONS = "/api/admin/applications"


def manager_token(live: LiveAPI) -> dict[str, str]:
    flask_ok(live.env, "oauth", "grant-scope", live.apps["manager"].client_id,
             "applications:manage")  # fmt: skip
    body = live.token("manager", grant_type="client_credentials", scope="applications:manage")
    return bearer(body["access_token"])


def test_create_list_deactivate_regenerate_delete(live: LiveAPI) -> None:
    auth = manager_token(live)
    me = live.call("GET", "/api/me", headers=auth).json()
    [mine] = live.call("GET", APPLICATIONS, headers=auth, params={"name": "manager"}).json()[
        "items"
    ]
    body: dict[str, Any] = {"organization_id": mine["organization_id"], "name": "Nightly export",
                            "grant": "client_credentials", "owner_id": me["id"]}  # fmt: skip
    once = {**auth, "Idempotency-Key": "nightly-export-1"}

    created = live.call("POST", APPLICATIONS, headers=once, json=body)
    replayed = live.call("POST", APPLICATIONS, headers=once, json=body)
    one = f"{APPLICATIONS}/{created.json()['id']}"
    listed = live.call("GET", APPLICATIONS, headers=auth, params={"name": "nightly"})
    renamed = live.call("PATCH", one, headers=auth, json={"name": "Nightly export (v2)"})
    deactivated = live.call("POST", f"{one}/deactivate", headers=auth)
    regenerated = live.call("POST", f"{one}/regenerate-secret", headers=auth)
    deleted = live.call("DELETE", one, headers=auth)
    gone = live.call("GET", one, headers=auth)

    assert created.status_code == 201 and created.json()["client_secret"]
    assert replayed.status_code == 200 and "client_secret" not in replayed.json()
    assert replayed.json()["id"] == created.json()["id"]
    assert [item["name"] for item in listed.json()["items"]] == ["Nightly export"]
    assert (renamed.status_code, renamed.json()["name"]) == (200, "Nightly export (v2)")
    assert (deactivated.status_code, deactivated.json()["active"]) == (200, False)
    assert regenerated.status_code == 200
    assert regenerated.json()["client_secret"] != created.json()["client_secret"]
    assert deleted.status_code == 204
    assert gone.status_code == 404
    assert gone.headers["Content-Type"].startswith("application/problem+json")


def test_errors_are_problem_details_the_document_describes(live: LiveAPI) -> None:
    auth = manager_token(live)

    invalid = live.call("POST", APPLICATIONS, check_request=False, headers=auth,
                        json={"organization_id": 1, "name": "", "grant": "password"})  # fmt: skip
    plain = live.token("backoffice", grant_type="client_credentials")["access_token"]
    unscoped = live.call("GET", APPLICATIONS, headers=bearer(plain))

    assert invalid.status_code == 422
    assert invalid.headers["Content-Type"].startswith("application/problem+json")
    assert "/name" in [error.get("pointer") for error in invalid.json()["errors"]]
    assert unscoped.status_code == 403
    assert ADMINISTRATOR not in unscoped.text
