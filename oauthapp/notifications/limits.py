"""Resource limits of edited templates: every value a template builds, and its render time.

The sandbox calls these from every operation it intercepts (binary operators, calls, filters,
`~`, loop steps, output), so a short expression cannot build a huge number or string on the way
to a small output, and a render stops at a deadline. The deadline is checked cooperatively
rather than with a signal: signals reach only the main thread, and servers render in others.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from jinja2.exceptions import SecurityError
from jinja2.runtime import markup_join, str_join

MAX_SEQUENCE = 10_000  # characters of a string, or items (counted with their own size) of a list
MAX_INT_BITS = 256  # bits of an integer (77 decimal digits); floats are fixed-size
RENDER_SECONDS = 1.0  # wall-clock time for one part (subject, text or HTML body) to render

_deadline: ContextVar[float | None] = ContextVar("template_deadline", default=None)


class TemplateLimit(SecurityError):
    """A template went over a resource limit; the message names the limit."""


TOO_LONG = f"a value over the limit of {MAX_SEQUENCE} characters or list items"
TOO_BIG = f"a number over the limit of {MAX_INT_BITS} bits"
TOO_SLOW = f"rendering takes longer than the limit of {RENDER_SECONDS:g} s"


@contextmanager
def deadline() -> Iterator[None]:
    """Give the render inside this block RENDER_SECONDS of wall-clock time."""
    token = _deadline.set(time.monotonic() + RENDER_SECONDS)
    try:
        yield
    finally:
        _deadline.reset(token)


def tick() -> None:
    """Stop a render that has used up its time."""
    limit = _deadline.get()
    if limit is not None and time.monotonic() > limit:
        raise TemplateLimit(TOO_SLOW)


def size(value: Any, budget: int = MAX_SEQUENCE) -> int:
    """The characters a value stands for once written out; stops counting past the budget."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, int):
        return value.bit_length() // 3 + 2
    if isinstance(value, float):
        return 24
    if isinstance(value, dict):
        value = [*value.keys(), *value.values()]
    if not isinstance(value, list | tuple):
        return 1
    total = 0
    for item in value:
        total += max(1, size(item, budget - total))
        if total > budget:
            break
    return total


def check_size(total: int) -> None:
    if total > MAX_SEQUENCE:
        raise TemplateLimit(TOO_LONG)


def checked(value: Any) -> Any:
    """The value, if it is within the limits; the end of every intercepted operation."""
    tick()
    if isinstance(value, int) and not isinstance(value, bool):
        if value.bit_length() > MAX_INT_BITS:
            raise TemplateLimit(TOO_BIG)
    else:
        check_size(size(value))
    return value


def check_binop(operator: str, left: Any, right: Any) -> None:
    """Refuse, before computing it, a `*`, `+` or `**` whose result would be over a limit."""
    tick()
    numbers = [x for x in (left, right) if isinstance(x, int) and not isinstance(x, bool)]
    powers = operator == "**" and len(numbers) == 2 and right > 0 and abs(left) > 1
    if powers and (left.bit_length() - 1) * right + 1 > MAX_INT_BITS:
        raise TemplateLimit(TOO_BIG)
    sequences = [x for x in (left, right) if isinstance(x, str | list | tuple)]
    if operator == "*" and sequences and numbers:
        check_size(size(sequences[0]) * numbers[0])
    if operator == "+" and sequences:
        check_size(size(left) + size(right))


def concat(autoescape: bool) -> Callable[..., str]:
    """The `~` operator, refusing a result over the limit before it is built."""

    def join(*parts: Any) -> str:
        tick()
        check_size(sum(size(str(part) if not isinstance(part, str) else part) for part in parts))
        return str(markup_join(parts) if autoescape else str_join(parts))

    return join


concat_text = concat(autoescape=False)
concat_html = concat(autoescape=True)


def loop(iterable: Iterable[Any]) -> Iterator[Any]:
    """A for loop's items, each step checking the deadline."""
    for item in iterable:
        tick()
        yield item


def guarded_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """A built-in filter whose arguments and result are checked against the limits."""
    precheck = _PRECHECKS.get(name)

    @functools.wraps(func)  # keeps Jinja's pass_eval_context/pass_environment marks
    def guarded(*args: Any, **kwargs: Any) -> Any:
        tick()
        if precheck is not None:
            args, kwargs = precheck(*args, **kwargs)
        return checked(func(*args, **kwargs))

    return guarded


_Arguments = tuple[tuple[Any, ...], dict[str, Any]]


def _precheck_join(ctx: Any, value: Any, d: Any = "", attribute: Any = None) -> _Arguments:
    items = value if isinstance(value, str | list | tuple) else list(loop(value))
    check_size(size(items) + len(items) * len(str(d)))
    return (ctx, items, d, attribute), {}


def _precheck_replace(ctx: Any, s: Any, old: Any, new: Any, count: Any = None) -> _Arguments:
    text, old_text, new_text = str(s), str(old), str(new)
    hits = len(text) + 1 if not old_text else text.count(old_text)
    if isinstance(count, int) and count >= 0:
        hits = min(hits, count)
    check_size(len(text) + hits * max(0, len(new_text) - len(old_text)))
    return (ctx, s, old, new, count), {}


_PRECHECKS: dict[str, Callable[..., _Arguments]] = {
    "join": _precheck_join,
    "replace": _precheck_replace,
}
