"""Activate, deactivate, delete and regenerate the secret: POST + CSRF, confirmed where it hurts."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from oauthapp.accounts.redirects import safe_next
from oauthapp.applications import once, service
from oauthapp.applications.feedback import flash_done
from oauthapp.applications.forms import ConfirmForm, RegenerateForm
from oauthapp.applications.views import (
    KIND_TITLES,
    already_submitted,
    blueprint,
    current_actor,
    load_application,
    one_time_redirect,
)
from oauthapp.exceptions import ServiceError
from oauthapp.models import Kind, OAuthApplication

ACTIVATED = "Activated successfully"
DEACTIVATED = "Deactivated successfully"
DELETED = "Deleted successfully"
SECRET_REGENERATED = "The client secret has been regenerated."  # noqa: S105 (a message)

CONFIRMATIONS = {
    "deactivate": (
        "Deactivate",
        "Deactivate the application? Its tokens stop working at once and it cannot get new ones "
        "until it is activated again.",
    ),
    "delete": (
        "Delete",
        "Delete the application? This cannot be undone: its tokens stop working at once.",
    ),
    "regenerate_secret": (
        "Regenerate secret",
        "Regenerate the client secret? The current secret stops working at once.",
    ),
}


def back_to(application: OAuthApplication, deleted: bool = False) -> Response:
    """Where the action was started from, if that was a page here; else a sensible page."""
    target = safe_next(request.form.get("next") or request.args.get("next"))
    if deleted and target and _about(target, application):
        target = None  # the pages of a deleted application are gone
    if target is None:
        target = (
            grid_url(Kind(application.kind))
            if deleted
            else url_for(".view", application_id=application.id)
        )
    return redirect(target)


def _about(target: str, application: OAuthApplication) -> bool:
    """Whether a local URL is one of the application's own pages."""
    page = url_for(".view", application_id=application.id)
    path = urlsplit(target).path.rstrip("/")
    return path == page or path.startswith(page + "/")


def grid_url(kind: Kind) -> str:
    return url_for(".grid", kind=kind.value)


def confirmation(application: OAuthApplication, action: str, form: ConfirmForm) -> str:
    label, question = CONFIRMATIONS[action]
    if isinstance(form, RegenerateForm):
        form.form_token.data = once.usable_form_token(form.form_token.data)
    return render_template(
        "applications/confirm.html",
        application=application,
        kind=Kind(application.kind),
        title=KIND_TITLES[Kind(application.kind)],
        action=action,
        label=label,
        question=question,
        form=form,
        next=safe_next(request.args.get("next")) or "",
    )


@blueprint.post("/admin/oauth2/<int(max=2147483647):application_id>/activate")
def activate(application_id: int) -> Response:
    application = load_application(application_id)
    if ConfirmForm().validate_on_submit():
        service.set_active(application, True, current_actor())
        flash_done(ACTIVATED, application)
    return back_to(application)


@blueprint.route(
    "/admin/oauth2/<int(max=2147483647):application_id>/deactivate", methods=["GET", "POST"]
)
def deactivate(application_id: int) -> Response | str:
    application = load_application(application_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return confirmation(application, "deactivate", form)
    service.set_active(application, False, current_actor())
    flash_done(DEACTIVATED, application)
    return back_to(application)


@blueprint.route(
    "/admin/oauth2/<int(max=2147483647):application_id>/delete", methods=["GET", "POST"]
)
def delete(application_id: int) -> Response | str:
    application = load_application(application_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return confirmation(application, "delete", form)
    service.delete_application(application, current_actor())
    flash_done(DELETED, application, mark=False)
    return back_to(application, deleted=True)


@blueprint.route(
    "/admin/oauth2/<int(max=2147483647):application_id>/regenerate-secret", methods=["GET", "POST"]
)
def regenerate_secret(application_id: int) -> Response | str:
    """Confirm, then regenerate once per form token and redirect to the one-time page."""
    application = load_application(application_id)
    form = RegenerateForm()
    if not application.confidential:  # a public client has no secret: the service says so
        return refused(application, service.PUBLIC_CLIENT)
    if not form.validate_on_submit():
        return confirmation(application, "regenerate_secret", form)
    hashed = once.token_hash(form.form_token.data)
    if hashed is None:
        form.form_errors.append(once.EXPIRED)  # the page gets a fresh token
        return confirmation(application, "regenerate_secret", form)
    claimed = once.claim(hashed, once.REGENERATE, current_user.id, application.id)
    if claimed is None:  # the same confirmation, sent before: nothing changes
        return already_submitted(once.submission_of(hashed))
    try:
        secret = service.regenerate_secret(application, current_actor())
    except ServiceError as error:  # made public meanwhile
        once.release(claimed)
        return refused(application, error.message)
    flash(SECRET_REGENERATED, "success")
    return one_time_redirect(once.complete(claimed, application, secret))


def refused(application: OAuthApplication, message: str) -> Response:
    flash(message, "error")
    return redirect(url_for(".view", application_id=application.id))
