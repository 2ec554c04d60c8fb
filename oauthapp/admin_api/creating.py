"""Create, once per Idempotency-Key: 201 with the secret, or the first result again (200)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Response, jsonify, url_for

from oauthapp.admin_api import idempotency, service
from oauthapp.admin_api.auth import Caller, current_caller
from oauthapp.admin_api.forms import create_form, kind_of, problem_of
from oauthapp.admin_api.problems import Problem
from oauthapp.admin_api.serialization import application_json, with_secret
from oauthapp.applications.service import NewApplication
from oauthapp.exceptions import ServiceError
from oauthapp.keys import KEYS_MISSING_WARNING, keys
from oauthapp.models import OAuthApplication

BAD_KEY = "The Idempotency-Key header must be 1 to 255 visible ASCII characters."
OTHER_BODY = "This Idempotency-Key was used with another request body."
IN_PROGRESS = "A request with this Idempotency-Key is still being processed: retry in a moment."
GONE = "The application created with this Idempotency-Key has been deleted."
REPLAYED = "Idempotent-Replayed"


def new_application(caller: Caller, body: Mapping[str, Any]) -> NewApplication:
    """Validate BODY with the create form and create the application, or raise a Problem."""
    try:
        choices = service.choices_for(caller.access, kind_of(body))
        form = create_form(choices, body)
        if not keys().status().available:
            raise Problem(503, KEYS_MISSING_WARNING)
        return service.create_application(caller.access, choices, form, caller.actor)
    except ServiceError as error:
        raise problem_of(error) from None


def created(body: Mapping[str, Any]) -> Response:
    """Create and answer 201 with the new secret, shown this once."""
    return _answer(new_application(current_caller(), body))


def create_once(caller: Caller, body: Mapping[str, Any], key: str) -> Response:
    """Create unless KEY did already: then the same application, without its secret."""
    if not idempotency.valid_key(key):
        raise Problem(400, BAD_KEY)
    fingerprint = idempotency.fingerprint(body)
    claim = idempotency.claim(caller.acting_application_id, key, fingerprint)
    if not claim.mine:
        return _replayed(caller, claim.row.fingerprint == fingerprint, claim.row)
    try:
        new = new_application(caller, body)
    except BaseException:
        idempotency.release(claim.row)
        raise
    idempotency.complete(claim.row, new.application)
    return _answer(new)


def _replayed(caller: Caller, same_body: bool, row: Any) -> Response:
    if not same_body:
        raise Problem(422, OTHER_BODY)
    if not row.completed:
        raise Problem(409, IN_PROGRESS, headers={"Retry-After": "1"})
    if row.application_id is None:
        raise Problem(410, GONE)
    try:
        application = service.find_application(caller.access, row.application_id)
    except ServiceError as error:
        raise problem_of(error) from None
    response = _located(jsonify(application_json(application)), application)
    response.headers[REPLAYED] = "true"
    return response


def _answer(new: NewApplication) -> Response:
    response = _located(jsonify(with_secret(new.application, new.client_secret)), new.application)
    response.status_code = 201
    return response


def _located(response: Response, application: OAuthApplication) -> Response:
    response.headers["Location"] = url_for(".read", application_id=application.id, _external=True)
    response.headers["Cache-Control"] = "no-store"
    return response
