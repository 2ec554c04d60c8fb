"""Rendering of templates that administrators edit: sandboxed, bounded, with known variables.

Jinja's sandbox keeps a template away from the application's internals (no `__class__`, no
unsafe calls). On top of it, a template may not include, import, extend or define anything,
may call only a few harmless methods, and every value it builds, its output and its render time
are bounded (limits.py), so an edited template can neither read what it should not nor stall a
worker.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any, cast

from jinja2 import (
    StrictUndefined,
    Template,
    TemplateError,
    TemplateSyntaxError,
    Undefined,
    nodes,
)
from jinja2.exceptions import SecurityError, UndefinedError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.visitor import NodeTransformer

from oauthapp.notifications import limits
from oauthapp.notifications.limits import TemplateLimit

MAX_SOURCE = 64 * 1024  # characters of template source
MAX_OUTPUT = 256 * 1024  # characters of rendered output
MAX_RANGE = 1000
MAX_LOOP_DEPTH = 2
LOOP = "_sandbox_loop"  # the names under which the sandbox's guards are reachable
CONCAT = "_sandbox_concat"


FORBIDDEN_NODES: dict[type[nodes.Node], str] = {
    nodes.Extends: "extends",
    nodes.Include: "include",
    nodes.Import: "import",
    nodes.FromImport: "import",
    nodes.Macro: "macro",
    nodes.CallBlock: "call",
    nodes.Assign: "set",
    nodes.AssignBlock: "set",
    nodes.Block: "block",
}
SAFE_FILTERS = frozenset(
    {
        "abs", "capitalize", "count", "d", "default", "e", "escape", "first", "float", "int",
        "join", "last", "length", "list", "lower", "replace", "reverse", "round", "sort",
        "string", "striptags", "title", "trim", "truncate", "unique", "upper", "urlencode",
        "wordcount",
    }
)  # fmt: skip
SAFE_METHODS = frozenset(
    {
        "capitalize", "endswith", "isdigit", "lower", "lstrip", "rstrip", "split", "startswith",
        "strip", "title", "upper",
    }
)  # fmt: skip


class TemplateProblem(ValueError):
    """A template that cannot be rendered; the message says why, for the person editing it."""


class _Sandbox(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"+", "-", "*", "/", "//", "**", "%"})

    def call_binop(self, context: Any, operator_: str, left: Any, right: Any) -> Any:
        if operator_ == "%":
            raise SecurityError("the % operator is not available; use filters instead")
        limits.check_binop(operator_, left, right)
        return limits.checked(self.binop_table[operator_](left, right))

    def call(
        __self,
        __context: Any,
        __obj: Any,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        limits.tick()
        if (
            isinstance(__obj, Undefined)
            or any(__obj is guard for guard in _GUARDS)
            or (
                getattr(__obj, "__name__", None) in SAFE_METHODS
                and isinstance(getattr(__obj, "__self__", None), str)
            )
        ):
            return limits.checked(super().call(__context, __obj, *args, **kwargs))
        raise SecurityError(f"calling {getattr(__obj, '__name__', 'this')} is not allowed")


class _Guards(NodeTransformer):
    """Route every loop and every `~` through the sandbox's limits."""

    def visit_For(self, node: nodes.For) -> nodes.Node:
        self.generic_visit(node)
        node.iter = _call(LOOP, [cast(nodes.Expr, node.iter)], node.lineno)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        self.generic_visit(node)
        return _call(CONCAT, node.nodes, node.lineno)


def _call(name: str, args: list[nodes.Expr], lineno: int) -> nodes.Call:
    return nodes.Call(nodes.Name(name, "load", lineno=lineno), args, [], None, None, lineno=lineno)


def _bounded_range(*args: int) -> range:
    numbers = range(*args)
    if len(numbers) > MAX_RANGE:
        raise SecurityError(f"range is limited to {MAX_RANGE} items")
    return numbers


_GUARDS = (_bounded_range, limits.loop, limits.concat_text, limits.concat_html)


def _environment(autoescape: bool) -> _Sandbox:
    env = _Sandbox(autoescape=autoescape, undefined=StrictUndefined, keep_trailing_newline=True)
    env.filters = {name: limits.guarded_filter(name, env.filters[name]) for name in SAFE_FILTERS}
    env.globals = {"range": _bounded_range, LOOP: limits.loop}
    env.globals[CONCAT] = limits.concat_html if autoescape else limits.concat_text
    return env


_TEXT = _environment(autoescape=False)
_HTML = _environment(autoescape=True)


@lru_cache(maxsize=64)
def _compiled(source: str, html: bool) -> Template:
    """Templates are checked and compiled once per process (sources are few and small)."""
    env = _HTML if html else _TEXT
    tree = check_source(source, html)
    guarded = _Guards().visit(tree)
    guarded.set_environment(env)
    return env.from_string(guarded)


def check_source(source: str, html: bool = False) -> nodes.Template:
    """Refuse a template that does not parse or uses what the sandbox does not offer."""
    if len(source) > MAX_SOURCE:
        raise TemplateProblem(f"The template is longer than {MAX_SOURCE} characters.")
    try:
        tree = (_HTML if html else _TEXT).parse(source)
    except TemplateSyntaxError as exc:
        raise TemplateProblem(f"Line {exc.lineno}: {exc.message}") from exc
    for node_type, keyword in FORBIDDEN_NODES.items():
        if tree.find(node_type) is not None:
            raise TemplateProblem(f"“{keyword}” is not available in email templates.")
    for name in tree.find_all(nodes.Filter):
        if name.name not in SAFE_FILTERS:
            raise TemplateProblem(f"The filter “{name.name}” is not available in email templates.")
    if _loop_depth(tree) > MAX_LOOP_DEPTH:
        raise TemplateProblem(f"Loops may be nested at most {MAX_LOOP_DEPTH} deep.")
    return tree


def _loop_depth(node: nodes.Node) -> int:
    deepest = max((_loop_depth(child) for child in node.iter_child_nodes()), default=0)
    return deepest + 1 if isinstance(node, nodes.For) else deepest


def render(source: str, variables: Mapping[str, str], html: bool = False) -> str:
    """Render an edited template with these variables, or raise TemplateProblem."""
    template = _compiled(source, html)
    try:
        with limits.deadline():
            return _bounded_join(template.generate(dict(variables)))
    except TemplateProblem:
        raise
    except TemplateLimit as exc:
        raise TemplateProblem(f"The template goes over a limit: {exc}.") from exc
    except UndefinedError as exc:
        raise TemplateProblem(f"Unknown variable or attribute: {_undefined_name(exc)}") from exc
    except SecurityError as exc:
        raise TemplateProblem(f"Not allowed in email templates: {exc}") from exc
    except TemplateError as exc:
        raise TemplateProblem(f"The template does not render: {exc}") from exc
    except Exception as exc:  # e.g. truncate's assertion: the editor's problem, never a 500
        raise TemplateProblem(f"The template does not render: {exc or type(exc).__name__}") from exc


def _bounded_join(parts: Iterable[str]) -> str:
    collected: list[str] = []
    size = 0
    for part in parts:
        limits.tick()
        size += len(part)
        if size > MAX_OUTPUT:
            raise TemplateProblem(f"The rendered text is longer than {MAX_OUTPUT} characters.")
        collected.append(part)
    return "".join(collected)


def _undefined_name(exc: UndefinedError) -> str:
    message = str(exc)
    return message.split("'")[1] if message.count("'") >= 2 else message
