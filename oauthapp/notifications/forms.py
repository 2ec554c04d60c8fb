"""Forms of the System > Emails pages; the service functions validate for real."""

from __future__ import annotations

from wtforms import BooleanField, StringField, SubmitField, TextAreaField
from wtforms.validators import Length

from oauthapp.exceptions import ServiceError
from oauthapp.forms import Form
from oauthapp.notifications.catalog import TemplateText
from oauthapp.notifications.sandbox import MAX_SOURCE


class TemplateForm(Form):
    subject = StringField("Subject", validators=[Length(max=1000)])
    body_text = TextAreaField("Text body", validators=[Length(max=MAX_SOURCE)])
    body_html = TextAreaField("HTML body", validators=[Length(max=MAX_SOURCE)])
    preview = SubmitField("Preview")
    submit = SubmitField("Save")

    def text(self) -> TemplateText:
        return TemplateText(
            self.subject.data or "", self.body_text.data or "", self.body_html.data or ""
        )

    def add_error(self, error: ServiceError) -> None:
        """Show a service's refusal next to the field it names."""
        field = getattr(self, error.field or "", None)
        (field.errors if field is not None else self.form_errors).append(error.message)


class ResetForm(Form):
    submit = SubmitField("Reset to default")


class RuleForm(Form):
    enabled = BooleanField("Enabled")
    notify_owner = BooleanField("Send to the application's owner")
    recipients = TextAreaField(
        "Additional recipients",
        description="Email addresses, one a line; they get the owner's message.",
        validators=[Length(max=10_000)],
    )
    submit = SubmitField("Save")


class RetryForm(Form):
    submit = SubmitField("Retry now")
