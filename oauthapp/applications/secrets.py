"""The one-time secret page, and what its URL or a replayed form shows afterwards."""

from __future__ import annotations

from flask import make_response, render_template
from werkzeug.wrappers import Response

from oauthapp.applications.origins import Origin
from oauthapp.models import Kind, OAuthApplication
from oauthapp.token.access_tokens import IssuedToken

NOTICE = (
    "Please copy Client Secret and save it somewhere safe. "
    "For security reasons, we cannot show it to you again."
)
TITLES = {
    Kind.BACKOFFICE: "OAuth Applications",
    Kind.STOREFRONT: "Customer User OAuth Applications",
}
EXPLANATIONS = {
    "submitted": "Nothing was changed by sending it again.",
    "shown": "A secret is shown only once, right after it was made. If it was not saved, "
    "regenerate it from the application's page.",
}


def secret_page(
    application: OAuthApplication,
    secret: str | None,
    token: IssuedToken | None = None,
    origin: Origin | None = None,
) -> Response:
    """The page that shows a new client secret once; no cache or history may keep it.

    A public client (secret None) has no secret: the page shows its client id only. Done leads
    to ORIGIN, the account page the application was added from, else to the application.
    """
    return _no_store(
        render_template(
            "applications/secret.html",
            application=application,
            kind=Kind(application.kind),
            secret=secret,
            token=token,
            notice=NOTICE,
            origin=origin,
        )
    )


def nothing_again(
    application: OAuthApplication | None,
    message: str,
    reason: str,
    status: int = 200,
    origin: Origin | None = None,
) -> Response:
    """What a replayed form or a second look at a one-time page gets: MESSAGE and a way on.

    REASON is "submitted" or "shown"; without an application (still being made, or gone since)
    the link leads to the back-office grid.
    """
    kind = Kind(application.kind) if application is not None else Kind.BACKOFFICE
    response = _no_store(
        render_template(
            "applications/once.html",
            application=application,
            kind=kind,
            title=TITLES[kind],
            message=message,
            explanation=EXPLANATIONS[reason],
            origin=origin,
        )
    )
    response.status_code = status
    return response


def _no_store(page: str) -> Response:
    response = make_response(page)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    response.headers["Expires"] = "0"
    return response
