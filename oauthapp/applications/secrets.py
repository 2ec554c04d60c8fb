"""The one-time secret page: rendered straight into the response, never stored anywhere."""

from __future__ import annotations

from flask import make_response, render_template
from werkzeug.wrappers import Response

from oauthapp.models import Kind, OAuthApplication
from oauthapp.token.access_tokens import IssuedToken

NOTICE = (
    "Please copy Client Secret and save it somewhere safe. "
    "For security reasons, we cannot show it to you again."
)


def secret_page(
    application: OAuthApplication, secret: str | None, token: IssuedToken | None = None
) -> Response:
    """The page that shows a new client secret once; no cache or history may keep it.

    A public client (secret None) has no secret: the page shows its client id only.
    """
    response = make_response(
        render_template(
            "applications/secret.html",
            application=application,
            kind=Kind(application.kind),
            secret=secret,
            token=token,
            notice=NOTICE,
        )
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    response.headers["Expires"] = "0"
    return response
