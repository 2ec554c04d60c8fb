"""The settings only authorization-code applications have: redirect URLs and two switches."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from oauthapp.applications.redirects import clean_redirect_uris
from oauthapp.exceptions import InvalidInput
from oauthapp.models import Grant, OAuthApplication

ONLY_AUTHORIZATION_CODE = "Only Authorization Code applications {}."


def check_client_settings(
    grant: Grant, redirect_uris: Sequence[str], confidential: bool, skip_consent: bool
) -> list[str]:
    """The cleaned redirect URLs; only authorization-code apps have them or the two switches."""
    if grant == Grant.AUTHORIZATION_CODE:
        return clean_redirect_uris(redirect_uris)
    if any((uri or "").strip() for uri in redirect_uris):
        raise InvalidInput(ONLY_AUTHORIZATION_CODE.format("have redirect URLs"), "redirect_uris")
    if not confidential:
        raise InvalidInput(ONLY_AUTHORIZATION_CODE.format("may be public clients"), "confidential")
    if skip_consent:
        raise InvalidInput(ONLY_AUTHORIZATION_CODE.format("may skip user consent"), "skip_consent")
    return []


@dataclass(frozen=True)
class ClientSettings:
    """The editable settings of an authorization-code application; None leaves one as it is."""

    redirect_uris: Sequence[str] | None = None
    confidential: bool | None = None
    skip_consent: bool | None = None

    def cleaned(self, application: OAuthApplication) -> ClientSettings:
        """The complete new settings, checked against the application's grant."""
        uris = (
            self.redirect_uris
            if self.redirect_uris is not None
            else application.redirect_uris or []
        )
        confidential = application.confidential if self.confidential is None else self.confidential
        skip = application.skip_consent if self.skip_consent is None else self.skip_consent
        grant = Grant(application.grant_type)
        return ClientSettings(
            check_client_settings(grant, uris, confidential, skip), confidential, skip
        )


def uri_changes(old: list[str], new: list[str]) -> list[str]:
    """What an edit of the redirect URLs added and removed, for the audit trail."""
    added = [uri for uri in new if uri not in old]
    removed = [uri for uri in old if uri not in new]
    changes = [f"redirect URL added: {uri}" for uri in added]
    changes.extend(f"redirect URL removed: {uri}" for uri in removed)
    return changes
