"""Edited templates render in a sandbox that keeps them away from internals and bounded."""

from __future__ import annotations

import pytest

from oauthapp.notifications.sandbox import MAX_OUTPUT, TemplateProblem, render

VARIABLES = {"owner_name": "Jane <b>", "application_name": "Sync"}


def test_variables_are_escaped_in_html_and_plain_in_text() -> None:
    assert render("Hi {{ owner_name }}", VARIABLES) == "Hi Jane <b>"
    assert render("Hi {{ owner_name }}", VARIABLES, html=True) == "Hi Jane &lt;b&gt;"


def test_filters_tests_loops_and_harmless_methods_work() -> None:
    source = (
        "{{ application_name|upper }} {{ owner_name.split()[0] }}"
        "{% for c in application_name %}{% if loop.first %} {{ c }}{% endif %}{% endfor %}"
        "{% if nickname is defined %}!{% endif %}"
    )
    assert render(source, VARIABLES) == "SYNC Jane S"


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ owner_name.__init__.__globals__ }}",
        "{{ range.__globals__ }}",
        "{{ self._TemplateReference__context }}",
        "{{ cycler.__init__.__globals__.os }}",
        "{{ lipsum.__globals__ }}",
        "{{ config }}",
        "{{ request }}",
        "{{ owner_name.center(1000000000) }}",
        "{{ '{0.__class__}'.format(owner_name) }}",
        "{{ 'x' * 100000 }}",
        "{{ 9 ** 9999999 }}",
        "{{ '%s' % owner_name }}",
        "{% for i in range(10000) %}{% endfor %}",
        "{% import 'base.html' as b %}",
        "{% extends 'base.html' %}",
        "{% macro m() %}{% endmacro %}",
        "{% set x = 1 %}",
        "{% for a in owner_name %}{% for b in owner_name %}{% for c in owner_name %}"
        "{% endfor %}{% endfor %}{% endfor %}",
        "{{ owner_name|attr('__class__') }}",
        "{{ owner_name|map('upper')|list }}",
    ],
)
def test_what_a_template_must_not_do_is_refused(source: str) -> None:
    with pytest.raises(TemplateProblem):
        render(source, VARIABLES)


def test_the_output_is_bounded() -> None:
    source = "{% for i in range(1000) %}{% for j in range(1000) %}{{ 'x' * 1000 }}{% endfor %}"
    with pytest.raises(TemplateProblem, match=f"longer than {MAX_OUTPUT}"):
        render(source + "{% endfor %}", VARIABLES)
