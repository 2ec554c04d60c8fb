"""Login, logout and the back-office home page."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from oauthapp import get_settings
from oauthapp.accounts.forms import LoginForm, LogoutForm
from oauthapp.accounts.home import organization_rows
from oauthapp.accounts.redirects import safe_next
from oauthapp.extensions import db
from oauthapp.keys import keys
from oauthapp.models import User
from oauthapp.security.authentication import LoginRefused, authenticate

blueprint = Blueprint("accounts", __name__)


@blueprint.get("/")
def index() -> Response:
    return redirect(url_for("accounts.home"))


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> Response | str:
    form = LoginForm(next=request.args.get("next", ""))
    if current_user.is_authenticated and request.method == "GET":
        return redirect(safe_next(form.next.data) or url_for("accounts.home"))
    if form.validate_on_submit():
        user = db.session.scalar(select(User).where(User.username == form.username.data))
        try:
            authenticate(user, form.password.data, get_settings().failed_login_limit)
        except LoginRefused as refused:
            form.form_errors.append(refused.message)
        else:
            assert user is not None
            session.clear()  # a fresh session for the new login
            login_user(user)
            return redirect(safe_next(form.next.data) or url_for("accounts.home"))
    return render_template("accounts/login.html", form=form)


@blueprint.route("/logout", methods=["GET", "POST"])
def logout() -> Response | str:
    form = LogoutForm()
    if form.validate_on_submit():
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
