"""Login, logout, the back-office home page, and the users and customer users pages."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, logout_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from oauthapp import get_settings
from oauthapp.accounts.forms import EndSessionsForm, LoginForm, LogoutForm
from oauthapp.accounts.home import organization_rows
from oauthapp.accounts.people import (
    find_customer,
    find_user,
    list_customers,
    list_users,
    may_unlock,
    organization_names,
    parse_list_query,
    unlockable,
    visible_roles,
)
from oauthapp.accounts.redirects import safe_next
from oauthapp.accounts.service import end_all_sessions, unlock_account
from oauthapp.accounts.session import start_session
from oauthapp.applications.access import Access, access_of, may_add_for
from oauthapp.applications.grid import owned_applications
from oauthapp.authorize.consents import Authorized, authorized_applications
from oauthapp.authorize.requests import asking_application
from oauthapp.authorize.views import policy_for
from oauthapp.extensions import db
from oauthapp.keys import keys
from oauthapp.models import CustomerUser, Kind, User
from oauthapp.security import lockout, login_throttle
from oauthapp.security.authentication import LoginRefused, authenticate

blueprint = Blueprint("accounts", __name__)
blueprint.add_app_template_global(lockout.is_locked, "is_locked")
blueprint.add_app_template_global(lockout.locked_until, "locked_until")
UNLOCKED = "Unlocked successfully."


@blueprint.get("/")
def index() -> Response:
    return redirect(url_for("accounts.home"))


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> Response | str:
    form = LoginForm(next=request.args.get("next", ""))
    if current_user.is_authenticated and request.method == "GET":
        return redirect(safe_next(form.next.data) or url_for("accounts.home"))
    if form.validate_on_submit():
        address = request.remote_addr or "-"
        wait = login_throttle.blocked_for(address)
        if wait is not None:
            return _throttled(form, wait)
        username = form.username.data or ""
        # The form refuses a NUL byte (oauthapp.forms), which PostgreSQL refuses in a query.
        user = db.session.scalar(select(User).where(User.username == username))
        try:
            authenticate(user, form.password.data, get_settings().failed_login_limit)
        except LoginRefused as refused:
            login_throttle.register_failure(address)
            form.form_errors.append(refused.message)
        else:
            assert user is not None
            start_session(user)
            return redirect(safe_next(form.next.data) or url_for("accounts.home"))
    return _login_page(form)


def _login_page(form: LoginForm, status: int = 200) -> Response:
    """The login page; naming the application when the login is for its authorize request."""
    application = asking_application(form.next.data)
    page = render_template("accounts/login.html", form=form, application=application)
    response = make_response(page, status)
    if application is not None:
        response.headers["Content-Security-Policy"] = policy_for(application)
    return response


def _throttled(form: LoginForm, seconds: int) -> Response:
    form.form_errors.append(login_throttle.MESSAGE.format(seconds=seconds))
    response = _login_page(form, 429)
    response.headers["Retry-After"] = str(seconds)
    return response


@blueprint.route("/logout", methods=["GET", "POST"])
def logout() -> Response | str:
    form = LogoutForm()
    if form.validate_on_submit():
        if current_user.is_authenticated:
            # A copy of the cookie taken before now must not keep working.
            end_all_sessions(current_user._get_current_object())
        logout_user()
        session.clear()
        flash("You have been logged out.", "success")
        return redirect(url_for("accounts.login"))
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login"))
    return render_template("accounts/logout.html", form=form)


@blueprint.get("/admin/")
@login_required
def home() -> str:
    return render_template(
        "accounts/home.html",
        rows=organization_rows(current_user),
        key_problems=keys().status().warnings,
    )


@blueprint.get("/admin/users")
@login_required
def users() -> str:
    access = access_of(current_user)
    page = list_users(access, parse_list_query(request.args))
    return render_template(
        "accounts/users.html",
        page=page,
        organizations=organization_names(access, page.rows),
        unlockable=unlockable(access, page.rows),
    )


@blueprint.get("/admin/users/<int(max=2147483647):user_id>")
@login_required
def user(user_id: int) -> str:
    access = access_of(current_user)
    account = find_user(access, user_id)
    if account is None:
        abort(404)
    return _user_page(access, account, title=account.username)


@blueprint.get("/admin/profile")
@login_required
def profile() -> str:
    me: User = current_user._get_current_object()
    return _user_page(
        access_of(me),
        me,
        title="My User",
        sessions_form=EndSessionsForm(),
        authorized=authorized_applications(me),
    )


@blueprint.post("/admin/profile/log-out-everywhere")
@login_required
def log_out_everywhere() -> Response:
    # CSRFProtect has checked the form's token before the view runs; the form has no fields.
    end_all_sessions(current_user._get_current_object())
    logout_user()
    session.clear()
    flash("All your sessions have been ended. Please log in again.", "success")
    return redirect(url_for("accounts.login"))


def _user_page(
    access: Access,
    account: User,
    title: str,
    sessions_form: EndSessionsForm | None = None,
    authorized: list[Authorized] | None = None,
) -> str:
    add_url = None
    if may_add_for(access, account):
        add_url = url_for(
            "applications.create", kind=Kind.BACKOFFICE.value, owner=account.id, next=request.path
        )
    return render_template(
        "accounts/user.html",
        title=title,
        account=account,
        roles=visible_roles(access, account),
        applications=owned_applications(access, Kind.BACKOFFICE, account.id),
        add_url=add_url,
        key_status=keys().status(),
        sessions_form=sessions_form,
        may_unlock=may_unlock(access, account),
        authorized=authorized,
    )


@blueprint.get("/admin/customer-users")
@login_required
def customer_users() -> str:
    access = access_of(current_user)
    page = list_customers(access, parse_list_query(request.args))
    return render_template(
        "accounts/customer_users.html", page=page, unlockable=unlockable(access, page.rows)
    )


@blueprint.get("/admin/customer-users/<int(max=2147483647):customer_id>")
@login_required
def customer_user(customer_id: int) -> str:
    access = access_of(current_user)
    customer = find_customer(access, customer_id)
    if customer is None:
        abort(404)
    add_url = None
    if may_add_for(access, customer):
        add_url = url_for(
            "applications.create", kind=Kind.STOREFRONT.value, owner=customer.id, next=request.path
        )
    return render_template(
        "accounts/customer_user.html",
        customer=customer,
        applications=owned_applications(access, Kind.STOREFRONT, customer.id),
        add_url=add_url,
        key_status=keys().status(),
        may_unlock=may_unlock(access, customer),
    )


@blueprint.post("/admin/users/<int(max=2147483647):user_id>/unlock")
@login_required
def unlock_user(user_id: int) -> Response:
    access = access_of(current_user)
    account = find_user(access, user_id)
    if account is None:
        abort(404)
    return _unlock(access, account, url_for("accounts.user", user_id=account.id))


@blueprint.post("/admin/customer-users/<int(max=2147483647):customer_id>/unlock")
@login_required
def unlock_customer_user(customer_id: int) -> Response:
    access = access_of(current_user)
    customer = find_customer(access, customer_id)
    if customer is None:
        abort(404)
    return _unlock(access, customer, url_for("accounts.customer_user", customer_id=customer.id))


def _unlock(access: Access, account: User | CustomerUser, back: str) -> Response:
    """Unlock (the CSRF token was checked before the view) and go back to the account's page."""
    if not may_unlock(access, account):
        abort(403)
    unlock_account(account)
    flash(UNLOCKED, "success")
    return redirect(back)
