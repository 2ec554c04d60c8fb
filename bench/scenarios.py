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


# The back-office binds a session to the browser that logged in (Flask-Login's "strong"
# protection: address and User-Agent), so wrk must send the User-Agent the login sent.
USER_AGENT = "oauthapp-bench"


def session_cookie(base: str) -> str:
    """Log the benchmark's administrator in; the Cookie header of that session."""
    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
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


def crowd_terms() -> list[str]:
    """What an administrator types to find one of the 10,000: part of a name, of any case."""
    firsts, lasts = seed.FIRST_NAMES, seed.LAST_NAMES
    terms = [f"{firsts[i % len(firsts)]}.{lasts[(i * 7) % len(lasts)][:3]}" for i in range(20)]
    return terms + [f"{lasts[i % len(lasts)].title()}{i}" for i in range(20)]


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

    def _pages(self, name: str, targets: list[str], cookie: str, **headers: str) -> str:
        """Back-office GETs in the administrator's session; the first must answer 200, not the
        redirect to the login page that wrk would count as a success."""
        sent = {"Cookie": cookie, "User-Agent": USER_AGENT, **headers}
        url = self.base + targets[0]
        first = requests.get(url, headers=sent, allow_redirects=False, timeout=30)
        if first.status_code != 200:
            raise RuntimeError(f"GET {targets[0]} answered {first.status_code}, not the page")
        return self._file(name, [("GET", target, "", sent) for target in targets])

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
        targets = [f"/admin/oauth2/?name={quote_plus(term)}" for term in grid_terms()]
        return self._pages("grid", targets, cookie)

    def crowd(self) -> int:
        """The id of the organization with the 10,000 users."""
        return int((self.folder / "crowd.txt").read_text())

    def create_form(self, cookie: str) -> str:
        """The create form as it opens (every organization, the first 50 users), for the
        organization of 10,000 (users and customer users), and its search without JavaScript."""
        crowd = self.crowd()
        targets = ["/admin/oauth2/create", f"/admin/oauth2/create?organization={crowd}",
                   f"/admin/oauth2/frontend/create?organization={crowd}"]  # fmt: skip
        targets += [
            f"/admin/oauth2/create?organization={crowd}&owner_q={quote_plus(term)}"
            for term in crowd_terms()[::4]
        ]
        return self._pages("create", targets, cookie)

    def owner_search(self, cookie: str) -> str:
        """The Users search as the script asks it while one types, users and customer users."""
        crowd = self.crowd()
        targets = []
        for number, term in enumerate(crowd_terms()):
            front = "/frontend" if number % 2 else ""
            query = f"organization={crowd}&per_page=10&q={quote_plus(term)}"
            targets.append(f"/admin/oauth2{front}/owners?{query}")
        return self._pages("owners", targets, cookie, Accept="application/json")

    def sorted_lists(self, cookie: str) -> str:
        """Grid and lists in their name orders (case-insensitive), both ways, pages 1 to 40."""
        crowd = self.crowd()
        targets = []
        for page in range(1, 41):
            targets += [
                f"/admin/oauth2/?page={page}",
                f"/admin/oauth2/?sort=name&dir=desc&page={page}",
                f"/admin/oauth2/?organization={crowd}&page={page}",
                f"/admin/users?page={page}",
                f"/admin/customer-users?page={page}",
            ]
        return self._pages("sorted", targets, cookie)
