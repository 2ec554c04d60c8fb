"""The fenced examples of README.md and docs/*.md: found, run as a reader runs them, compared.

Every ```sh and ```python block is an example that the suite runs against a live demo server,
unless the line before it says `<!-- not run: why -->`. An example runs in its own process
(bash, or this interpreter), from the repository's root, with what a reader of docs/api.md has
exported: CLIENT_ID and CLIENT_SECRET of the demo application its first line names
(`# demo: app "Demo mobile app", user jane`; PASSWORD is then that user's), and ACCESS_TOKEN,
REFRESH_TOKEN and ID_TOKEN of the last answer that had them; an example that opens a browser
gets tests/docs_browser.py, which plays the user. The docs' issuer,
https://oauth.example.com, is the live server's address. A ```json or ```text block right after
an example is its output; a ```sh block whose commands start with `$ ` shows its output below
them (for `curl -i`: the status line, some headers and the body). An example without a
documented output must exit 0 and, if it prints a JSON object, one without an "error".

Outputs are compared loosely where values vary: a string ending in `…` stands for any string
that starts with what precedes it, and ids and times (VARYING) only need the right type.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from oauthapp.settings import ROOT

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
DOCS_ISSUER = "https://oauth.example.com"
RUN = {"sh", "python"}
OUTPUT = {"json", "text"}
# Other names of the two: refused, so that no example escapes the suite under another name.
ALIASES = {"bash", "shell", "console", "zsh", "py", "python3", "pycon"}
VARYING = {"id", "sub", "organization_id", "org", "iat", "nbf", "exp", "auth_time"}
TIMEOUT = 60
BROWSER = ROOT / "tests" / "docs_browser.sh"

_FENCE = re.compile(r"^(\s*)```(\S*)\s*$")
_NOT_RUN = re.compile(r"^<!--\s*not run:\s*(.*?)\s*-->$")
_DEMO = re.compile(r'^#\s*demo:\s*app\s+"([^"]+)"(?:,\s*user\s+(\S+))?\s*$')


@dataclass
class Block:
    path: Path
    line: int  # of the opening fence, 1-based
    lang: str
    text: str
    not_run: str | None = None  # the reason, when marked
    output: Block | None = None  # the documented output that follows

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"

    @property
    def runs(self) -> bool:
        return self.lang in RUN and self.not_run is None

    def demo(self) -> tuple[str, str | None] | None:
        """The demo application (and user) the example's first line names, if it names one."""
        first = self.text.lstrip().splitlines()[0] if self.text.strip() else ""
        found = _DEMO.match(first)
        return (found.group(1), found.group(2)) if found else None


def blocks(path: Path) -> list[Block]:
    """The fenced blocks of PATH in order, each with its not-run reason and documented output."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found: list[Block] = []
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if not opening:
            index += 1
            continue
        indent, lang = opening.group(1), opening.group(2)
        start = index
        body = []
        index += 1
        while index < len(lines) and lines[index].strip() != "```":
            line = lines[index]
            body.append(line[len(indent) :] if line.startswith(indent) else line.lstrip())
            index += 1
        block = Block(path, start + 1, lang, "\n".join(body) + "\n")
        before = _previous_text(lines, start)
        marker = _NOT_RUN.match(before.strip())
        if marker:
            block.not_run = marker.group(1)
        if found and lang in OUTPUT and before == "" and found[-1].lang in RUN:
            found[-1].output = block
        found.append(block)
        index += 1
    return found


def _previous_text(lines: list[str], start: int) -> str:
    """The nearest non-blank line above line START, or "" if it is the end of a block."""
    for line in reversed(lines[:start]):
        if line.strip():
            return "" if line.strip() == "```" else line
    return ""


def all_blocks() -> list[Block]:
    return [block for path in DOCS for block in blocks(path)]


@dataclass
class Demo:
    """A live demo server: its address, the server's environment, the demo's credentials."""

    base: str
    env: dict[str, str]
    apps: dict[str, tuple[str, str | None]]  # name -> (client id, client secret if confidential)
    passwords: dict[str, str]  # login -> password


def demo_credentials(output: str) -> tuple[dict[str, tuple[str, str | None]], dict[str, str]]:
    """The applications and passwords that `flask --app app demo` printed in OUTPUT."""
    apps = {
        name: (client_id, secret or None)
        for name, client_id, secret in re.findall(
            r"application '([^']+)':\n\s+client_id:\s+(\S+)\n(?:\s+redirect_uri:.*\n)?"
            r"(?:\s+client_secret:\s+(\S+)|\s+\(a public client)",
            output,
        )
    }
    passwords = dict(re.findall(r"^\s*username: (\S+)\n\s*password: (\S+)$", output, re.M))
    passwords.update(re.findall(r"^(?:Back-office|Customer) user: (\S+) / (\S+)$", output, re.M))
    return apps, passwords


@dataclass
class Reader:
    """What a reader following the docs has exported so far, and runs the examples with."""

    demo: Demo
    exported: dict[str, str] = field(default_factory=dict)

    def run(self, block: Block) -> str | None:
        """Run BLOCK; a description of what went wrong, or None."""
        named = block.demo()
        if named:
            problem = self._export_demo(*named)
            if problem:
                return problem
        code, expected = _split_transcript(block)
        code = code.replace(DOCS_ISSUER, self.demo.base)
        env = {**self.demo.env, **self.exported}
        env["PATH"] = f"{Path(sys.executable).parent}:{env.get('PATH', '')}"
        env["BROWSER"] = str(BROWSER)  # the user, for examples that open a browser
        command = (
            ["bash", "-euo", "pipefail", "-c", code]
            if block.lang == "sh"
            else [sys.executable, "-c", code]
        )
        try:
            result = subprocess.run(
                command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=TIMEOUT,
                check=False,
            )  # fmt: skip
        except subprocess.TimeoutExpired as timeout:
            return f"did not finish within {TIMEOUT}s\n{timeout.stdout!r}\n{timeout.stderr!r}"
        if result.returncode != 0:
            return f"exited {result.returncode}\n{result.stdout}{result.stderr}"
        self._remember(result.stdout)
        if expected is None and block.output is not None:
            expected = (block.output.lang, block.output.text)
        if expected is None:
            answer = _json_body(result.stdout)
            if isinstance(answer, dict) and "error" in answer:
                return f"answered an error that the docs do not show:\n{result.stdout}"
            return None
        lang, text = expected
        problem = compare(lang, text.replace(DOCS_ISSUER, self.demo.base), result.stdout)
        return f"{problem}\n--- printed:\n{result.stdout}" if problem else None

    def _export_demo(self, app: str, user: str | None) -> str | None:
        if app not in self.demo.apps:
            return f"the demo has no application {app!r} (it has {sorted(self.demo.apps)})"
        self.exported["CLIENT_ID"], secret = self.demo.apps[app]
        self.exported.pop("CLIENT_SECRET", None)  # a public client has none
        if secret is not None:
            self.exported["CLIENT_SECRET"] = secret
        if user is not None:
            if user not in self.demo.passwords:
                return f"the demo printed no password for {user!r}"
            self.exported["PASSWORD"] = self.demo.passwords[user]
        return None

    def _remember(self, stdout: str) -> None:
        answer = _json_body(stdout)
        if isinstance(answer, dict):
            for key in ("access_token", "refresh_token", "id_token"):
                if isinstance(answer.get(key), str):
                    self.exported[key.upper()] = answer[key]


def _split_transcript(block: Block) -> tuple[str, tuple[str, str] | None]:
    """BLOCK's code, and its output when it is a `$ command` transcript."""
    lines = block.text.splitlines()
    if block.lang != "sh" or not any(line.startswith("$ ") for line in lines):
        return block.text, None
    code, output, continued = [], [], False
    for line in lines:
        if line.startswith("$ ") or continued:
            code.append(line.removeprefix("$ "))
            continued = line.endswith("\\")
        else:
            output.append(line)
    return "\n".join(code) + "\n", ("http", "\n".join(output).strip() + "\n")


