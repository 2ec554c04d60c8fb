"""/oauth2/userinfo and /oauth2/logout (SPEC §8)."""

from __future__ import annotations

from collections.abc import Mapping

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
from werkzeug.wrappers import Response

from oauthapp.api.bearer import REFUSALS, guarded, verified_token
from oauthapp.authorize.views import no_store, untrusted_page
from oauthapp.errors import CSRF_MESSAGE, error_response
from oauthapp.extensions import csrf
from oauthapp.forms import Form
from oauthapp.models import Kind
from oauthapp.oidc import descriptions as d
from oauthapp.oidc import logout as logouts
from oauthapp.oidc.paths import LOGGED_OUT_PATH, LOGOUT_PATH, USERINFO_PATH
from oauthapp.oidc.userinfo import userinfo as userinfo_of
from oauthapp.openapi import documented
from oauthapp.token.cors import preflight
from oauthapp.token.guard import signing_keys

blueprint = Blueprint("oidc", __name__)


@blueprint.route(USERINFO_PATH, methods=["GET", "POST"], provide_automatic_options=False)
@documented(**d.USERINFO, responses={**d.USERINFO_RESPONSES, **REFUSALS})
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
@documented(**d.LOGOUT)
def logout() -> Response:
    """With an id_token_hint, log out and go back to the application; else ask first."""
    if request.args.get("id_token_hint"):
        return _hinted_logout(request.args)
    if not logouts.signed_in_anywhere():
        return redirect(url_for("oidc.logged_out"))
    return no_store(make_response(render_template("oidc/logout.html", form=Form())))


@blueprint.post(LOGOUT_PATH)
@documented(**d.CONFIRM_LOGOUT)
@csrf.exempt  # a relying party's form post carries its ID token; the confirmation its token
def confirm_logout() -> Response:
    """A relying party's logout by form post, or the confirmation form: every session ends."""
    if request.form.get("id_token_hint"):
        return _hinted_logout(request.form)
    if not Form().validate_on_submit():
        return make_response(error_response(400, "Bad Request", CSRF_MESSAGE))
    for kind in Kind:
        logouts.log_out(kind)
    return redirect(url_for("oidc.logged_out"))


def _hinted_logout(params: Mapping[str, str]) -> Response:
    """End the hinted user's session and go back to the application, or to the page."""
    try:
        found = logouts.read_hint(signing_keys(), params["id_token_hint"])
    except logouts.BadHint as bad:
        return untrusted_page(str(bad))
    except OAuth2Error as unavailable:  # no keys to check the hint with
        page = error_response(503, "Service Unavailable", unavailable.description or "")
        return no_store(make_response(page))
    logouts.log_out(Kind(found.application.kind), found.subject)
    target = logouts.post_logout_target(
        found.application, params.get("post_logout_redirect_uri"), params.get("state")
    )
    return no_store(redirect(target or url_for("oidc.logged_out")))


@blueprint.get(LOGGED_OUT_PATH)
@documented(**d.LOGGED_OUT)
def logged_out() -> str:
    return render_template("oidc/logged_out.html")
