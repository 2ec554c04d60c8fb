"""/oauth2/userinfo and /oauth2/logout (SPEC §8)."""

from __future__ import annotations

from authlib.oauth2.rfc6749.errors import OAuth2Error
from flask import (
    Blueprint,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask import Response as JSONResponse
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from oauthapp.api.bearer import guarded, verified_token
from oauthapp.authorize.views import no_store, untrusted_page
from oauthapp.extensions import csrf
from oauthapp.models import Kind
from oauthapp.oidc import logout as logouts
from oauthapp.oidc.paths import LOGOUT_PATH, USERINFO_PATH
from oauthapp.oidc.userinfo import userinfo as userinfo_of
from oauthapp.token.cors import preflight
from oauthapp.token.guard import signing_keys

blueprint = Blueprint("oidc", __name__)


@blueprint.route(USERINFO_PATH, methods=["GET", "POST"], provide_automatic_options=False)
@csrf.exempt  # bearer tokens, not cookies
def userinfo() -> JSONResponse:
    return guarded(_claims, None)


def _claims() -> JSONResponse:
    response = jsonify(userinfo_of(*verified_token(tuple(Kind))))
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.route(USERINFO_PATH, methods=["OPTIONS"], provide_automatic_options=False)
def userinfo_preflight() -> JSONResponse:
    return preflight("GET, POST, OPTIONS")


@blueprint.get(LOGOUT_PATH)
def logout() -> Response:
    """With an id_token_hint, log out and go back to the application; else ask first."""
    hint = request.args.get("id_token_hint")
    if not hint:
        if not logouts.signed_in_anywhere():
            return redirect(url_for("oidc.logged_out"))
        return no_store(make_response(render_template("oidc/logout.html", form=FlaskForm())))
    try:
        found = logouts.read_hint(signing_keys(), hint)
    except (logouts.BadHint, OAuth2Error) as bad:
        return untrusted_page(str(bad) if isinstance(bad, logouts.BadHint) else bad.description)
    logouts.log_out(Kind(found.application.kind), found.subject)
    target = logouts.post_logout_target(
        found.application,
        request.args.get("post_logout_redirect_uri"),
        request.args.get("state"),
    )
    return no_store(redirect(target or url_for("oidc.logged_out")))


@blueprint.post(LOGOUT_PATH)
def confirm_logout() -> Response:
    """The confirmation form (its CSRF token checked): end every session of this browser."""
    if FlaskForm().validate_on_submit():
        for kind in Kind:
            logouts.log_out(kind)
    return redirect(url_for("oidc.logged_out"))


@blueprint.get("/oauth2/logged-out")
def logged_out() -> str:
    return render_template("oidc/logged_out.html")
