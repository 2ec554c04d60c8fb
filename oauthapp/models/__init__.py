"""SQLAlchemy 2.0 typed models."""

from oauthapp.models.accounts import CustomerUser, Organization, Role, User, UserRole
from oauthapp.models.applications import Grant, Kind, OAuthApplication, owner_key_for
from oauthapp.models.audit import SecurityEvent
from oauthapp.models.authorization import AuthorizationCode, Consent
from oauthapp.models.base import Base, utcnow
from oauthapp.models.idempotency import IdempotencyKey
from oauthapp.models.notifications import (
    EmailTemplate,
    NotificationRule,
    OutboxMessage,
    OutboxStatus,
)
from oauthapp.models.submissions import FormSubmission
from oauthapp.models.tokens import RefreshToken, RevokedAccessToken
from oauthapp.models.usage import TokenUsage

__all__ = [
    "AuthorizationCode",
    "Base",
    "Consent",
    "CustomerUser",
    "EmailTemplate",
    "FormSubmission",
    "Grant",
    "IdempotencyKey",
    "Kind",
    "NotificationRule",
    "OAuthApplication",
    "Organization",
    "OutboxMessage",
    "OutboxStatus",
    "RefreshToken",
    "RevokedAccessToken",
    "Role",
    "SecurityEvent",
    "TokenUsage",
    "User",
    "UserRole",
    "owner_key_for",
    "utcnow",
]
