"""What the create form may offer a user: organizations, and owners one page at a time."""

from __future__ import annotations

from dataclasses import dataclass, field

from oauthapp.applications.access import Access, creatable_organizations
from oauthapp.applications.filters import GRANT_LABELS
from oauthapp.applications.owners import (
    FORM_OPTIONS,
    OwnerChoice,
    OwnerPage,
    OwnerScope,
    find_owner,
    organizations_without_owners,
    search_owners,
)
from oauthapp.models import CustomerUser, Grant, Kind, Organization, User

OWNER_NOUNS = {Kind.BACKOFFICE: "user", Kind.STOREFRONT: "customer user"}
OWNER_COMMANDS = {Kind.BACKOFFICE: "users create", Kind.STOREFRONT: "customers create"}


@dataclass
class CreationChoices:
    """The organizations offered on the create form, who may own there, and a preset owner."""

    kind: Kind
    access: Access
    organizations: list[Organization]
    preset_owner: User | CustomerUser | None = None
    _found: dict[int, OwnerChoice | None] = field(default_factory=dict)

    def organization(self, organization_id: int | None) -> Organization | None:
        return next((org for org in self.organizations if org.id == organization_id), None)

    def scope(self, organization_id: int | None = None) -> OwnerScope:
        """The owners of one offered organization, or (None, or not offered) of all of them."""
        chosen = self.organization(organization_id)
        ids = (chosen.id,) if chosen else tuple(org.id for org in self.organizations)
        return OwnerScope(self.access, self.kind, ids)

    def owner_choice(self, owner_id: int | None) -> OwnerChoice | None:
        """The account with that id if it may own an application here (looked up once)."""
        if owner_id is None:
            return None
        if owner_id not in self._found:
            self._found[owner_id] = find_owner(self.scope(), owner_id)
        return self._found[owner_id]

    def owner(self, owner_id: int | None) -> User | CustomerUser | None:
        found = self.owner_choice(owner_id)
        return found.account if found else None

    def owner_missing(self) -> str:
        """What the Users field asks for when it is left on "Choose …": one account."""
        return f"Choose the {OWNER_NOUNS[self.kind]} who will own the application."

    def without_owners(self) -> dict[int, str]:
        """For each offered organization where nobody may own an application: why, and what to
        do instead. Empty with a preset owner."""
        if self.preset_owner is not None:
            return {}
        unowned = set(organizations_without_owners(self.scope()))
        return {org.id: self._why_nobody(org) for org in self.organizations if org.id in unowned}

    def _why_nobody(self, organization: Organization) -> str:
        others = " or ".join(
            label for grant, label in GRANT_LABELS.items() if grant != Grant.CLIENT_CREDENTIALS
        )
        instead = f"choose the {others} grant, which needs no owner"
        if not self.access.administers(organization.id):
            return (
                "You may create Client Credentials applications only for yourself, and you are "
                f"not a member of {organization.name}: {instead}, or ask an administrator."
            )
        noun = OWNER_NOUNS[self.kind]
        return (
            f"{organization.name} has no {noun}s yet, so nobody can own a Client Credentials "
            f"application there. Add a {noun} to {organization.name} first (an operator runs "
            f"flask --app app {OWNER_COMMANDS[self.kind]}), or {instead}."
        )


def creation_choices(access: Access, kind: Kind, preset_owner_id: int | None) -> CreationChoices:
    """What the user may choose; with a preset owner, only that owner and its organizations.

    A preset owner the user may not create for leaves no organization to choose.
    """
    choices = CreationChoices(kind, access, creatable_organizations(access, kind))
    if preset_owner_id is not None and choices.organizations:
        found = choices.owner_choice(preset_owner_id)
        allowed = set(found.organization_ids) if found else set()
        choices.organizations = [org for org in choices.organizations if org.id in allowed]
        choices.preset_owner = found.account if found else None
    return choices


def offered_owners(
    choices: CreationChoices, organization_id: int | None, text: str, chosen_id: int | None
) -> tuple[list[OwnerChoice], OwnerPage]:
    """The Users list: the first matches of TEXT in the organization, the chosen owner among them.

    Also the page of matches, whose total the form shows. With a preset owner, only that one.
    """
    if choices.preset_owner is not None:
        preset = choices.owner_choice(choices.preset_owner.id)
        rows = [preset] if preset else []
        return rows, OwnerPage(rows=rows, total=len(rows), page=1, per_page=FORM_OPTIONS)
    page = search_owners(choices.scope(organization_id), text, per_page=FORM_OPTIONS)
    offered = list(page.rows)
    chosen = choices.owner_choice(chosen_id)
    if chosen is not None and all(row.id != chosen.id for row in offered):
        offered.insert(0, chosen)  # chosen after a search, or beyond the first page
    return offered, page
