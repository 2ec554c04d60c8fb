"""Who calls the management API: a back-office token carrying applications:manage.

The token is checked as the other APIs check theirs (oauthapp.api.bearer: signature, claims,
revocation, the application's and owner's standing, with the same caches), then for the scope,
which its application must still be granted. It acts with its owner's Access.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar, cast

from authlib.oauth2.rfc6749.errors import OAuth2Error
from flask import Response, g, request
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from oauthapp.admin_api.problems import Problem, problem_response
from oauthapp.api.bearer import InsufficientScope, TokenRefused, refusal, verified_token
from oauthapp.applications.access import Access, access_of
from oauthapp.applications.scopes import MANAGE
from oauthapp.audit import Actor
from oauthapp.extensions import db
from oauthapp.models import Kind, OAuthApplication, User
from oauthapp.token.client_views import client_view
from oauthapp.token.guard import DATABASE_UNAVAILABLE

View = TypeVar("View", bound=Callable[..., Any])

NO_SCOPE = f"The access token lacks the scope {MANAGE}."
NO_LONGER_GRANTED = f"The application is no longer granted the scope {MANAGE}."


@dataclass(frozen=True)
class Caller:
    """The token's owner (its Access), and the actor the audit trail names."""

    access: Access
    actor: Actor
    acting_application_id: int


def current_caller() -> Caller:
    caller: Caller = g.admin_caller
    return caller


def authenticate() -> Caller:
    """The caller of a valid token with the scope; TokenRefused or InsufficientScope otherwise."""
    claims, principal = verified_token((Kind.BACKOFFICE,))
    if MANAGE not in str(claims.get("scope", "")).split(" "):
        raise InsufficientScope(NO_SCOPE, MANAGE)
    client = client_view(principal.client_id)
    if client is None or MANAGE not in client.granted_scopes:
        raise InsufficientScope(NO_LONGER_GRANTED, MANAGE)
    user = db.session.get(User, principal.account_id)
    if user is None:
        raise TokenRefused("The user no longer exists.")
    name = db.session.scalar(select(OAuthApplication.name).where(OAuthApplication.id == client.id))
    actor = Actor(
        user.id,
        f"{user.username} via API ({name}, {client.client_id})",
        request.remote_addr or "",
    )
    return Caller(access_of(user), actor, client.id)


def admin_endpoint(view: View) -> View:
    """Run VIEW for an authenticated caller; every failure becomes a problem document."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        try:
            g.admin_caller = authenticate()
            response: Response = view(*args, **kwargs)
        except TokenRefused as refused:
            return _challenged(401, str(refused), refusal(str(refused)))
        except InsufficientScope as lacking:
            challenge = refusal(str(lacking), error="insufficient_scope", scope=lacking.scope)
            return _challenged(403, str(lacking), challenge)
        except Problem as problem:
            db.session.rollback()
            return problem.response()
        except OAuth2Error as error:  # the signing keys are unavailable
            return problem_response(503, error.description or "Temporarily unavailable.")
        except SQLAlchemyError:
            db.session.rollback()
            return problem_response(503, DATABASE_UNAVAILABLE, headers={"Retry-After": "30"})
        return response

    return cast(View, wrapper)


def _challenged(status: int, detail: str, challenge: Response) -> Response:
    """A 401 or 403 problem with the RFC 6750 challenge of the bearer APIs."""
    headers = {"WWW-Authenticate": challenge.headers["WWW-Authenticate"]}
    return problem_response(status, detail, headers=headers)
