"""What each event mails, and to whom: rendered now, recorded in the caller's transaction."""

from __future__ import annotations

from flask import current_app
from flask_babel import force_locale, format_datetime

from oauthapp import audit, get_settings
from oauthapp.audit import COMMAND_LINE, Actor
from oauthapp.extensions import db
from oauthapp.models import CustomerUser, OAuthApplication, User, utcnow
from oauthapp.notifications import catalog, outbox
from oauthapp.notifications.rules import get_rule
from oauthapp.notifications.templates import TEMPLATE_FAILED, failure_detail, render_message


def application_created(application: OAuthApplication, actor: Actor = COMMAND_LINE) -> list[int]:
    """Queue the "added to your account" email for the owner (and the rule's recipients).

    Call before committing the creation; returns the ids of the queued messages. An edited
    template that fails is recorded in the application's audit trail, as done by the actor.
    """
    owner: User | CustomerUser | None = application.user or application.customer_user
    rule = get_rule(catalog.APPLICATION_CREATED)
    if owner is None or not rule.enabled:
        return []
    recipients = ([owner.email] if rule.notify_owner else []) + [
        address for address in rule.recipients if address != owner.email
    ]
    if not recipients:
        return []
    db.session.flush()  # the application's id, for its link
    locale = catalog.supported_locale(owner.locale)
    template = (
        catalog.CUSTOMER_USER_TEMPLATE if isinstance(owner, CustomerUser) else catalog.USER_TEMPLATE
    )
    rendering = render_message(template, locale, _variables(application, owner, locale))
    detail = failure_detail(template, locale, rendering.failure) if rendering.failure else ""
    if detail:
        audit.record(TEMPLATE_FAILED, application, actor, detail)
    rows = [
        outbox.queue(
            catalog.APPLICATION_CREATED,
            template,
            locale,
            address,
            rendering.message,
            application.id,
            render_error=detail,
            application_name=application.name,
        )
        for address in recipients
    ]
    db.session.flush()
    return [row.id for row in rows]


def _variables(
    application: OAuthApplication, owner: User | CustomerUser, locale: str
) -> dict[str, str]:
    with force_locale(locale):
        created_at = format_datetime(application.created_at or utcnow(), "long")
    return {
        "owner_name": owner.display_name,
        "owner_email": owner.email,
        "application_name": application.name,
        "client_id": application.client_id,
        "organization": application.organization.name,
        "grant": catalog.GRANT_LABELS[locale][application.grant_type],
        "application_url": application_url(application),
        "created_at": str(created_at),
    }


def application_url(application: OAuthApplication) -> str:
    """The application's page, under the configured public address (the issuer)."""
    issuer = get_settings().oauth2_server.issuer
    adapter = current_app.url_map.bind("localhost", script_name="/")
    path = adapter.build("applications.view", {"application_id": application.id})
    return issuer.rstrip("/") + path
