"""One place decides how errors look: JSON on OAuth and API paths, a page elsewhere."""

from __future__ import annotations

from flask import Flask, Response, current_app, jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError

from oauthapp.admin_api.problems import problem_response
from oauthapp.extensions import db
from oauthapp.oidc.paths import LOGGED_OUT_PATH, LOGOUT_PATH

PROBLEM_PREFIX = "/api/admin/"  # the management API answers RFC 9457 problem details
JSON_PREFIXES = ("/oauth2-token", "/oauth2/", "/api/", "/.well-known/")
# The browser legs: pages, not JSON.
BROWSER_PATHS = ("/oauth2-token/authorize", LOGOUT_PATH, LOGGED_OUT_PATH)

CSRF_MESSAGE = (
    "The form has expired or did not come from this site. Go back, reload the page and try again."
)


def wants_json(path: str) -> bool:
    """OAuth endpoints and APIs always answer JSON; the authorize page is for browsers."""
    return path.startswith(JSON_PREFIXES) and path not in BROWSER_PATHS


UNAVAILABLE = (
    "The service is temporarily unavailable: its database cannot be reached. "
    "Please try again in a moment."
)


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(OperationalError, handle_database_unavailable)
    app.register_error_handler(InterfaceError, handle_database_unavailable)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected_error)


def error_response(status: int, title: str, description: str) -> tuple[Response | str, int]:
    if request.path.startswith(PROBLEM_PREFIX):
        return problem_response(status, description), status
    if wants_json(request.path):
        error = "server_error" if status >= 500 else "invalid_request"
        response = jsonify(error=error, error_description=description)
        response.headers["Cache-Control"] = "no-store"
        return response, status
    return render_template(
        "errors/error.html", status=status, title=title, description=description
    ), status


def handle_csrf_error(error: CSRFError) -> tuple[Response | str, int]:
    return error_response(400, "Bad Request", CSRF_MESSAGE)


def handle_http_error(error: HTTPException) -> Response | HTTPException:
    if error.code is None or error.code < 400:
        return error  # redirects raised as exceptions pass through
    response = make_response(
        error_response(error.code, error.name, error.description or error.name)
    )
    allowed = getattr(error, "valid_methods", None)
    if allowed:  # RFC 9110 §15.5.6: a 405 names the methods that are allowed
        response.headers["Allow"] = ", ".join(allowed)
    return response


def handle_database_unavailable(error: Exception) -> Response:
    """The database is down or unreachable: 503, and the next request tries again."""
    db.session.rollback()
    current_app.logger.error("Database unavailable on %s %s: %s", request.method, request.path,
                             type(error).__name__)  # fmt: skip
    if wants_json(request.path):
        response = jsonify(error="temporarily_unavailable", error_description=UNAVAILABLE)
        response.headers["Cache-Control"] = "no-store"
    else:
        response = make_response(
            render_template(
                "errors/error.html",
                status=503,
                title="Service Unavailable",
                description=UNAVAILABLE,
            )
        )
    response.status_code = 503
    response.headers["Retry-After"] = "30"
    return response


def handle_unexpected_error(error: Exception) -> tuple[Response | str, int]:
    # The path only: a query string could carry something secret.
    current_app.logger.exception("Unhandled error on %s %s", request.method, request.path)
    server_error = InternalServerError()
    return error_response(
        500, server_error.name, "Something went wrong on our side. Please try again later."
    )
