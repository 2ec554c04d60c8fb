"""Notification rules: whether an event sends email, and to whom."""

from __future__ import annotations

from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select

from oauthapp.exceptions import InvalidInput, NotFound
from oauthapp.extensions import db
from oauthapp.models import NotificationRule
from oauthapp.notifications.catalog import EVENTS

MAX_RECIPIENTS = 20


@dataclass(frozen=True)
class Rule:
    """What happens on an event; an event without a stored rule mails the owner."""

    event: str
    enabled: bool = True
    notify_owner: bool = True
    recipients: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return EVENTS[self.event]


def _stored(event: str) -> NotificationRule | None:
    return db.session.scalar(select(NotificationRule).where(NotificationRule.event == event))


def get_rule(event: str) -> Rule:
    """The rule in force for an event."""
    if event not in EVENTS:
        raise NotFound(f"No notification event {event}.")
    row = _stored(event)
    if row is None:
        return Rule(event)
    return Rule(event, row.enabled, row.notify_owner, tuple(row.recipients.split()))


def list_rules() -> list[Rule]:
    return [get_rule(event) for event in EVENTS]


def parse_recipients(text: str) -> tuple[str, ...]:
    """Addresses separated by commas, semicolons or new lines, each checked; InvalidInput if not."""
    found: list[str] = []
    for item in text.replace(",", "\n").replace(";", "\n").split():
        try:
            address = validate_email(item, check_deliverability=False).normalized
        except EmailNotValidError as exc:
            raise InvalidInput(f"{item} is not a valid email address: {exc}", "recipients") from exc
        if address not in found:
            found.append(address)
    if len(found) > MAX_RECIPIENTS:
        raise InvalidInput(f"At most {MAX_RECIPIENTS} additional recipients.", "recipients")
    return tuple(found)


def save_rule(event: str, enabled: bool, notify_owner: bool, recipients: str) -> Rule:
    """Store the rule for an event."""
    get_rule(event)
    addresses = parse_recipients(recipients)
    if enabled and not notify_owner and not addresses:
        raise InvalidInput(
            "An enabled rule needs a recipient: tick Send to the application's owner, or list "
            "addresses.",
            "recipients",
        )
    row = _stored(event) or NotificationRule(event=event)
    row.enabled, row.notify_owner, row.recipients = enabled, notify_owner, "\n".join(addresses)
    db.session.add(row)
    db.session.commit()
    return get_rule(event)
