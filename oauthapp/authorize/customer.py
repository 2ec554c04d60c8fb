"""The customer user's pages: Sign In, Sign Out, and the profile with Authorized Applications."""

from __future__ import annotations

from flask import (
    Blueprint,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import select
from werkzeug.wrappers import Response

from oauthapp import get_settings
from oauthapp.accounts.service import normalize_email
from oauthapp.authorize import consents, sessions
from oauthapp.authorize.forms import CustomerLoginForm
from oauthapp.authorize.requests import asking_application, authorize_target
from oauthapp.authorize.views import actor_of, no_store, policy_for
from oauthapp.exceptions import InvalidInput
from oauthapp.extensions import db
from oauthapp.models import CustomerUser
from oauthapp.security import login_throttle
from oauthapp.security.authentication import LoginRefused, authenticate

blueprint = Blueprint("customer", __name__, url_prefix="/customer/user")
REVOKED = "Access has been revoked."


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> Response:
    form = CustomerLoginForm(next=request.args.get("next", ""))
    target = authorize_target(form.next.data)
    if sessions.current_customer() is not None and request.method == "GET":
        return redirect(target or url_for("customer.profile"))
    status, headers = 200, {}
    if form.validate_on_submit():
        address = request.remote_addr or "-"
        wait = login_throttle.blocked_for(address)
        if wait is not None:
            form.form_errors.append(login_throttle.MESSAGE.format(seconds=wait))
            status, headers = 429, {"Retry-After": str(wait)}
        else:
            customer = _find_customer(form.email.data or "")
            try:
                authenticate(customer, form.password.data or "", get_settings().failed_login_limit)
            except LoginRefused as refused:
                login_throttle.register_failure(address)
                form.form_errors.append(_shown(refused))
            else:
                assert customer is not None
                sessions.log_in_customer(customer)
                return redirect(target or url_for("customer.profile"))
    return _login_page(form, status, headers)


def _shown(refused: LoginRefused) -> str:
    # The shared message speaks of usernames; customers sign in with their email address.
    return refused.message.replace("username", "email address")


def _find_customer(email: str) -> CustomerUser | None:
    try:
        normalized = normalize_email(email)
    except InvalidInput:
        return None
    return db.session.scalar(select(CustomerUser).where(CustomerUser.email == normalized))


def _login_page(form: CustomerLoginForm, status: int, headers: dict[str, str]) -> Response:
    application = asking_application(form.next.data)
    response = make_response(
        render_template("authorize/customer_login.html", form=form, application=application),
        status,
    )
    response.headers.update(headers)
    if application is not None:
        response.headers["Content-Security-Policy"] = policy_for(application)
    return no_store(response)


@blueprint.post("/logout")
def logout() -> Response:
    sessions.log_out_customer()
    flash("You have been logged out.", "success")
    return redirect(url_for("customer.login"))


@blueprint.get("/profile")
def profile() -> Response:
    customer = sessions.current_customer()
    if customer is None:
        return redirect(url_for("customer.login"))
    page = render_template(
        "authorize/customer_profile.html",
        customer=customer,
        authorized=consents.authorized_applications(customer),
    )
    return no_store(make_response(page))


@blueprint.post("/profile/applications/<int(max=2147483647):application_id>/revoke")
def revoke(application_id: int) -> Response:
    customer = sessions.current_customer()
    if customer is None:
        return redirect(url_for("customer.login"))
    if consents.revoke_access(application_id, customer, actor_of(customer)):
        flash(REVOKED, "success")
    return redirect(url_for("customer.profile"))
