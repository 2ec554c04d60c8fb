"""Edited templates render in a sandbox that keeps them away from internals and bounded."""

from __future__ import annotations

import re
import time

import pytest

from oauthapp.notifications.limits import MAX_INT_BITS, MAX_SEQUENCE, RENDER_SECONDS
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


# --- resource limits: every value a template builds, and the time it takes --------------------

TOO_LONG = f"a value over the limit of {MAX_SEQUENCE} characters or list items"
TOO_BIG = f"a number over the limit of {MAX_INT_BITS} bits"
TOO_SLOW = f"longer than the limit of {RENDER_SECONDS:g} s"
ATTACKS = {
    "power tower": ("{{ 9 ** 9 ** 9 ** 9 }}", TOO_BIG),
    "big product": ("{{ (2 ** 200) * (2 ** 200) }}", TOO_BIG),
    "repeated string": ("{{ 'x' * 10 ** 8 }}", TOO_LONG),
    "repeated list": ("{{ ([owner_name] * 5000) * 5000 }}", TOO_LONG),
    "list sum": ("{{ [owner_name * 1200] + [owner_name * 1200] }}", TOO_LONG),
    "join separator": ("{{ ('x' * 9000)|list|join('y' * 9000) }}", TOO_LONG),
    "nested join": ("{{ ('x' * 100)|list|join('y' * 100)|list|join('z' * 100) }}", TOO_LONG),
    "concatenation": ("{{ ('a' * 9000) ~ ('a' * 9000) }}", TOO_LONG),
    "replace": ("{{ ('x' * 9000)|replace('x', 'y' * 9000) }}", TOO_LONG),
    "replace empty": ("{{ ('x' * 100)|replace('', 'y' * 1000) }}", TOO_LONG),
    "concatenation in loops": (
        "{% for i in range(1000) %}{% for j in range(1000) %}"
        "{{ 'a' ~ ('b' * 900) ~ i }}{% endfor %}{% endfor %}",
        f"longer than {MAX_OUTPUT} characters",
    ),
    "busy loops": (
        "{% for a in 'x' * 9999 %}{% for b in 'x' * 9999 %}"
        "{% if a == b %}{% endif %}{% endfor %}{% endfor %}",
        TOO_SLOW,
    ),
}


@pytest.mark.parametrize(("source", "message"), ATTACKS.values(), ids=ATTACKS.keys())
def test_a_template_over_a_resource_limit_is_refused_quickly(source: str, message: str) -> None:
    started = time.monotonic()
    with pytest.raises(TemplateProblem, match=re.escape(message)):
        render(source, VARIABLES)
    assert time.monotonic() - started < 10


def test_values_within_the_limits_render() -> None:
    source = (
        "{{ 2 ** 255 > 0 }} {{ owner_name ~ '!' }} {{ [1, 2]|join(', ') }}"
        " {{ application_name|replace('S', 's') }} {{ 'ab' * 2 }}"
        "{% for c in application_name %}{{ loop.index }}{% endfor %}"
    )
    assert render(source, VARIABLES) == "True Jane <b>! 1, 2 sync abab1234"


def test_a_failing_filter_is_a_template_problem() -> None:
    with pytest.raises(TemplateProblem, match="expected length >= 3, got 0"):
        render("{{ owner_name|truncate(0) }}", VARIABLES)
