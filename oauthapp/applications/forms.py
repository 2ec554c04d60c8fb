"""Forms of the applications blueprint; the service functions have the last word."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, ValidationError

from oauthapp.accounts.service import NAME_MAX
from oauthapp.applications.filters import GRANT_LABELS
from oauthapp.models import Grant
from oauthapp.querystring import positive_int

BLANK = "This value should not be blank."
NAME_VALIDATORS = [
    InputRequired(BLANK),
    Length(
        max=NAME_MAX,
        message=f"This value is too long. It should have {NAME_MAX} characters or less.",
    ),
]


class ApplicationForm(FlaskForm):
    """Create an application. Organization and owner choices are set by the view."""

    organization = SelectField("Organization", choices=[])
    name = StringField("Application Name", validators=NAME_VALIDATORS)
    active = BooleanField("Active", default=True)
    grant = RadioField(
        "Grants",
        choices=[SelectChoice(value, label) for value, label in GRANT_LABELS.items()],
        default=Grant.CLIENT_CREDENTIALS.value,
        validators=[InputRequired("Choose a grant.")],
    )
    owner = SelectField("Users", choices=[], validate_choice=False)
    submit = SubmitField("Create")

    def validate_name(self, field: StringField) -> None:
        if not (field.data or "").strip():
            raise ValidationError(BLANK)

    def validate_owner(self, field: SelectField) -> None:
        if self.grant.data != Grant.CLIENT_CREDENTIALS.value:
            field.data = ""  # password applications have no owner
            return
        if not field.data:
            raise ValidationError(BLANK)
        if field.data not in {choice.value for choice in field.choices or []}:
            raise ValidationError("Choose one of the listed users.")

    def owner_id(self) -> int | None:
        return int(self.owner.data) if self.owner.data else None

    def organization_id(self) -> int | None:
        return positive_int(self.organization.data)


def owner_choices(owners: list[Any], label: str) -> list[SelectChoice]:
    """Choices for the Users field; each option names its organizations for the script."""
    choices = [SelectChoice("", f"Choose {label}…")]
    for owner, organization_ids in owners:
        attrs = {"data-organizations": " ".join(str(org) for org in organization_ids)}
        choices.append(SelectChoice(str(owner.id), owner.display_name, attrs))
    return choices


class EditForm(FlaskForm):
    """Rename or switch an application; grant and owner stay as they are."""

    name = StringField("Application Name", validators=NAME_VALIDATORS)
    active = BooleanField("Active")
    submit = SubmitField("Save")

    def validate_name(self, field: StringField) -> None:
        if not (field.data or "").strip():
            raise ValidationError(BLANK)


class ConfirmForm(FlaskForm):
    """A POST with a CSRF token: the confirmation of an action."""

    submit = SubmitField("Confirm")
