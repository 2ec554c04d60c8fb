"""The OAuth applications grids, create with the one-time secret, view and edit."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user, login_required
from werkzeug.wrappers import Response
from wtforms import Field
from wtforms.fields.choices import SelectChoice

from oauthapp import audit, get_settings
from oauthapp.applications import filters, once, scopes, service
from oauthapp.applications.access import (
    Access,
    access_of,
    creatable_organizations,
    find_application,
    visible_organizations,
)
from oauthapp.applications.consents import authorized_users
from oauthapp.applications.creation import CreationChoices, creation_choices, offered_owners
from oauthapp.applications.feedback import changed_applications, flash_done
from oauthapp.applications.forms import ApplicationForm, EditForm, owner_choices
from oauthapp.applications.grid import load_grid, parse_grid_query
from oauthapp.applications.origins import Origin, origin_of
from oauthapp.applications.owners import (
    OwnerPage,
    clean_search_text,
    parse_owner_query,
    search_owners,
)
from oauthapp.applications.scopes import MANAGE
from oauthapp.applications.secrets import nothing_again, secret_page
from oauthapp.audit import Actor
from oauthapp.exceptions import ServiceError
from oauthapp.keys import KEYS_MISSING_WARNING, keys
from oauthapp.models import FormSubmission, Grant, Kind, OAuthApplication
from oauthapp.querystring import positive_int
from oauthapp.token.issuing import temporary_access_token
from oauthapp.usage.series import SPANS, span_named, usage_series

blueprint = Blueprint("applications", __name__)
blueprint.record_once(lambda state: filters.init_app(state.app))
blueprint.add_app_template_global(changed_applications, "changed_applications")

CREATED = "OAuth application has been created."
UPDATED = "OAuth application has been updated."
UNKNOWN_ORGANIZATION = "Choose one of the listed organizations."
NOT_ALLOWED = "You may only create Client Credentials applications that you own."
KIND_TITLES = {
    Kind.BACKOFFICE: "OAuth Applications",
    Kind.STOREFRONT: "Customer User OAuth Applications",
}


@blueprint.before_request
@login_required
def require_login() -> None:
    """Every page here is for logged-in users."""


def current_access() -> Access:
    if "access" not in g:
        g.access = access_of(current_user)
    access: Access = g.access
    return access


def current_actor() -> Actor:
    """The logged-in user and the address the request came from, for the audit trail."""
    return Actor(current_user.id, current_user.username, request.remote_addr or "")


def load_application(application_id: int) -> OAuthApplication:
    """The application, if the user may manage it; 404 otherwise, whether or not it exists."""
    application = find_application(current_access(), application_id)
    if application is None:
        abort(404)
    return application


@blueprint.get("/admin/oauth2/", defaults={"kind": "backoffice"})
@blueprint.get("/admin/oauth2/frontend", defaults={"kind": "storefront"})
def grid(kind: str) -> str:
    access = current_access()
    page = load_grid(access, Kind(kind), parse_grid_query(request.args))
    return render_template(
        "applications/grid.html",
        kind=Kind(kind),
        title=KIND_TITLES[Kind(kind)],
        page=page,
        organizations=visible_organizations(access),
        may_create=bool(creatable_organizations(access, Kind(kind))),
        key_status=keys().status(),
        grant_labels=filters.GRANT_LABELS,
    )


@blueprint.route("/admin/oauth2/create", methods=["GET", "POST"], defaults={"kind": "backoffice"})
@blueprint.route(
    "/admin/oauth2/frontend/create", methods=["GET", "POST"], defaults={"kind": "storefront"}
)
def create(kind: str) -> Response | str:
    preset = request.args.get("owner")
    choices = creation_choices(current_access(), Kind(kind), positive_int(preset))
    if not choices.organizations:
        abort(404 if preset else 403)
    search = clean_search_text(request.args.get("owner_q"))
    origin = origin_of(current_access(), request.values.get("next"))
    form = prepared_form(choices)
    owner_page = prepared_owners(form, choices, search)
    key_status = keys().status()
    if changed_rows(form):
        pass  # Add another URL or Remove: the same form again, one row more or less
    elif (earlier := earlier_submission(form.form_token.data)) is not None:
        return already_submitted(earlier)
    elif form.validate_on_submit():
        if not key_status.available:
            form.form_errors.append(KEYS_MISSING_WARNING)
        else:
            created = create_from(form, choices, origin)
            if created is not None:
                return created
    with_form_token(form)
    return render_template(
        "applications/create.html",
        form=form,
        choices=choices,
        owner_page=owner_page,
        owner_search=search,
        kind=choices.kind,
        title=KIND_TITLES[choices.kind],
        key_status=key_status,
        origin=origin,
    )


@blueprint.get("/admin/oauth2/owners", defaults={"kind": "backoffice"})
@blueprint.get("/admin/oauth2/frontend/owners", defaults={"kind": "storefront"})
def owners(kind: str) -> Response:
    """The create form's Users search: one page of the accounts the user may pick, as JSON.

    The same accounts the form accepts: 403 for a user who may create nothing of that kind,
    404 for an organization it may not create in (or that does not exist).
    """
    choices = creation_choices(current_access(), Kind(kind), None)
    if not choices.organizations:
        abort(403)
    query = parse_owner_query(request.args)
    organization = choices.organization(positive_int(query.organization))
    if query.organization and organization is None:
        abort(404)
    scope = choices.scope(organization.id if organization else None)
    page = search_owners(scope, query.text, query.page, query.per_page)
    response = jsonify(page.as_json())
    response.headers["Cache-Control"] = "no-store"
    return response


def changed_rows(form: ApplicationForm | EditForm) -> bool:
    """Whether the POST pressed Add another URL or a Remove button (no script needed).

    Nothing is validated or saved: the form comes back with its redirect URL rows changed.
    """
    if request.method != "POST":
        return False
    if "add_redirect_uri" in request.form:
        form.redirect_uris.add_row()
        return True
    if "remove_redirect_uri" in request.form:
        row = positive_int(request.form.get("remove_redirect_uri"))
        form.redirect_uris.remove_row(row - 1 if row else None)
        return True
    return False


def prepared_form(choices: CreationChoices) -> ApplicationForm:
    """The form with its organizations; on a GET, the organization a search was made in.

    An organization where nobody may own an application carries why (data-no-owner), which
    the Users field shows while it is chosen (the first one, as a browser shows, until then).
    """
    only = str(choices.organizations[0].id) if len(choices.organizations) == 1 else None
    form = ApplicationForm(organization=only)
    without = choices.without_owners()
    form.organization.choices = [
        SelectChoice(
            str(org.id), org.name, {"data-no-owner": without[org.id]} if org.id in without else {}
        )
        for org in choices.organizations
    ]
    searched_in = choices.organization(positive_int(request.args.get("organization")))
    if request.method == "GET" and searched_in is not None:
        form.organization.data = str(searched_in.id)
    shown = choices.organization(form.organization_id()) or choices.organizations[0]
    form.no_owner, form.owner_missing = without.get(shown.id), choices.owner_missing()
    if choices.preset_owner is not None:
        form.grant.choices = [SelectChoice(Grant.CLIENT_CREDENTIALS.value, "Client Credentials")]
        form.grant.data = "client_credentials"
        form.owner.data = str(choices.preset_owner.id)
    return form


def prepared_owners(form: ApplicationForm, choices: CreationChoices, search: str) -> OwnerPage:
    """Fill the Users list (the first matches, and the owner already chosen); the matches."""
    offered, page = offered_owners(
        choices, form.organization_id(), search, positive_int(form.owner.data)
    )
    label = None
    if choices.preset_owner is None:
        label = "a customer user" if choices.kind == Kind.STOREFRONT else "a user"
    form.owner.choices = owner_choices(offered, label)
    return page


def create_from(
    form: ApplicationForm, choices: CreationChoices, origin: Origin | None = None
) -> Response | None:
    """Create the application and redirect to its one-time page (whose Done returns to ORIGIN,
    if the form was opened from an account page); None after a form error.

    The form token is claimed first: the same form sent twice creates one application.
    """
    organization = choices.organization(form.organization_id())
    owner = choices.owner(form.owner_id())
    if organization is None:
        form.form_errors.append(UNKNOWN_ORGANIZATION)  # the field may not be on the page
        return None
    if not current_access().may_own_new(
        choices.kind, organization.id, owner.id if owner is not None else None
    ):
        form.form_errors.append(NOT_ALLOWED)
        return None
    hashed = once.token_hash(form.form_token.data)
    if hashed is None:
        form.form_errors.append(once.EXPIRED)  # the page gets a fresh token
        return None
    claimed = once.claim(hashed, once.CREATE, current_user.id)
    if claimed is None:  # the same form, sent a moment earlier, got there first
        return already_submitted(once.submission_of(hashed))
    try:
        new = service.create_application(
            organization, form.name.data or "", form.grant.data, choices.kind, owner,
            bool(form.active.data), current_actor(), **form.client_settings(),
        )  # fmt: skip
    except ServiceError as error:
        once.release(claimed)
        field = getattr(form, error.field or "", None)
        (field.errors if field is not None else form.form_errors).append(error.message)
        return None
    flash_done(CREATED, new.application, mark=False)
    page_id = once.complete(claimed, new.application, new.client_secret)
    return one_time_redirect(page_id, origin)


def with_form_token(form: ApplicationForm) -> None:
    """Give the form a token before it is shown, unless it carries a usable one already."""
    form.form_token.data = once.usable_form_token(form.form_token.data)


def earlier_submission(token: str | None) -> FormSubmission | None:
    """The submission this form token made before, if the POST sends one seen already."""
    if request.method != "POST":
        return None
    hashed = once.token_hash(token)
    return once.submission_of(hashed) if hashed is not None else None


def already_submitted(earlier: FormSubmission | None) -> Response:
    """The answer to a form sent again: nothing happens; a link to its application."""
    application = (
        find_application(current_access(), earlier.application_id)
        if earlier is not None and earlier.application_id is not None
        else None
    )
    return nothing_again(application, once.ALREADY_SUBMITTED, "submitted", status=409)


def one_time_redirect(page_id: int, origin: Origin | None = None) -> Response:
    """POST -> 303 -> GET: a reload of the page that follows never sends the form again."""
    back = origin.path if origin is not None else None
    return redirect(url_for(".one_time", page_id=page_id, next=back), code=303)


@blueprint.get("/admin/oauth2/credentials/<int(max=2147483647):page_id>")
def one_time(page_id: int) -> Response:
    """A new secret, shown to the user who made it, once; afterwards a page that says so."""
    submission = once.submitted_by(page_id, current_user.id)
    if submission is None:
        abort(404)
    application = (
        find_application(current_access(), submission.application_id)
        if submission.application_id is not None
        else None
    )
    page = once.take_page(page_id, current_user.id) if application is not None else None
    origin = origin_of(current_access(), request.args.get("next"))
    if application is None or page is None:
        return nothing_again(application, once.NO_LONGER_SHOWN, "shown", origin=origin)
    token = temporary_access_token(application) if submission.action == once.CREATE else None
    return secret_page(application, page.secret, token, origin)


@blueprint.get("/admin/oauth2/<int(max=2147483647):application_id>")
def view(application_id: int) -> str:
    application = load_application(application_id)
    return render_template(
        "applications/view.html",
        application=application,
        kind=Kind(application.kind),
        title=KIND_TITLES[Kind(application.kind)],
        key_status=keys().status(),
        activity=audit.activity(application),
        event_labels=audit.LABELS,
        authorized_users=authorized_users(application),
        usage=usage_series(application.id, span_named(request.args.get("usage"))),
        usage_spans=SPANS.values(),
        flush_interval=get_settings().usage_flush_interval,
        may_grant_scopes=may_grant_scopes(application),
        manage_scope=MANAGE,
    )


def may_grant_scopes(application: OAuthApplication) -> bool:
    """Whether the logged-in user may grant scopes to the application."""
    return scopes.may_have_scopes(application) and current_access().administers(
        application.organization_id
    )


@blueprint.get("/admin/oauth2/<int(max=2147483647):application_id>/activity.csv")
def activity_csv(application_id: int) -> Response:
    application = load_application(application_id)
    filename = f"activity-{application.client_id}.csv"
    return Response(
        stream_with_context(audit.activity_csv(application)),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


@blueprint.route("/admin/oauth2/<int(max=2147483647):application_id>/edit", methods=["GET", "POST"])
def edit(application_id: int) -> Response | str:
    application = load_application(application_id)
    form = EditForm(obj=application, grant=application.grant_type)
    if changed_rows(form):
        pass  # Add another URL or Remove: the same form again, one row more or less
    elif form.validate_on_submit():
        try:
            service.update_application(
                application, form.name.data or "", bool(form.active.data), current_actor(),
                **form.client_settings(),
            )  # fmt: skip
        except ServiceError as error:
            field = getattr(form, error.field or "", None)
            (field.errors if isinstance(field, Field) else form.form_errors).append(error.message)
        else:
            flash_done(UPDATED, application)
            return redirect(url_for(".view", application_id=application.id))
    return render_template(
        "applications/edit.html",
        application=application,
        form=form,
        kind=Kind(application.kind),
        title=KIND_TITLES[Kind(application.kind)],
    )
