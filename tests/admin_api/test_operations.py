"""Every view of the management API describes itself for the OpenAPI document."""

from __future__ import annotations

from flask import Flask

from oauthapp.openapi import operations_of


def test_each_admin_route_has_an_operation_tagged_admin_with_bearer_security(app: Flask) -> None:
    rules = [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/admin/")]
    assert len(rules) == 8
    for rule in rules:
        operations = operations_of(app.view_functions[rule.endpoint])
        assert len(operations) == 1, rule.rule
        operation = operations[0]
        assert operation.summary and list(operation.tags) == ["admin"], rule.rule
        assert list(operation.security) == ["bearer"], rule.rule
        assert 401 in operation.responses and 403 in operation.responses, rule.rule
        if "<" in rule.rule:
            assert [p["name"] for p in operation.parameters][:1] == ["application_id"], rule.rule
        if (
            rule.methods
            and {"POST", "PATCH"} & rule.methods
            and rule.rule.endswith(("applications", "application_id>"))
        ):
            assert operation.request is not None, rule.rule
