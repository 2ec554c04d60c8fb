"""One-time forms and pages: a form token is honoured once, a new secret is shown once.

Create and Regenerate Secret answer their POST with a redirect (303) to a one-time page. The
form carries a signed, random form token; the first POST with it claims the token (a unique
row), so the same form sent again, by a double click, a reload or Back, changes nothing. The
new secret waits for the one GET of its page in that row, encrypted with a key derived from the
Flask secret key, for SECRET_TTL at most; the GET clears it. Nothing secret goes into a URL, a
cookie or a log line, and the database never holds a secret in plain text.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from oauthapp.extensions import db
from oauthapp.models import FormSubmission, OAuthApplication, utcnow

CREATE = "create_application"
REGENERATE = "regenerate_secret"
SECRET_TTL = timedelta(minutes=5)  # how long a new secret waits for its one-time page
TOKEN_LIFETIME = timedelta(days=1)  # a form older than this is refused; its row may go
ALREADY_SUBMITTED = "This form was already submitted."
NO_LONGER_SHOWN = "This secret is no longer shown."
EXPIRED = "This form has expired. Please check it and submit it again."
_SALT = "oauthapp.one-time-form"


@dataclass(frozen=True)
class Page:
    """What a one-time page shows: the application, and its new secret (None for none)."""

    submission: FormSubmission
    secret: str | None


def new_form_token() -> str:
    """A fresh form token: a random value, signed with the time it was made."""
    return str(_serializer().dumps(secrets.token_urlsafe(24)))


def usable_form_token(token: str | None) -> str:
    """TOKEN if it is a valid form token still, else a fresh one: what a form page carries."""
    return token if token and token_hash(token) is not None else new_form_token()


def token_hash(token: str | None) -> str | None:
    """The hash a form token is remembered by; None for a forged, mangled or expired token."""
    if not token:
        return None
    try:
        _serializer().loads(token, max_age=int(TOKEN_LIFETIME.total_seconds()))
    except BadData:
        return None
    return hashlib.sha256(token.encode()).hexdigest()


def submission_of(hashed: str) -> FormSubmission | None:
    """The earlier submission of that form token, if there was one."""
    found: FormSubmission | None = db.session.scalar(
        select(FormSubmission).where(FormSubmission.token_hash == hashed)
    )
    return found


def claim(
    hashed: str, action: str, user_id: int, application_id: int | None = None
) -> FormSubmission | None:
    """Record the form token as submitted (committed); None if it was submitted before.

    The unique token hash decides between two submissions racing each other on either
    database. Rows past the token lifetime, and secrets past theirs, are cleared on the way.
    """
    _clear_expired()
    submission = FormSubmission(
        token_hash=hashed, action=action, user_id=user_id, application_id=application_id
    )
    db.session.add(submission)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return None
    return submission


def release(submission: FormSubmission) -> None:
    """Forget a claim whose action was refused, so the corrected form may be sent again."""
    db.session.execute(delete(FormSubmission).where(FormSubmission.id == submission.id))
    db.session.commit()


def complete(submission: FormSubmission, application: OAuthApplication, secret: str | None) -> int:
    """Keep the new secret, sealed, for the one GET of the page; the page's id."""
    submission.application_id = application.id
    submission.page_pending = True
    submission.sealed_secret = _fernet().encrypt(secret.encode()).decode() if secret else None
    db.session.commit()
    return submission.id


def take_page(submission_id: int, user_id: int) -> Page | None:
    """The one-time page's content, to the user who submitted the form, the first time only.

    A conditional update clears the secret: of two requests racing for the page, one gets it.
    """
    submission = db.session.get(FormSubmission, submission_id)
    if submission is None or submission.user_id != user_id or not submission.page_pending:
        return None
    sealed, fresh = submission.sealed_secret, submission.created_at > utcnow() - SECRET_TTL
    taken = db.session.execute(
        update(FormSubmission)
        .where(FormSubmission.id == submission_id, FormSubmission.page_pending.is_(True))
        .values(page_pending=False, sealed_secret=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if not taken.rowcount or not fresh:  # type: ignore[attr-defined]
        return None
    secret = _unseal(sealed) if sealed else None
    if sealed and secret is None:
        return None
    return Page(submission, secret)


def submitted_by(submission_id: int, user_id: int) -> FormSubmission | None:
    """The user's own submission with that id (for the page shown after the one-time one)."""
    submission = db.session.get(FormSubmission, submission_id)
    return submission if submission is not None and submission.user_id == user_id else None


def _clear_expired() -> None:
    now = utcnow()
    db.session.execute(
        delete(FormSubmission).where(FormSubmission.created_at < now - TOKEN_LIFETIME)
    )
    db.session.execute(
        update(FormSubmission)
        .where(
            FormSubmission.sealed_secret.is_not(None),
            FormSubmission.created_at < now - SECRET_TTL,
        )
        .values(sealed_secret=None, page_pending=False)
        .execution_options(synchronize_session=False)
    )


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key or "", salt=_SALT)


def _fernet() -> Fernet:
    secret_key = str(current_app.secret_key or "").encode()
    derived = hashlib.sha256(b"oauthapp one-time secret page|" + secret_key).digest()
    return Fernet(base64.urlsafe_b64encode(derived))


def _unseal(sealed: str) -> str | None:
    try:
        return _fernet().decrypt(sealed.encode(), ttl=int(SECRET_TTL.total_seconds())).decode()
    except InvalidToken:  # past its time, or sealed under another secret key
        return None
