"""System > Emails: templates, notification rules and the outbox, for global administrators."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from oauthapp.applications.access import access_of
from oauthapp.exceptions import NotFound, ServiceError
from oauthapp.models import Role
from oauthapp.notifications import catalog, outbox, rules, templates
from oauthapp.notifications.catalog import TemplateText
from oauthapp.notifications.forms import ResetForm, RetryForm, RuleForm, TemplateForm
from oauthapp.notifications.queries import STATUS_FILTERS, load_outbox, parse_outbox_query
from oauthapp.notifications.templates import RenderedMessage
from oauthapp.security.headers import INLINE_STYLES_POLICY

blueprint = Blueprint("notifications", __name__, url_prefix="/admin/email")

SAVED = "Email template has been saved."
RESET = "Email template has been reset to its default."
RULE_SAVED = "Notification rule has been saved."
RETRYING = "The message will be sent again shortly."


def may_manage_emails() -> bool:
    """Email templates and rules are system-wide: administrators of the global organization."""
    return bool(
        current_user.is_authenticated and access_of(current_user).everywhere == Role.ADMINISTRATOR
    )


@blueprint.app_context_processor
def menu_flags() -> dict[str, Any]:
    return {"may_manage_emails": may_manage_emails}


@blueprint.before_request
@login_required
def require_global_administrator() -> None:
    if not may_manage_emails():
        abort(403)


@blueprint.get("/templates")
def template_list() -> str:
    entries = templates.list_templates()
    grouped = {name: [e for e in entries if e.name == name] for name in catalog.TEMPLATES}
    return render_template(
        "notifications/templates.html",
        grouped=grouped,
        titles=catalog.TEMPLATE_TITLES,
        locale_name=catalog.locale_name,
    )


@blueprint.route("/templates/<name>/<locale>", methods=["GET", "POST"])
def template_edit(name: str, locale: str) -> Response:
    current = _template_or_404(name, locale)
    form = TemplateForm(data=vars(current) if request.method == "GET" else None)
    preview: RenderedMessage | None = None
    if form.validate_on_submit():
        try:
            if form.preview.data:
                preview = templates.check_template(form.text(), locale)
            else:
                templates.save_template(name, locale, form.text(), current_user.id)
                flash(SAVED, "success")
                return redirect(url_for(".template_edit", name=name, locale=locale))
        except ServiceError as error:
            form.add_error(error)
    return _edit_page(form, name, locale, current, preview)


def _edit_page(
    form: TemplateForm,
    name: str,
    locale: str,
    current: TemplateText,
    preview: RenderedMessage | None,
) -> Response:
    page = make_response(
        render_template(
            "notifications/template_edit.html",
            form=form,
            reset_form=ResetForm(),
            name=name,
            title=catalog.TEMPLATE_TITLES.get(name, name),
            locale=locale,
            locale_label=catalog.locale_name(locale),
            customized=current != catalog.builtin(name, locale),
            variables=catalog.VARIABLES,
            preview=preview,
            last_failure=templates.last_failure(name, locale),
        )
    )
    if preview is not None:  # the email's HTML, styled inline, in a sandboxed frame
        page.headers["Content-Security-Policy"] = INLINE_STYLES_POLICY
    return page


@blueprint.route("/templates/<name>/<locale>/reset", methods=["GET", "POST"])
def template_reset(name: str, locale: str) -> Response | str:
    """GET asks for confirmation (the edits are lost); POST resets, then back to the editor."""
    _template_or_404(name, locale)
    form = ResetForm()
    if request.method == "GET":
        return render_template(
            "notifications/template_reset.html",
            form=form,
            name=name,
            locale=locale,
            title=catalog.TEMPLATE_TITLES.get(name, name),
            locale_label=catalog.locale_name(locale),
        )
    if form.validate_on_submit():
        templates.reset_template(name, locale)
        flash(RESET, "success")
    return redirect(url_for(".template_edit", name=name, locale=locale))


def _template_or_404(name: str, locale: str) -> TemplateText:
    try:
        return templates.template_text(name, locale)
    except NotFound:
        abort(404)


@blueprint.get("/notification-rules")
def rule_list() -> str:
    return render_template("notifications/rules.html", rules=rules.list_rules())


@blueprint.route("/notification-rules/<event>", methods=["GET", "POST"])
def rule_edit(event: str) -> Response | str:
    try:
        rule = rules.get_rule(event)
    except NotFound:
        abort(404)
    form = RuleForm(
        data={
            "enabled": rule.enabled,
            "notify_owner": rule.notify_owner,
            "recipients": "\n".join(rule.recipients),
        }
        if request.method == "GET"
        else None
    )
    if form.validate_on_submit():
        try:
            rules.save_rule(
                event,
                bool(form.enabled.data),
                bool(form.notify_owner.data),
                form.recipients.data or "",
            )
        except ServiceError as error:
            form.recipients.errors.append(error.message)
        else:
            flash(RULE_SAVED, "success")
            return redirect(url_for(".rule_list"))
    return render_template("notifications/rule_edit.html", form=form, rule=rule)


@blueprint.get("/outbox")
def outbox_list() -> str:
    return render_template(
        "notifications/outbox.html",
        page=load_outbox(parse_outbox_query(request.args)),
        counts=outbox.status_counts(),
        filters=list(STATUS_FILTERS),
        retry_form=RetryForm(),
    )


@blueprint.get("/outbox/<int(max=2147483647):message_id>")
def outbox_message(message_id: int) -> Response:
    """One message as it was (or will be) sent: its text, and its HTML in a sandboxed frame."""
    message = outbox.find_message(message_id)
    if message is None:
        abort(404)
    page = make_response(
        render_template(
            "notifications/outbox_message.html", message=message, retry_form=RetryForm()
        )
    )
    if message.body_html:  # the email's HTML is styled inline
        page.headers["Content-Security-Policy"] = INLINE_STYLES_POLICY
    return page


@blueprint.post("/outbox/<int(max=2147483647):message_id>/retry")
def outbox_retry(message_id: int) -> Response:
    if RetryForm().validate_on_submit():
        try:
            outbox.retry_now(message_id)
        except NotFound:
            abort(404)
        flash(RETRYING, "success")
    return redirect(url_for(".outbox_list", status=parse_outbox_query(request.args).status))
