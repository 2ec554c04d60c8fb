"""What the benchmark asks of the servers: the request files for each scenario."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, quote_plus

import jwt
import requests

from bench import load, seed

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@dataclass(frozen=True)
class Scenario:
    """One load: its script and arguments for the product and, if they have one, the baseline
    and the oidc-provider peer (which both take cycle.lua)."""

    key: str
    title: str
    connections: int
    script: str
    product_args: list[str]
    baseline_args: list[str] | None
    baseline_script: str = "cycle.lua"
    peer_args: list[str] | None = None


def basic(client_id: str, secret: str) -> str:
    pair = f"{quote_plus(client_id)}:{quote_plus(secret)}"
    return "Basic " + base64.b64encode(pair.encode()).decode()


def clients(folder: Path, grant: str) -> list[tuple[str, str]]:
    rows = [line.split() for line in (folder / "clients.txt").read_text().splitlines()]
    return [(row[1], row[2]) for row in rows if row[0] == grant]


def access_token(base: str, client: tuple[str, str]) -> str:
    response = requests.post(
        f"{base}/oauth2-token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": basic(*client)},
        timeout=10,
    )
    response.raise_for_status()
    token: str = response.json()["access_token"]
    return token


def check_peer_token(base: str, client: tuple[str, str], public_key: Path, issuer: str) -> None:
    """Ask the peer for one token and fail unless it is a real one: signed with the product's key
    (RS256), typ at+jwt, for the product's issuer and audience and the client that asked."""
    token = access_token(base, client)
    try:
        header = jwt.get_unverified_header(token)
        claims = jwt.decode(
            token,
            public_key.read_bytes(),
            algorithms=["RS256"],
            audience=f"{issuer}/api",
            issuer=issuer,
            options={"require": ["exp", "iat", "iss", "aud", "sub", "jti", "client_id"]},
        )
    except jwt.PyJWTError as exc:
        raise RuntimeError(f"the peer's access token does not verify: {exc}") from exc
    if header.get("typ") != "at+jwt":
        raise RuntimeError(f"the peer's access token has typ {header.get('typ')!r}, not at+jwt")
    if claims["client_id"] != client[0]:
        raise RuntimeError(f"the peer's access token is for client {claims['client_id']!r}")


def session_cookie(base: str) -> str:
    """Log the benchmark's administrator in; the Cookie header of that session."""
    session = requests.Session()
    page = session.get(f"{base}/login", timeout=10).text
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    if not found:
        raise RuntimeError("no CSRF token on the login page")
    session.post(
        f"{base}/login",
        data={"username": seed.ADMIN, "password": seed.PASSWORD, "csrf_token": found.group(1)},
        timeout=30,
    ).raise_for_status()
    cookie = session.cookies.get("oauthapp_session")
    if not cookie:
        raise RuntimeError("logging in set no session cookie")
    return f"oauthapp_session={cookie}"


def grid_terms() -> list[str]:
    """Name filters an administrator would type: two words (about 0.25 % of the rows each)."""
    words = seed.WORDS
    return [f"{words[i % len(words)]} {words[(i * 7) % len(words)]}" for i in range(40)]


class RequestFiles:
    """The request files of one benchmark folder, written once per server start."""

    def __init__(self, folder: Path, base: str) -> None:
        self.folder = folder
        self.base = base
        self.credentials = clients(folder, "client_credentials")
        self.password_client = clients(folder, "password")[0]
        self.token = access_token(base, self.credentials[0])

    def _file(self, name: str, lines: list[tuple[str, str, str, dict[str, str]]]) -> str:
        return str(load.write_requests(self.folder / f"{name}.requests", lines))

    def client_credentials(self) -> str:
        body = "grant_type=client_credentials"
        return self._file(
            "client_credentials",
            [("POST", "/oauth2-token", body, {**FORM, "Authorization": basic(*c)})
             for c in self.credentials],
        )  # fmt: skip

    def password(self) -> str:
        body = f"grant_type=password&username={seed.PASSWORD_USER}&password={quote(seed.PASSWORD)}"
        headers = {**FORM, "Authorization": basic(*self.password_client)}
        return self._file("password", [("POST", "/oauth2-token", body, headers)])

    def refresh_signing(self) -> str:
        """What the baseline gets in the refresh scenario: a refresh body it only parses."""
        body = "grant_type=refresh_token&refresh_token=" + "x" * 43
        headers = {**FORM, "Authorization": basic(*self.password_client)}
        return self._file("refresh_baseline", [("POST", "/oauth2-token", body, headers)])

    def refresh_tokens(self, start: int, count: int) -> str:
        """COUNT refresh tokens from START of the seeded ones, never used before."""
        tokens = (self.folder / "refresh.txt").read_text().split()[start : start + count]
        if len(tokens) < count:
            raise RuntimeError("the seeded refresh tokens are used up: seed more")
        path = self.folder / "refresh.round"
        path.write_text("\n".join(tokens) + "\n")
        return str(path)

    def refresh_credentials(self) -> str:
        return basic(*self.password_client).removeprefix("Basic ")

    def me(self) -> str:
        headers = {"Authorization": f"Bearer {self.token}"}
        return self._file("me", [("GET", "/api/me", "", headers)])

    def introspection(self) -> str:
        headers = {**FORM, "Authorization": basic(*self.credentials[0])}
        return self._file(
            "introspection", [("POST", "/oauth2/introspect", f"token={self.token}", headers)]
        )

    def grid(self, cookie: str) -> str:
        return self._file(
            "grid",
            [("GET", f"/admin/oauth2/?name={quote_plus(term)}", "", {"Cookie": cookie})
             for term in grid_terms()],
        )  # fmt: skip
