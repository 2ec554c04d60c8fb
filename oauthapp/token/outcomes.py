"""What each token request came to, told to whoever records it (metrics, usage counts).

The token endpoint announces one `TokenOutcome` per request after its answer is built.
Listeners run in the request, so they must be cheap and touch no database; one that fails is
logged and the others still run. The application is the one the credentials named, known
once the client id matched an application, whether or not the secret was right.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from flask import Response, current_app

from oauthapp.token.client_views import ClientView

# Grant types as clients send them; anything else is counted as "other", so a caller cannot
# grow the set of labels.
GRANTS = frozenset({"client_credentials", "password", "refresh_token", "authorization_code"})


@dataclass(frozen=True)
class TokenOutcome:
    grant: str  # one of GRANTS, "other", or "" when none was sent
    status: int
    error: str | None  # the OAuth error code; None when tokens were issued
    application: ClientView | None

    @property
    def issued(self) -> bool:
        return self.error is None and self.status == 200


Listener = Callable[[TokenOutcome], None]
_listeners: list[Listener] = []


def listen(listener: Listener) -> Listener:
    """Call LISTENER with every token request's outcome, in this process."""
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def forget(listener: Listener) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


def announce(grant: str | None, application: ClientView | None, response: Response) -> None:
    """Tell every listener what this token request came to."""
    if not _listeners:
        return
    outcome = TokenOutcome(_grant_label(grant), response.status_code, _error_of(response),
                           application)  # fmt: skip
    for listener in list(_listeners):
        try:
            listener(outcome)
        except Exception:  # a recorder's fault must never cost the client its answer
            current_app.logger.exception("Recording a token outcome failed")


def _grant_label(grant: str | None) -> str:
    if not grant:
        return ""
    return grant if grant in GRANTS else "other"


def _error_of(response: Response) -> str | None:
    if response.status_code == 200:
        return None
    try:
        body = json.loads(response.get_data())
    except ValueError:
        return "server_error"
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, str) else "server_error"
