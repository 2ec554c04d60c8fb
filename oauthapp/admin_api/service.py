"""The management API's use cases, over the back-office's services and access rules.

Plain functions of the caller's Access: they never read the request. Changes go through
oauthapp.applications.service, so the audit trail, the notification email and the caches'
invalidation are those of the back-office.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import joinedload

from oauthapp.applications import service
from oauthapp.applications.access import Access
from oauthapp.applications.creation import CreationChoices, creation_choices
from oauthapp.applications.forms import ApplicationForm, EditForm
from oauthapp.audit import Actor
from oauthapp.exceptions import NotFound, ServiceError
from oauthapp.extensions import db
from oauthapp.models import Kind, OAuthApplication
from oauthapp.querystring import matching

NOT_YOURS = "You may not manage this application: it belongs to an organization you cannot manage."
NO_SUCH_APPLICATION = "There is no application with this id."
NOT_ALLOWED_KIND = "You may not create applications of this kind."
NOT_ALLOWED = "You may only create Client Credentials applications that you own."


class Forbidden(ServiceError):
    """The caller may not do this (to this application)."""


@dataclass(frozen=True)
class ListQuery:
    """The list's filters and page, every value already checked."""

    name: str = ""
    organization_id: int | None = None
    active: bool | None = None
    kind: str = ""
    grant: str = ""
    page: int = 1
    per_page: int = 25


def find_application(access: Access, application_id: int) -> OAuthApplication:
    """The application if the caller may manage it; NotFound if there is none, Forbidden if it
    is another's (which the caller may know exists: no 404 hides it)."""
    application = db.session.get(OAuthApplication, application_id)
    if application is None:
        raise NotFound(NO_SUCH_APPLICATION)
    if not access.may_manage(application):
        raise Forbidden(NOT_YOURS)
    return application


def list_applications(access: Access, query: ListQuery) -> tuple[list[OAuthApplication], bool]:
    """One page of the applications the caller may manage, by name; whether more follow."""
    statement = (
        select(OAuthApplication)
        .where(*_conditions(access, query))
        .options(joinedload(OAuthApplication.organization))
        .order_by(func.lower(OAuthApplication.name), OAuthApplication.id)
        .limit(query.per_page + 1)
        .offset((query.page - 1) * query.per_page)
    )
    rows = list(db.session.scalars(statement).unique())
    return rows[: query.per_page], len(rows) > query.per_page


def _conditions(access: Access, query: ListQuery) -> list[ColumnElement[bool]]:
    conditions = [access.application_filter()]
    if query.name:
        conditions.append(matching(OAuthApplication.name, text=query.name))
    if query.organization_id is not None:
        conditions.append(OAuthApplication.organization_id == query.organization_id)
    if query.active is not None:
        conditions.append(OAuthApplication.active.is_(query.active))
    if query.kind:
        conditions.append(OAuthApplication.kind == query.kind)
    if query.grant:
        conditions.append(OAuthApplication.grant_type == query.grant)
    return conditions


def choices_for(access: Access, kind: Kind) -> CreationChoices:
    """What the caller may create applications of that kind with; Forbidden if nothing."""
    choices = creation_choices(access, kind, None)
    if not choices.organizations:
        raise Forbidden(NOT_ALLOWED_KIND)
    return choices


def create_application(
    access: Access, choices: CreationChoices, form: ApplicationForm, actor: Actor
) -> service.NewApplication:
    """Create what a validated create form describes, as the back-office's Create does."""
    organization = choices.organization(form.organization_id())
    owner = choices.owner(form.owner_id())
    if organization is None:
        raise NotFound("Choose one of the listed organizations.", "organization")
    if not access.may_own_new(choices.kind, organization.id, owner.id if owner else None):
        raise Forbidden(NOT_ALLOWED)
    return service.create_application(
        organization, form.name.data or "", form.grant.data, choices.kind, owner,
        bool(form.active.data), actor, **form.client_settings(),
    )  # fmt: skip


def update_application(
    application: OAuthApplication, form: EditForm, actor: Actor
) -> OAuthApplication:
    """Save what a validated edit form describes, as the back-office's Edit does."""
    return service.update_application(
        application, form.name.data or "", bool(form.active.data), actor,
        **form.client_settings(),
    )  # fmt: skip
