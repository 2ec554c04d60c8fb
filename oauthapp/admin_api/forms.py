"""The back-office's create and edit forms, filled from JSON: the same checks, the same words."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wtforms.fields.choices import SelectChoice

from oauthapp.admin_api.bodies import form_data
from oauthapp.admin_api.problems import Problem, invalid
from oauthapp.admin_api.serialization import json_field
from oauthapp.admin_api.service import Forbidden
from oauthapp.applications.creation import CreationChoices
from oauthapp.applications.forms import ApplicationForm, EditForm, owner_choices
from oauthapp.exceptions import Conflict, NotFound, ServiceError
from oauthapp.forms import Form
from oauthapp.models import Kind, OAuthApplication

NOT_A_CHOICE = "Not a valid choice."  # WTForms' own words for a value not offered
NO_CSRF = {"csrf": False}  # a bearer token, not a cookie, authenticates the API


def kind_of(body: Mapping[str, Any]) -> Kind:
    """The kind a create asks for (back-office by default)."""
    try:
        return Kind(body.get("kind", Kind.BACKOFFICE.value))
    except ValueError:
        raise invalid({"kind": [NOT_A_CHOICE]}) from None


def create_form(choices: CreationChoices, body: Mapping[str, Any]) -> ApplicationForm:
    """The create form as the back-office offers it to the caller, validated, or a 422."""
    organization = body.get("organization_id")
    if organization is None and len(choices.organizations) == 1:
        organization = choices.organizations[0].id  # the form preselects the only one
    values = {
        "organization": organization, "name": body.get("name"), "grant": body.get("grant"),
        "owner": body.get("owner_id"), "active": body.get("active", True),
        "redirect_uris": body.get("redirect_uris", []),
        "confidential": body.get("confidential", True),
        "skip_consent": body.get("skip_consent", False),
    }  # fmt: skip
    form = ApplicationForm(formdata=form_data(values), meta=NO_CSRF)
    form.organization.choices = [
        SelectChoice(str(org.id), org.name) for org in choices.organizations
    ]
    owner = choices.owner_choice(body.get("owner_id"))
    form.owner.choices = owner_choices([owner] if owner else [], None)
    validated(form)
    return form


def edit_form(application: OAuthApplication, body: Mapping[str, Any]) -> EditForm:
    """The edit form with the application's values and the body's changes, validated."""
    values: dict[str, Any] = {
        "name": application.name,
        "active": application.active,
        "redirect_uris": list(application.redirect_uris or []),
        "confidential": application.confidential,
        "skip_consent": application.skip_consent,
        **body,
    }
    form = EditForm(formdata=form_data(values), grant=application.grant_type, meta=NO_CSRF)
    validated(form)
    return form


def validated(form: Form) -> None:
    """Nothing if FORM validates; else a 422 with each field's messages under its JSON name."""
    if form.validate():
        return
    errors = {json_field(field.name): list(field.errors) for field in form if field.errors}
    if form.form_errors:
        errors[""] = list(form.form_errors)
    raise invalid(errors)


def problem_of(error: ServiceError) -> Problem:
    """The problem document for a service's refusal."""
    if isinstance(error, Forbidden):
        return Problem(403, error.message)
    if isinstance(error, NotFound) and error.field is None:
        return Problem(404, error.message)
    errors = {json_field(error.field): [error.message]}
    if isinstance(error, Conflict):
        return Problem(409, error.message, errors)
    return invalid(errors, error.message)
