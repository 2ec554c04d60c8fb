"""Grant or revoke an application's scopes: for administrators of its organization."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from werkzeug.wrappers import Response

from oauthapp.applications import scopes
from oauthapp.applications.forms import ConfirmForm
from oauthapp.applications.views import (
    blueprint,
    current_access,
    current_actor,
    load_application,
)
from oauthapp.exceptions import ServiceError

GRANTED = "The scope {scope} has been granted."
REVOKED = "The scope {scope} has been revoked."


@blueprint.post("/admin/oauth2/<int(max=2147483647):application_id>/scopes")
def change_scopes(application_id: int) -> Response:
    """Grant (action=grant) or revoke (action=revoke) the posted scope, then back to the view."""
    application = load_application(application_id)
    if not current_access().administers(application.organization_id):
        abort(403)
    action, scope = request.form.get("action"), request.form.get("scope", "")
    if ConfirmForm().validate_on_submit() and action in ("grant", "revoke"):
        change = scopes.grant_scope if action == "grant" else scopes.revoke_scope
        try:
            change(application, scope, current_actor())
        except ServiceError as error:
            flash(error.message, "error")
        else:
            flash((GRANTED if action == "grant" else REVOKED).format(scope=scope), "success")
    else:
        flash("Choose whether to grant or revoke a scope.", "error")
    return redirect(url_for(".view", application_id=application.id))
