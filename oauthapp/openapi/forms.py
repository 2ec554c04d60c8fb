"""A WTForms form class described as the JSON Schema of the JSON object it validates.

The form stays the one source of an API body's rules: types from the field classes, `required`
from InputRequired/DataRequired, lengths from Length, bounds from NumberRange, `enum` from static
choices and AnyOf. Submit and hidden fields (buttons, CSRF and one-time tokens) are page plumbing
and left out. A field class of the product's own describes itself with a `json_schema` attribute.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from typing import Any

from wtforms import Form, validators
from wtforms import fields as f
from wtforms.fields.core import UnboundField

_TYPES: list[tuple[type[f.Field], dict[str, Any]]] = [  # most specific first
    (f.SubmitField, {}),
    (f.BooleanField, {"type": "boolean"}),
    (f.IntegerField, {"type": "integer"}),
    (f.FloatField, {"type": "number"}),
    (f.DecimalField, {"type": "number"}),
    (f.DateTimeField, {"type": "string", "format": "date-time"}),
    (f.DateField, {"type": "string", "format": "date"}),
    (f.EmailField, {"type": "string", "format": "email"}),
    (f.URLField, {"type": "string", "format": "uri"}),
    (f.StringField, {"type": "string"}),
]
_SKIPPED = (f.SubmitField, f.HiddenField)
_REQUIRED = (validators.InputRequired, validators.DataRequired)


def form_schema(form_class: type[Form]) -> dict[str, Any]:
    """The JSON Schema of the object FORM_CLASS validates, fields in declaration order."""
    properties: dict[str, Any] = {}
    required: list[str] = []
    for name, unbound in _unbound_fields(form_class):
        if issubclass(unbound.field_class, _SKIPPED):
            continue
        arguments = _arguments(unbound)
        checks = list(arguments.get("validators") or ())
        properties[name] = field_schema(unbound.field_class, arguments, checks)
        if any(isinstance(check, _REQUIRED) for check in checks):
            required.append(name)
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return schema


def _unbound_fields(form_class: type[Form]) -> list[tuple[str, UnboundField]]:
    found = [
        (name, value)
        for name in dir(form_class)
        if not name.startswith("_")
        and isinstance(value := getattr(form_class, name, None), UnboundField)
    ]
    return sorted(found, key=lambda pair: pair[1].creation_counter)


def _arguments(unbound: UnboundField) -> dict[str, Any]:
    """The field's constructor arguments by name, however they were passed."""
    signature = inspect.signature(unbound.field_class.__init__)
    try:
        bound = signature.bind_partial(None, *unbound.args, **unbound.kwargs)
    except TypeError:
        return dict(unbound.kwargs)
    arguments = dict(bound.arguments)
    arguments.update(arguments.pop("kwargs", {}) or {})
    arguments.pop("self", None)
    return arguments


def field_schema(
    field_class: type[f.Field], arguments: dict[str, Any], checks: Iterable[Any]
) -> dict[str, Any]:
    """The schema of one field's value: its type, then what its validators add."""
    schema = dict(_base(field_class, arguments))
    label = arguments.get("label")
    if label:
        schema["title"] = str(label)
    if arguments.get("description"):
        schema["description"] = str(arguments["description"])
    default = arguments.get("default")
    if default is not None and not callable(default):
        schema["default"] = default
    for check in checks:
        schema.update(_constraint(check, schema))
    return schema


def _base(field_class: type[f.Field], arguments: dict[str, Any]) -> dict[str, Any]:
    own = getattr(field_class, "json_schema", None)
    if isinstance(own, dict):
        return own
    if issubclass(field_class, f.SelectMultipleField):
        return {"type": "array", "items": _choice_schema(arguments)}
    if issubclass(field_class, f.SelectField | f.RadioField):
        return _choice_schema(arguments)
    if issubclass(field_class, f.FieldList):
        inner: UnboundField = arguments["unbound_field"]
        inner_arguments = _arguments(inner)
        inner_checks = inner_arguments.get("validators") or ()
        items = field_schema(inner.field_class, inner_arguments, inner_checks)
        return {"type": "array", "items": items}
    for known, schema in _TYPES:
        if issubclass(field_class, known):
            return schema
    return {}  # a field of unknown kind: any value


def _choice_schema(arguments: dict[str, Any]) -> dict[str, Any]:
    """A choice's type from its coerce function; the values, when the choices are static."""
    coerce = arguments.get("coerce", str)
    schema: dict[str, Any] = {"type": "integer" if coerce is int else "string"}
    choices = arguments.get("choices")
    if choices and not callable(choices) and not isinstance(choices, dict):
        schema["enum"] = [_value(choice) for choice in choices]
    return schema


def _constraint(check: Any, schema: dict[str, Any]) -> dict[str, Any]:
    """What one validator adds to the schema of a value of that type."""
    if isinstance(check, validators.Length) and _text(schema):
        limits = {"maxLength": check.max} if check.max is not None and check.max >= 0 else {}
        if check.min is not None and check.min > 0:
            limits["minLength"] = max(check.min, schema.get("minLength", 0))
        return limits
    if isinstance(check, validators.NumberRange):
        bounds = {"minimum": check.min, "maximum": check.max}
        return {key: value for key, value in bounds.items() if value is not None}
    if isinstance(check, validators.AnyOf):
        return {"enum": list(check.values)}
    if isinstance(check, validators.Email):
        return {"format": "email"}
    if isinstance(check, validators.URL):
        return {"format": "uri"}
    if isinstance(check, validators.InputRequired | validators.DataRequired):
        return {"minLength": max(1, schema.get("minLength", 0))} if _text(schema) else {}
    return {}


def _text(schema: dict[str, Any]) -> bool:
    return schema.get("type") == "string" and "enum" not in schema


def _value(choice: Any) -> Any:
    """The value of a choice: a SelectChoice, a (value, label) pair or the value alone."""
    if hasattr(choice, "value"):
        return choice.value
    return choice if isinstance(choice, str) else choice[0]
