"""Hypothesis strategies for hostile HTTP input: text, numbers, bodies, content types, headers."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, quote_plus

from hypothesis import strategies as st

Pairs = list[tuple[str, str]]
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"

SPECIAL_TEXT = (
    "", " ", "\t", "\x00", "a\x00b", "%00", "\\", '"', "'", "null", "None", "true", "[]", "{}",
    "-1", "0", "00", "+1", " 2", "1.5", "1e309", "NaN", "Infinity", "0x1f", "١٢", "²", "\U0001d7d7",
    "\u202e", "\ufeff", "\u2028", "🔑", "Ω", "ß", "İ", "\x7f", "\x1b[31m", "%", "_", "a%_b",
    "<script>alert(1)</script>", "' OR 1=1 --", "../../etc/passwd", "=cmd|' /C calc'!A0",
    "99999999999999999999", "-999999999999999999999999", "2147483648", "9223372036854775808",
)  # fmt: skip

# Raw fragments that break form encoding: bad escapes, invalid UTF-8, stray separators.
FORM_FRAGMENTS = (b"&&", b"=", b"==", b"%", b"%Z", b"%FF", b"%C3%28", b"%ED%A0%80", b"\xff",
                  b"a=b=c", b";", b"+", b"%00", b"\x00", b"&=&")  # fmt: skip

numbers = st.one_of(
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["0", "1", "10", "25", "100", "101", "2", "3", "99999999", "999999999"]),
)
long_text = st.builds(
    lambda char, count: char * count,
    st.sampled_from(["a", "9", "é", "\x00", "%", "🔑", " "]),
    st.sampled_from([256, 257, 1000, 4097, 20_000]),
)
texts = st.one_of(
    st.sampled_from(SPECIAL_TEXT),
    st.text(max_size=24),
    st.text(alphabet=st.characters(max_codepoint=0x1F), max_size=6),
    numbers,
    long_text,
)
# What a server can hand over in a header: latin-1, no line breaks.
header_text = st.text(alphabet=st.characters(max_codepoint=0xFF, exclude_characters="\r\n"))


def values_from(known: Sequence[str]) -> st.SearchStrategy[str]:
    """Known good values (client ids, secrets, tokens…) mixed with hostile text."""
    return st.one_of(st.sampled_from(list(known)), texts) if known else texts


@dataclass(frozen=True)
class Hostile:
    """One request as sent: raw body, content type, headers and query string."""

    body: bytes = b""
    content_type: str | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    query: str = ""  # as sent: ASCII, percent-encoded

    def send(self, client: Any, method: str, path: str) -> Any:
        headers = list(self.headers)
        if self.content_type is not None:
            headers.append(("Content-Type", self.content_type))
        return client.open(
            path, method=method, data=self.body, headers=headers, query_string=self.query
        )


@st.composite
def parameter(draw: st.DrawFn, known: dict[str, list[str]]) -> tuple[str, str]:
    """A name, usual or hostile, and a value: one known for that name, or hostile text."""
    name = draw(st.one_of(st.sampled_from(sorted(known)), texts))
    return name, draw(values_from(known.get(name, [])))


def pairs(known: dict[str, list[str]], max_size: int = 8) -> st.SearchStrategy[Pairs]:
    """Parameters in order: usual names and values, hostile ones, repeats."""
    return st.lists(parameter(known), max_size=max_size)


@st.composite
def mutated(draw: st.DrawFn, params: Pairs, known: dict[str, list[str]]) -> Pairs:
    """The parameters with one change: a value, a name, a repeat, an extra or a missing one."""
    params = list(params)
    change = draw(st.sampled_from(["value", "value", "name", "repeat", "extra", "drop"]))
    if change == "extra" or not params:
        index = draw(st.integers(0, len(params)))
        return [*params[:index], draw(parameter(known)), *params[index:]]
    index = draw(st.integers(0, len(params) - 1))
    name, value = params[index]
    if change == "value":
        params[index] = (name, draw(values_from(known.get(name, []))))
    elif change == "name":
        params[index] = (draw(texts), value)
    elif change == "repeat":
        params.insert(index, (name, draw(st.just(value) | values_from(known.get(name, [])))))
    else:
        del params[index]
    return params


@st.composite
def form_body(draw: st.DrawFn, items: Pairs) -> bytes:
    """The pairs form-encoded, the way a client might (or might not) get it right."""
    encode = draw(st.sampled_from([quote_plus, quote_plus, quote, lambda text: text]))
    raw = "&".join(f"{encode(name)}={encode(value)}" for name, value in items).encode()
    for _ in range(draw(st.sampled_from([0] * 6 + [1, 2]))):
        cut = draw(st.integers(0, len(raw)))
        raw = raw[:cut] + draw(st.sampled_from(FORM_FRAGMENTS)) + raw[cut:]
    return raw


json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(10**60), max_value=10**60),
        st.floats(allow_nan=True, allow_infinity=True),
        texts,
    ),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(texts, children, max_size=3),
    max_leaves=4,
)


@st.composite
def json_body(draw: st.DrawFn, items: Pairs) -> bytes:
    """A JSON document: the pairs as an object (keys may repeat), or something else entirely."""
    shape = draw(st.sampled_from(["object"] * 9 + ["typed", "value", "raw"]))
    if shape == "value":
        text = json.dumps(draw(json_values))
    elif shape == "raw":
        text = draw(st.sampled_from(RAW_JSON))
    else:
        members = [(name, value) for name, value in items]
        if shape == "typed" and members:
            index = draw(st.integers(0, len(members) - 1))
            members[index] = (members[index][0], draw(json_values))
        text = "{" + ",".join(f"{json.dumps(k)}:{json.dumps(v)}" for k, v in members) + "}"
    codec = draw(st.sampled_from(["utf-8"] * 12 + ["utf-8-sig", "utf-16", "utf-32", "latin-1"]))
    return text.encode(codec, "replace")


RAW_JSON = (
    "", "{", "}", "{}", "[]", "null", '""', '{"grant_type": "client_credentials",}',
    "{'grant_type': 'password'}", '{"client_id": "\\ud800"}', '{"client_id": "\\u0000"}',
    '{"grant_type": NaN}', '{"a": 1e999}', '{"a": -0}', "[" * 3000 + "]" * 3000,
    '{"a":' * 3000 + "1" + "}" * 3000, "\ufeff{}", "{}{}", '{"a":"b"} trailing',
)  # fmt: skip


def oversized(prefix: bytes) -> st.SearchStrategy[bytes]:
    """Bodies around and far beyond the token endpoint's 64 KiB and the server's 1 MiB."""
    sizes = st.sampled_from([64 * 1024 - len(prefix) - 1, 64 * 1024 + 1, 300_000, 1_100_000])
    return sizes.map(lambda size: prefix + b"&x=" + b"a" * size)


# Form or JSON for the OAuth endpoints, form for pages; sometimes raw bytes or far too much.
ENCODINGS = ("form",) * 7 + ("json",) * 5 + ("bytes", "oversized")
PAGE_ENCODINGS = ("form",) * 12 + ("json", "bytes", "oversized")
CONTENT_TYPES = (
    FORM, JSON, f"{FORM}; charset=utf-8", f"{FORM}; charset=latin-1", f"{JSON}; charset=utf-16",
    "APPLICATION/JSON", "Application/X-WWW-Form-Urlencoded", f"{JSON};;;", f"{JSON}; charset=",
    "multipart/form-data", "multipart/form-data; boundary=x", "text/plain", "text/json",
    "application/jwt", "application/json-patch+json", "application/xml", "*/*", "", ";", "json",
)  # fmt: skip


@st.composite
def content_types(draw: st.DrawFn, usual: str) -> str | None:
    """Mostly the usual content type; else another, a broken one, or none."""
    choice = draw(st.sampled_from(["usual"] * 12 + ["listed", "listed", "none", "text"]))
    if choice == "listed":
        return draw(st.sampled_from(CONTENT_TYPES))
    if choice == "text":
        return draw(header_text)[:60]
    return usual if choice == "usual" else None


@st.composite
def bodies(
    draw: st.DrawFn, items: Pairs, encodings: tuple[str, ...] = ENCODINGS
) -> tuple[bytes, str | None]:
    """A body and its content type: mostly as a client would send them, sometimes not at all."""
    encoding = draw(st.sampled_from(encodings))
    if encoding == "bytes":
        body = draw(st.binary(max_size=200))
    elif encoding == "oversized":
        body = draw(oversized(b"grant_type=client_credentials"))
    elif encoding == "json":
        body = draw(json_body(items))
    else:
        body = draw(form_body(items))
    usual = JSON if encoding == "json" else FORM
    return body, draw(content_types(usual))


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@st.composite
def basic_credentials(draw: st.DrawFn, ids: Sequence[str], secrets: Sequence[str]) -> str:
    """An HTTP Basic header value: well-formed, nearly so, or nothing like it."""
    scheme = draw(st.sampled_from(["Basic", "basic", "BASIC", "Basic ", "Basic\t", "Basics"]))
    shape = draw(st.sampled_from(["pair", "pair", "pair", "bytes", "text", "empty"]))
    if shape == "pair":
        client_id, secret = draw(values_from(ids)), draw(values_from(secrets))
        encode = draw(st.sampled_from([quote_plus, lambda text: text]))
        separator = draw(st.sampled_from([":", ":", "", "::", " : "]))
        codec = draw(st.sampled_from(["utf-8", "latin-1", "utf-16"]))
        raw = f"{encode(client_id)}{separator}{encode(secret)}".encode(codec, "replace")
        encoded = draw(st.sampled_from([b64, lambda data: b64(data).rstrip("=")]))(raw)
        encoded = draw(st.sampled_from(["", " ", "=", "==", "!", "\x00", " extra"])) + encoded
    elif shape == "bytes":
        encoded = b64(draw(st.binary(max_size=40)))
    elif shape == "text":
        encoded = draw(header_text)[:80]
    else:
        encoded = ""
    return f"{scheme} {encoded}"


@st.composite
def authorization_headers(
    draw: st.DrawFn, ids: Sequence[str], secrets: Sequence[str], tokens: Sequence[str]
) -> list[tuple[str, str]]:
    """No Authorization header, HTTP Basic of every quality, bearer tokens, junk, or two."""
    one = st.one_of(
        basic_credentials(ids, secrets),
        values_from(tokens).map(lambda token: f"Bearer {token}"),
        header_text.map(lambda text: text[:80]),
    )
    return [("Authorization", header_safe(value)) for value in draw(st.lists(one, max_size=2))]


def header_safe(value: str) -> str:
    """The value as an HTTP server would pass it on: latin-1, without line breaks."""
    value = value.replace("\r", "").replace("\n", "")
    return value.encode("latin-1", "replace").decode("latin-1")
