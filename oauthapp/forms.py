"""The base of every form: text no database can store is a form error, never a 500.

PostgreSQL refuses a NUL byte in any text, and no database can encode a lone surrogate
("\\ud800") as UTF-8. Rather than a check per field, every field of every form is looked at once,
right after the request's data is read: a value holding either gets INVALID_TEXT beside the
field, and the value kept (and shown again) is a harmless copy, so no validator, query or page
ever meets the raw one.
"""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import Field

INVALID_TEXT = (
    "This value contains a character that is not allowed "
    "(a NUL byte or an invalid Unicode character)."
)


def storable(value: Any) -> bool:
    """Whether a field's value (text, or a list of texts) can be stored as it is."""
    if isinstance(value, str):
        if "\x00" in value:
            return False
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, list | tuple):
        return all(storable(item) for item in value)
    return True


def harmless(value: Any) -> Any:
    """The value without NUL bytes and with lone surrogates replaced, for showing it again."""
    if isinstance(value, str):
        return value.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, list):
        return [harmless(item) for item in value]
    if isinstance(value, tuple):
        return tuple(harmless(item) for item in value)
    return value


class Form(FlaskForm):
    """A Flask-WTF form whose fields never carry a NUL byte or a lone surrogate past reading."""

    def process(self, *args: Any, **kwargs: Any) -> None:
        super().process(*args, **kwargs)
        self.unstorable: list[Field] = []
        for field in self:
            if not (storable(field.data) and storable(field.raw_data)):
                self.unstorable.append(field)
                _make_harmless(field)

    def validate(self, extra_validators: Any = None) -> bool:
        valid: bool = super().validate(extra_validators)
        for field in self.unstorable:
            field.errors = [INVALID_TEXT]  # the one message that helps
            if not _errors_shown_beside(field) and INVALID_TEXT not in self.form_errors:
                self.form_errors.append(INVALID_TEXT)  # shown above the form instead
        return valid and not self.unstorable


def _errors_shown_beside(field: Field) -> bool:
    """Whether pages show the field's messages next to it: not for hidden fields, buttons and
    checkboxes, whose values a person never types."""
    return getattr(field.widget, "input_type", None) not in {"hidden", "submit", "checkbox"}


def _make_harmless(field: Field) -> None:
    field.data = harmless(field.data)
    if field.raw_data is not None:
        field.raw_data = harmless(field.raw_data)
