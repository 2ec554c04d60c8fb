"""A WTForms form class as the JSON Schema of the body it validates: one source for both."""

from __future__ import annotations

from typing import Any, ClassVar

from flask import Flask
from openapi_spec_validator import validate
from wtforms import (
    BooleanField,
    Field,
    FieldList,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange, Optional

from oauthapp.applications.forms import NAME_VALIDATORS, ApplicationForm
from oauthapp.forms import Form
from oauthapp.openapi import documented
from oauthapp.openapi.document import build_document
from oauthapp.openapi.forms import form_schema


class Tags(Field):
    json_schema: ClassVar[dict[str, Any]] = {"type": "array", "items": {"type": "string"}}


class Sample(Form):
    name = StringField("Name", [InputRequired(), Length(min=3, max=40)])
    color = SelectField("Color", choices=[("red", "Red"), ("blue", "Blue")])
    size = RadioField("Size", choices=["S", "M"], validators=[DataRequired()])
    owner = SelectField("Owner", choices=[], coerce=int)  # filled by the view: no enum
    active = BooleanField("Active", default=True)
    count = IntegerField("Count", [Optional(), NumberRange(min=1, max=9)])
    mode = StringField("Mode", [AnyOf(["fast", "slow"])])
    picks = SelectMultipleField("Picks", choices=[("a", "A")])
    notes = FieldList(StringField("Note", [Length(max=5)]))
    tags = Tags("Tags")
    form_token = HiddenField()
    submit = SubmitField("Save")


def test_fields_become_typed_properties_in_declaration_order() -> None:
    schema = form_schema(Sample)

    properties = schema["properties"]
    assert list(properties) == ["name", "color", "size", "owner", "active", "count", "mode",
                                "picks", "notes", "tags"]  # fmt: skip
    assert properties["name"] == {"type": "string", "title": "Name", "minLength": 3,
                                  "maxLength": 40}  # fmt: skip
    assert properties["color"]["enum"] == ["red", "blue"]
    assert properties["size"]["enum"] == ["S", "M"]
    assert properties["owner"] == {"type": "integer", "title": "Owner"}
    assert properties["active"] == {"type": "boolean", "title": "Active", "default": True}
    assert properties["count"] == {"type": "integer", "title": "Count", "minimum": 1,
                                   "maximum": 9}  # fmt: skip
    assert properties["mode"]["enum"] == ["fast", "slow"]
    assert properties["picks"]["items"]["enum"] == ["a"]
    assert properties["notes"]["items"]["maxLength"] == 5
    assert properties["tags"]["type"] == "array"


def test_required_comes_from_input_required_and_data_required() -> None:
    assert form_schema(Sample)["required"] == ["name", "size"]


def test_the_back_office_application_form_keeps_its_rules() -> None:
    schema = form_schema(ApplicationForm)

    name = schema["properties"]["name"]
    assert (name["maxLength"], name["minLength"]) == (NAME_VALIDATORS[1].max, 1)
    assert schema["properties"]["grant"]["enum"] == [
        "authorization_code", "client_credentials", "password"
    ]  # fmt: skip
    assert schema["properties"]["redirect_uris"]["items"]["format"] == "uri"
    assert "form_token" not in schema["properties"] and "submit" not in schema["properties"]
    assert schema["required"] == ["name", "grant"]


def test_a_form_given_as_request_body_makes_a_valid_document() -> None:
    app = Flask(__name__)

    @app.post("/things")
    @documented(summary="Create a thing", request={"application/json": Sample},
                responses={201: "Created"})  # fmt: skip
    def create() -> Any:
        return ""

    built = build_document(app, "https://auth.example.com")

    validate(built)
    body = built["paths"]["/things"]["post"]["requestBody"]["content"]["application/json"]
    assert body["schema"] == form_schema(Sample)
