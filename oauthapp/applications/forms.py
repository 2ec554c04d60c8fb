"""Forms of the applications blueprint; the service functions have the last word."""

from __future__ import annotations

from typing import Any, ClassVar

from wtforms import (
    BooleanField,
    Field,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, ValidationError

from oauthapp.accounts.service import NAME_MAX
from oauthapp.applications.filters import GRANT_LABELS
from oauthapp.applications.owners import OwnerChoice
from oauthapp.applications.redirects import (
    MAX_REDIRECT_URI_LENGTH,
    InvalidRedirectUris,
    clean_redirect_uris,
)
from oauthapp.forms import Form
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


class RedirectUrisField(Field):
    """Redirect URLs: one input per row, all named alike; blank rows are spare ones.

    row_errors maps a row to its message, so the page shows it next to that row.
    """

    maxlength = MAX_REDIRECT_URI_LENGTH
    json_schema: ClassVar[dict[str, Any]] = {  # for /openapi.json (oauthapp.openapi.forms)
        "type": "array",
        "items": {"type": "string", "format": "uri", "maxLength": MAX_REDIRECT_URI_LENGTH},
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, default=list, **kwargs)
        self.row_errors: dict[int, str] = {}

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = [str(value) for value in valuelist]

    def rows(self) -> list[str]:
        """The rows to show: what was entered, or one empty row."""
        return list(self.data or []) or [""]

    def add_row(self) -> None:
        self.data = [*self.rows(), ""]

    def remove_row(self, row: int | None) -> None:
        rows = self.rows()
        if row is not None and 0 <= row < len(rows):
            del rows[row]
        self.data = rows

    def list_errors(self) -> list[str]:
        """The messages about the list as a whole, not about one row."""
        rows = set(self.row_errors.values())
        return [message for message in self.errors if message not in rows]

    def check(self) -> None:
        """Clean the URLs, or keep each problem beside its row and fail the field."""
        try:
            self.data = clean_redirect_uris(self.data or [])
        except InvalidRedirectUris as error:
            self.row_errors = {row: text for row, text in error.problems.items() if row is not None}
            self.errors.extend(error.problems.values())


class AuthorizationCodeFields:
    """Redirect URLs and the two switches that only authorization-code applications have."""

    redirect_uris = RedirectUrisField("Redirect URLs")
    confidential = BooleanField("Confidential Client", default=True)
    skip_consent = BooleanField("Skip User Consent", default=False)

    def for_authorization_code(self) -> bool:
        raise NotImplementedError

    def validate_redirect_uris(self, field: RedirectUrisField) -> None:
        if not self.for_authorization_code():
            field.data = []  # posted for another grant: not this application's
            return
        field.check()

    def client_settings(self) -> dict[str, Any]:
        """The settings for the service's keyword arguments; none for other grants."""
        if not self.for_authorization_code():
            return {}
        return {
            "redirect_uris": self.redirect_uris.data or [],
            "confidential": bool(self.confidential.data),
            "skip_consent": bool(self.skip_consent.data),
        }


class ApplicationForm(Form, AuthorizationCodeFields):
    """Create an application. Organization and owner choices are set by the view, and so are
    owner_missing (what to ask for when no owner is chosen) and no_owner (why nobody may own an
    application in the chosen organization, if so)."""

    owner_missing = BLANK
    no_owner: str | None = None

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
    form_token = HiddenField()  # one-time: see oauthapp.applications.once
    submit = SubmitField("Create")

    def validate_name(self, field: StringField) -> None:
        if not (field.data or "").strip():
            raise ValidationError(BLANK)

    def validate_owner(self, field: SelectField) -> None:
        if self.grant.data != Grant.CLIENT_CREDENTIALS.value:
            field.data = ""  # password applications have no owner
            return
        if not field.data:
            raise ValidationError(self.no_owner or self.owner_missing)
        if field.data not in {choice.value for choice in field.choices or []}:
            raise ValidationError("Choose one of the listed users.")

    def for_authorization_code(self) -> bool:
        return bool(self.grant.data == Grant.AUTHORIZATION_CODE.value)

    def owner_id(self) -> int | None:
        return int(self.owner.data) if self.owner.data else None

    def organization_id(self) -> int | None:
        return positive_int(self.organization.data)


def owner_choices(owners: list[OwnerChoice], label: str | None) -> list[SelectChoice]:
    """Choices for the Users field, after a "Choose …" one if LABEL is given; each option names
    its organizations for the script."""
    choices = [SelectChoice("", f"Choose {label}…")] if label else []
    for owner in owners:
        attrs = {"data-organizations": " ".join(str(org) for org in owner.organization_ids)}
        choices.append(SelectChoice(str(owner.id), owner.label, attrs))
    return choices


class EditForm(Form, AuthorizationCodeFields):
    """Rename or switch an application; grant and owner stay as they are."""

    name = StringField("Application Name", validators=NAME_VALIDATORS)
    active = BooleanField("Active")
    submit = SubmitField("Save")

    def __init__(self, *args: Any, grant: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.grant = grant

    def validate_name(self, field: StringField) -> None:
        if not (field.data or "").strip():
            raise ValidationError(BLANK)

    def for_authorization_code(self) -> bool:
        return self.grant == Grant.AUTHORIZATION_CODE.value


class ConfirmForm(Form):
    """A POST with a CSRF token: the confirmation of an action."""

    submit = SubmitField("Confirm")


class RegenerateForm(ConfirmForm):
    """The confirmation of Regenerate Secret, with a one-time form token."""

    form_token = HiddenField()
