"""Revoke Access on My User: a back-office user withdraws an application's access."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from oauthapp.authorize import consents
from oauthapp.authorize.customer import REVOKED
from oauthapp.authorize.views import actor_of, blueprint
from oauthapp.models import User


@blueprint.post("/admin/profile/applications/<int(max=2147483647):application_id>/revoke")
@login_required
def revoke_access(application_id: int) -> Response:
    me: User = current_user._get_current_object()
    if consents.revoke_access(application_id, me, actor_of(me)):
        flash(REVOKED, "success")
    return redirect(url_for("accounts.profile"))
