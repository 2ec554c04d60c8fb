"""/api/admin/applications: list, create, read, change, switch, delete, regenerate the secret."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request, url_for

from oauthapp.admin_api import service
from oauthapp.admin_api.auth import admin_endpoint, current_caller
from oauthapp.admin_api.bodies import CREATE_FIELDS, UPDATE_FIELDS, checked, json_object
from oauthapp.admin_api.creating import create_once, created
from oauthapp.admin_api.docs import (
    CREATE_DOC,
    DELETE_DOC,
    LIST_DOC,
    PATCH_DOC,
    READ_DOC,
    REGENERATE_DOC,
    SWITCH_DOC,
)
from oauthapp.admin_api.forms import edit_form, problem_of
from oauthapp.admin_api.listing import parse_list_query
from oauthapp.admin_api.serialization import application_json, with_secret
from oauthapp.applications import service as applications
from oauthapp.exceptions import ServiceError
from oauthapp.extensions import csrf
from oauthapp.models import OAuthApplication
from oauthapp.openapi import documented

blueprint = Blueprint("admin_api", __name__, url_prefix="/api/admin")
csrf.exempt(blueprint)

ONE = "/applications/<int(max=2147483647):application_id>"


def load(application_id: int) -> OAuthApplication:
    """The application, if the caller may manage it; a 404 or 403 problem otherwise."""
    try:
        return service.find_application(current_caller().access, application_id)
    except ServiceError as error:
        raise problem_of(error) from None


def answer(application: OAuthApplication, status: int = 200, **extra: Any) -> Response:
    response = jsonify({**application_json(application), **extra})
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.get("/applications")
@documented(**LIST_DOC)
@admin_endpoint
def applications_list() -> Response:
    query = parse_list_query(request.args)
    rows, more = service.list_applications(current_caller().access, query)
    following = None
    if more:
        args: dict[str, Any] = {**request.args.to_dict(), "page": query.page + 1}
        following = url_for(".applications_list", _external=True, **args)
    response = jsonify(items=[application_json(row) for row in rows], next=following)
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.post("/applications")
@documented(**CREATE_DOC)
@admin_endpoint
def create() -> Response:
    body = checked(json_object(request), CREATE_FIELDS)
    key = request.headers.get("Idempotency-Key")
    return create_once(current_caller(), body, key) if key is not None else created(body)


@blueprint.get(ONE)
@documented(**READ_DOC)
@admin_endpoint
def read(application_id: int) -> Response:
    return answer(load(application_id))


@blueprint.patch(ONE)
@documented(**PATCH_DOC)
@admin_endpoint
def change(application_id: int) -> Response:
    application = load(application_id)
    form = edit_form(application, checked(json_object(request), UPDATE_FIELDS))
    try:
        service.update_application(application, form, current_caller().actor)
    except ServiceError as error:
        raise problem_of(error) from None
    return answer(application)


@blueprint.delete(ONE)
@documented(**DELETE_DOC)
@admin_endpoint
def delete(application_id: int) -> Response:
    applications.delete_application(load(application_id), current_caller().actor)
    return Response(status=204)


@blueprint.post(f"{ONE}/activate")
@documented(**SWITCH_DOC("Activate an application"))
@admin_endpoint
def activate(application_id: int) -> Response:
    application = load(application_id)
    return answer(applications.set_active(application, True, current_caller().actor))


@blueprint.post(f"{ONE}/deactivate")
@documented(**SWITCH_DOC("Deactivate an application: its tokens stop working at once"))
@admin_endpoint
def deactivate(application_id: int) -> Response:
    application = load(application_id)
    return answer(applications.set_active(application, False, current_caller().actor))


@blueprint.post(f"{ONE}/regenerate-secret")
@documented(**REGENERATE_DOC)
@admin_endpoint
def regenerate_secret(application_id: int) -> Response:
    application = load(application_id)
    try:
        secret = applications.regenerate_secret(application, current_caller().actor)
    except ServiceError as error:  # a public client has no secret
        raise problem_of(error) from None
    response = jsonify(with_secret(application, secret))
    response.headers["Cache-Control"] = "no-store"
    return response