def _json_body(stdout: str) -> object:
    body = re.split(r"\r?\n\r?\n", stdout, maxsplit=1)[-1] if stdout.startswith("HTTP/") else stdout
    try:
        return json.loads(body)
    except ValueError:
        return None


def compare(lang: str, expected: str, printed: str) -> str | None:
    """How PRINTED differs from the documented output EXPECTED (of kind LANG), or None."""
    if lang == "json":
        actual = _json_body(printed)
        if actual is None:
            return "the example did not print JSON"
        return mismatch(json.loads(expected), actual)
    if lang == "http":
        return _compare_http(expected, printed)
    if printed.strip() != expected.strip():
        return f"printed something else than the documented\n{expected}"
    return None


def _compare_http(expected: str, printed: str) -> str | None:
    """The status line, each documented header and the JSON body of a `curl -i` answer."""
    want_head, _, want_body = expected.partition("\n\n")
    got_head, _, got_body = printed.replace("\r\n", "\n").partition("\n\n")
    want_lines, got_lines = want_head.splitlines(), got_head.splitlines()
    if want_lines[0] != got_lines[0]:
        return f"status {got_lines[0]!r}, documented {want_lines[0]!r}"
    headers = {
        name.lower(): value.strip()
        for name, _, value in (line.partition(":") for line in got_lines[1:])
    }
    for line in want_lines[1:]:
        name, _, value = line.partition(":")
        if headers.get(name.lower()) != value.strip():
            return f"header {name}: {headers.get(name.lower())!r}, documented {value.strip()!r}"
    return mismatch(json.loads(want_body), json.loads(got_body))


def mismatch(expected: object, actual: object, where: str = "the answer") -> str | None:
    """Where ACTUAL differs from the documented EXPECTED, or None (see the module's rules)."""
    if isinstance(expected, dict):
        return _mismatched_object(expected, actual, where)
    if isinstance(expected, str) and expected.endswith("…"):
        if isinstance(actual, str) and actual and actual.startswith(expected[:-1]):
            return None
        return f"{where} is {actual!r}, documented {expected!r}"
    if expected != actual:
        return f"{where} is {actual!r}, documented {expected!r}"
    return None


def _mismatched_object(expected: dict[str, object], actual: object, where: str) -> str | None:
    if not isinstance(actual, dict):
        return f"{where} is {actual!r}, documented an object"
    if set(expected) != set(actual):
        return f"{where} has the keys {sorted(actual)}, documented {sorted(expected)}"
    for key, value in expected.items():
        if key in VARYING:
            if type(actual[key]) is not type(value):
                return f"{where}[{key!r}] is {actual[key]!r}, documented like {value!r}"
            continue
        problem = mismatch(value, actual[key], f"{where}[{key!r}]")
        if problem:
            return problem
    return None


def runnable(path: Path) -> Iterator[Block]:
    return (block for block in blocks(path) if block.runs)
