"""Email templates: the text in force per locale, editing with validation, and rendering."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from oauthapp.exceptions import InvalidInput, NotFound
from oauthapp.extensions import db
from oauthapp.models import EmailTemplate, SecurityEvent
from oauthapp.notifications import catalog
from oauthapp.notifications.catalog import TemplateText
from oauthapp.notifications.sandbox import TemplateProblem, render

log = logging.getLogger(__name__)

SUBJECT_MAX = 255
TEMPLATE_FAILED = "email_template_failed"  # audit event: an edited template fell back


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    body_text: str
    body_html: str


@dataclass(frozen=True)
class Rendering:
    """The message to send, and why the edited template was not used (empty if it was)."""

    message: RenderedMessage
    failure: str = ""


@dataclass(frozen=True)
class RenderFailure:
    """The last time an edited template failed on real data."""

    at: datetime
    error: str


@dataclass(frozen=True)
class TemplateEntry:
    """One line of the templates list."""

    name: str
    locale: str
    subject: str
    customized: bool
    updated_at: datetime | None = None


def _edited(name: str, locale: str) -> EmailTemplate | None:
    query = select(EmailTemplate).where(EmailTemplate.name == name, EmailTemplate.locale == locale)
    return db.session.scalar(query)


def template_text(name: str, locale: str) -> TemplateText:
    """The text in force: the edited one, or the built-in one."""
    if not catalog.is_known(name, locale):
        raise NotFound(f"No email template {name} in locale {locale}.")
    row = _edited(name, locale)
    if row is None:
        return catalog.builtin(name, locale)
    return TemplateText(row.subject, row.body_text, row.body_html)


def list_templates() -> list[TemplateEntry]:
    """Every template in every locale, saying which ones were edited."""
    rows = {(row.name, row.locale): row for row in db.session.scalars(select(EmailTemplate))}
    entries = []
    for name in catalog.TEMPLATES:
        for locale in catalog.LOCALES:
            row = rows.get((name, locale))
            subject = row.subject if row else catalog.builtin(name, locale).subject
            entries.append(
                TemplateEntry(
                    name, locale, subject, row is not None, row.updated_at if row else None
                )
            )
    return entries


def render_text(text: TemplateText, variables: Mapping[str, str]) -> RenderedMessage:
    """The message a template gives for these variables; TemplateProblem names the part."""
    parts = {}
    for field, source, html in (
        ("subject", text.subject, False),
        ("body_text", text.body_text, False),
        ("body_html", text.body_html, True),
    ):
        try:
            parts[field] = render(source, variables, html)
        except TemplateProblem as problem:
            raise InvalidInput(str(problem), field) from problem
    subject = re.sub(r"\s+", " ", parts["subject"]).strip()
    if not subject:
        raise InvalidInput("The subject renders empty.", "subject")
    if len(subject) > SUBJECT_MAX:
        raise InvalidInput(f"The subject renders longer than {SUBJECT_MAX} characters.", "subject")
    return RenderedMessage(subject, parts["body_text"], parts["body_html"])


def check_template(text: TemplateText, locale: str) -> RenderedMessage:
    """Refuse (InvalidInput, naming the field) a template that does not render the sample."""
    if not text.body_text.strip():
        raise InvalidInput("The text body must not be blank.", "body_text")
    return render_text(text, catalog.sample(locale))


def save_template(name: str, locale: str, text: TemplateText, editor_id: int | None) -> None:
    """Store an edited template once it renders the sample data."""
    template_text(name, locale)  # NotFound for an unknown template or locale
    check_template(text, locale)
    row = _edited(name, locale) or EmailTemplate(name=name, locale=locale)
    row.subject, row.body_text, row.body_html = text.subject, text.body_text, text.body_html
    row.updated_by_id = editor_id
    db.session.add(row)
    db.session.commit()


def reset_template(name: str, locale: str) -> None:
    """Go back to the built-in text."""
    template_text(name, locale)
    row = _edited(name, locale)
    if row is not None:
        db.session.delete(row)
        db.session.commit()


def render_message(name: str, locale: str, variables: Mapping[str, str]) -> Rendering:
    """The message for an event; an edited template that fails, however, gives the built-in."""
    builtin = catalog.builtin(name, locale)
    text = template_text(name, locale)
    if text == builtin:
        return Rendering(render_text(builtin, variables))
    try:
        return Rendering(render_text(text, variables))
    except InvalidInput as problem:
        failure = f"{problem.field}: {problem.message}"
    except Exception as exc:  # whatever an edited template does, the change that mails goes on
        log.exception("email template %s (%s) failed", name, locale)
        failure = f"{type(exc).__name__}: {exc}"
    log.warning("email template %s (%s) failed, built-in text used: %s", name, locale, failure)
    return Rendering(render_text(builtin, variables), failure)


def failure_detail(name: str, locale: str, failure: str) -> str:
    """How a fallback is written in the audit trail (its detail column)."""
    return f"{name} ({locale}): {failure}"


def last_failure(name: str, locale: str) -> RenderFailure | None:
    """The latest fallback of the edited template since it was last saved, if any."""
    row = _edited(name, locale)
    if row is None:
        return None
    prefix = failure_detail(name, locale, "")
    event = db.session.scalar(
        select(SecurityEvent)
        .where(
            SecurityEvent.event == TEMPLATE_FAILED,
            SecurityEvent.detail.startswith(prefix, autoescape=True),
            SecurityEvent.occurred_at >= row.updated_at,
        )
        .order_by(SecurityEvent.occurred_at.desc(), SecurityEvent.id.desc())
        .limit(1)
    )
    return RenderFailure(event.occurred_at, event.detail[len(prefix) :]) if event else None
