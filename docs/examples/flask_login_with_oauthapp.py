"""Log in with oauthapp: a Flask application that signs its users in with OpenID Connect.

It uses Authlib's Flask client: discovery, the authorization code flow with PKCE (S256), state and
nonce, the ID token checked (signature, issuer, audience, expiry, nonce), userinfo, and logout
through the server's end-session endpoint. Register an authorization-code application whose
redirect URLs are this application's /callback and / (see docs/api.md, "Log in with oauthapp"),
then run:

    OAUTHAPP_ISSUER=https://oauth.example.com OAUTHAPP_CLIENT_ID=… OAUTHAPP_CLIENT_SECRET=… \
        python docs/examples/flask_login_with_oauthapp.py

Environment: OAUTHAPP_ISSUER, OAUTHAPP_CLIENT_ID, OAUTHAPP_CLIENT_SECRET (required); PORT
(default 5001) and HOST (default 127.0.0.1) to listen on; SECRET_KEY to sign this application's
session cookie (random at each start by default). Needs Flask, Authlib 1.7 or later (for
`logout_redirect`) and requests.
"""

from __future__ import annotations

import os
import secrets
import time
from typing import Any

from authlib.integrations.flask_client import OAuth, OAuthError
from flask import Flask, abort, redirect, render_template_string, request, session, url_for
from requests import HTTPError

PAGE = """<!doctype html>
<html lang="en">
<title>Example shop</title>
<main>
  <h1>{{ heading }}</h1>
  {% if user %}
    <table>
      <caption>What oauthapp told us about you</caption>
      {% for claim, value in user.items() %}
        <tr><th scope="row">{{ claim }}</th><td>{{ value }}</td></tr>
      {% endfor %}
    </table>
    <form method="post" action="{{ url_for('logout') }}">
      <input type="hidden" name="csrf_token" value="{{ csrf_token }}">
      <button>Log out</button>
    </form>
  {% else %}
    {% if message %}<p role="status">{{ message }}</p>{% endif %}
    <p><a href="{{ url_for('login') }}">Log in with oauthapp</a></p>
  {% endif %}
</main>
</html>"""


class MemoryCache:
    """Where Authlib keeps each flow's state, nonce and PKCE verifier: on the server, not in the
    session cookie. One process only; use Redis or the database when running several."""

    def __init__(self) -> None:
        self._items: dict[str, tuple[float, Any]] = {}

    def get(self, key: str) -> Any:
        expires, value = self._items.get(key, (0.0, None))
        return value if expires > time.monotonic() else None

    def set(self, key: str, value: Any, expires_in: int) -> None:
        self._items[key] = (time.monotonic() + expires_in, value)

    def delete(self, key: str) -> None:
        self._items.pop(key, None)


app = Flask(__name__)
app.secret_key = os.environ.get("SECRET_KEY") or secrets.token_hex(32)
app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax")

oauth = OAuth(app, cache=MemoryCache())
oauth.register(
    name="oauthapp",
    client_id=os.environ["OAUTHAPP_CLIENT_ID"],
    client_secret=os.environ["OAUTHAPP_CLIENT_SECRET"],
    server_metadata_url=os.environ["OAUTHAPP_ISSUER"].rstrip("/")
    + "/.well-known/openid-configuration",
    client_kwargs={"scope": "openid profile email", "code_challenge_method": "S256"},
)


def show(heading: str, message: str = "", status: int = 200) -> tuple[str, int]:
    user = session.get("user")
    session.setdefault("csrf_token", secrets.token_urlsafe(32))
    page = render_template_string(
        PAGE, heading=heading, user=user, message=message, csrf_token=session["csrf_token"]
    )
    return page, status


@app.get("/")
def index() -> Any:
    if "state" in request.args:  # back from the server's logout
        try:
            oauth.oauthapp.validate_logout_response()
        except OAuthError as error:
            return show("Example shop", f"Logout failed: {error.description}", 400)
        return show("Example shop", "You have been logged out.")
    user = session.get("user")
    return show(f"Hello, {user.get('name') or user['sub']}" if user else "Example shop")


@app.get("/login")
def login() -> Any:
    return oauth.oauthapp.authorize_redirect(url_for("callback", _external=True))


@app.get("/callback")
def callback() -> Any:
    try:
        token = oauth.oauthapp.authorize_access_token()  # also checks the ID token
        userinfo = oauth.oauthapp.userinfo(token=token)
    except OAuthError as error:  # e.g. access_denied when the user pressed Cancel
        return show("Example shop", f"Login failed: {error.description or error.error}", 400)
    except HTTPError as error:  # userinfo refused the token
        return show("Example shop", f"Login failed: userinfo answered {error}", 502)
    if userinfo["sub"] != token["userinfo"]["sub"]:  # OpenID Connect Core 5.3.2
        return show("Example shop", "Login failed: userinfo is about someone else.", 400)
    session.clear()  # a new session for the new user
    session["user"] = dict(userinfo)
    session["id_token"] = token["id_token"]  # the hint for logout
    return redirect(url_for("index"))


@app.post("/logout")
def logout() -> Any:
    sent, expected = request.form.get("csrf_token", ""), session.get("csrf_token", "")
    if not expected or not secrets.compare_digest(sent, expected):
        abort(400)
    id_token = session.pop("id_token", None)
    session.pop("user", None)
    return oauth.oauthapp.logout_redirect(
        post_logout_redirect_uri=url_for("index", _external=True), id_token_hint=id_token
    )


if __name__ == "__main__":
    app.run(host=os.environ.get("HOST", "127.0.0.1"), port=int(os.environ.get("PORT", "5001")))
