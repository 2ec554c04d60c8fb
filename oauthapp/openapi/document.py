"""The OpenAPI 3.1 document, generated from the URL map and the operations on its views.

Beyond what `Operation` says of itself: a `responses` value may also be (description, schema,
media type), or a whole OpenAPI Response Object (a mapping with a "description"); a schema is
a JSON Schema dict or a WTForms form class; the shared Problem schema is served as
application/problem+json. `security` entries name SECURITY_SCHEMES, or ANONYMOUS for "no
credentials" as one alternative. Path parameters come from the rule's converters.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from flask import Flask
from werkzeug.routing import Rule
from werkzeug.routing.converters import (
    AnyConverter,
    BaseConverter,
    FloatConverter,
    IntegerConverter,
    UUIDConverter,
)
from wtforms import Form

from oauthapp.openapi import Operation, operations_of
from oauthapp.openapi.forms import form_schema
from oauthapp.openapi.schemas import (
    ANONYMOUS,
    JSON,
    PROBLEM,
    PROBLEM_MEDIA_TYPE,
    SCHEMAS,
    SECURITY_SCHEMES,
    ref,
)

OPENAPI_VERSION = "3.1.0"
TITLE = "oauthapp"
DESCRIPTION = (
    "The HTTP APIs of oauthapp, an OAuth 2.0 and OpenID Connect server: the token, revocation "
    "and introspection endpoints, userinfo, the back-office and storefront APIs, the "
    "Management API and the discovery documents."
)
UNDOCUMENTED_METHODS = {"HEAD", "OPTIONS"}
_VARIABLE = re.compile(r"<(?:[^>:]+:)?([A-Za-z_][A-Za-z0-9_]*)>")


def build_document(app: Flask, issuer: str) -> dict[str, Any]:
    """The whole document for APP, whose server is at ISSUER."""
    paths: dict[str, dict[str, Any]] = {}
    used_ids: set[str] = set()
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        for operation in operations_of(app.view_functions[rule.endpoint]):
            for method in operation_methods(rule, operation):
                path_item = paths.setdefault(openapi_path(rule.rule), {})
                if method.lower() in path_item:
                    raise ValueError(f"{method} {rule.rule} is described twice")
                described = operation_object(rule, operation, method)
                if described["operationId"] in used_ids:
                    raise ValueError(f"operationId {described['operationId']} is used twice")
                used_ids.add(described["operationId"])
                path_item[method.lower()] = described
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": TITLE, "version": package_version(), "description": DESCRIPTION},
        "servers": [{"url": issuer.rstrip("/") or "/"}],
        "paths": paths,
        "components": {"schemas": dict(SCHEMAS), "securitySchemes": SECURITY_SCHEMES},
    }


def package_version() -> str:
    try:
        return version("oauthapp")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "0.0.0"


def operation_methods(rule: Rule, operation: Operation) -> list[str]:
    """The methods of RULE that OPERATION describes."""
    served = set(rule.methods or ()) - UNDOCUMENTED_METHODS
    wanted = {method.upper() for method in operation.methods} or served
    return sorted(served & wanted)


def openapi_path(rule: str) -> str:
    """Flask's `/a/<int:id>` as OpenAPI's `/a/{id}`."""
    return _VARIABLE.sub(r"{\1}", rule)


def operation_object(rule: Rule, operation: Operation, method: str) -> dict[str, Any]:
    """One operation of the document."""
    described: dict[str, Any] = {
        "operationId": _operation_id(rule, operation, method),
        "summary": operation.summary,
    }
    if operation.tags:
        described["tags"] = list(operation.tags)
    if operation.description:
        described["description"] = operation.description
    parameters = _parameters(rule, operation.parameters)
    if parameters:
        described["parameters"] = parameters
    if operation.request:
        content = {
            media: {"schema": schema_of(schema)} for media, schema in operation.request.items()
        }
        described["requestBody"] = {"required": True, "content": content}
    described["responses"] = {
        str(status): response_object(value) for status, value in operation.responses.items()
    }
    if operation.security:
        described["security"] = security_requirements(operation.security)
    return described


def _operation_id(rule: Rule, operation: Operation, method: str) -> str:
    base = operation.operation_id or rule.endpoint.replace(".", "_")
    return f"{base}_{method.lower()}" if len(operation_methods(rule, operation)) > 1 else base


def _parameters(rule: Rule, given: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The rule's path parameters (merged with any described in GIVEN), then the others."""
    converters: dict[str, BaseConverter] = getattr(rule, "_converters", {})
    explicit = {(item["in"], item["name"]): dict(item) for item in given}
    parameters = []
    for name in _VARIABLE.findall(rule.rule):
        found = {"name": name, "in": "path", "required": True}
        found["schema"] = converter_schema(converters.get(name))
        parameters.append({**found, **explicit.pop(("path", name), {})})
    return parameters + list(explicit.values())


def converter_schema(converter: BaseConverter | None) -> dict[str, Any]:
    """The schema of the values a Flask converter matches."""
    if isinstance(converter, IntegerConverter | FloatConverter):
        schema: dict[str, Any] = {
            "type": "integer" if isinstance(converter, IntegerConverter) else "number"
        }
        if converter.min is not None or not converter.signed:
            schema["minimum"] = converter.min if converter.min is not None else 0
        if converter.max is not None:
            schema["maximum"] = converter.max
        return schema
    if isinstance(converter, UUIDConverter):
        return {"type": "string", "format": "uuid"}
    if isinstance(converter, AnyConverter):
        return {"type": "string", "enum": sorted(converter.items)}
    return {"type": "string"}


def schema_of(schema: Any) -> dict[str, Any]:
    """A JSON Schema, given as one or as the form class that validates the body."""
    if isinstance(schema, type) and issubclass(schema, Form):
        return form_schema(schema)
    if isinstance(schema, Mapping):
        return dict(schema)
    raise TypeError(f"not a schema or a form class: {schema!r}")


def response_object(value: Any) -> dict[str, Any]:
    """An OpenAPI Response Object from what an Operation says of one status."""
    if isinstance(value, str):
        return {"description": value}
    if isinstance(value, Mapping):
        if "description" not in value:
            raise ValueError(f"a Response Object needs a description: {value!r}")
        return dict(value)
    description, schema, *rest = value
    body = schema_of(schema)
    problem = body in (ref("Problem"), PROBLEM)
    media = rest[0] if rest else (PROBLEM_MEDIA_TYPE if problem else JSON)
    return {"description": description, "content": {media: {"schema": body}}}


def security_requirements(names: Sequence[str]) -> list[dict[str, list[str]]]:
    """Alternatives, each one scheme (or none, for ANONYMOUS)."""
    unknown = [name for name in names if name not in SECURITY_SCHEMES and name != ANONYMOUS]
    if unknown:
        raise ValueError(f"unknown security schemes {unknown}: one of {list(SECURITY_SCHEMES)}")
    return [{} if name == ANONYMOUS else {name: []} for name in names]
