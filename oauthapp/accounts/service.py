"""Organizations, users and customer users: plain service functions, one commit per use case."""

from __future__ import annotations

import re
from collections.abc import Sequence

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from oauthapp.exceptions import Conflict, InvalidInput, NotFound
from oauthapp.extensions import db
from oauthapp.models import CustomerUser, Organization, Role, User, UserRole
from oauthapp.security import lockout
from oauthapp.security.passwords import check_password_policy, hash_password
from oauthapp.security.sessions import end_sessions

NAME_MAX = 255


def _clean_name(value: str, label: str, field: str = "name") -> str:
    name = (value or "").strip()
    if not name:
        raise InvalidInput(f"{label} must not be blank.", field)
    if len(name) > NAME_MAX:
        raise InvalidInput(f"{label} must be at most {NAME_MAX} characters long.", field)
    if any(ord(char) < 32 for char in name):
        raise InvalidInput(f"{label} must not contain control characters.", field)
    return name


def normalize_email(value: str) -> str:
    """A syntactically valid email address, lower-cased, or InvalidInput."""
    try:
        email = validate_email((value or "").strip(), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise InvalidInput(f"Invalid email address: {exc}", "email") from exc
    return email.lower()


def _password_hash(password: str) -> str:
    problem = check_password_policy(password)
    if problem:
        raise InvalidInput(problem, "password")
    return hash_password(password)


def _commit(conflict_message: str) -> None:
    try:
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise Conflict(conflict_message) from exc


def get_organization(name: str) -> Organization:
    """The organization with that name, or NotFound."""
    organization = db.session.scalar(select(Organization).where(Organization.name == name))
    if organization is None:
        raise NotFound(f"Unknown organization: {name}", "organization")
    return organization


def create_organization(name: str, is_global: bool = False) -> Organization:
    """A new, enabled organization; at most one may be global."""
    name = _clean_name(name, "Organization name")
    if db.session.scalar(select(Organization.id).where(Organization.name == name)) is not None:
        raise Conflict(f"An organization named {name!r} already exists.", "name")
    if (
        is_global
        and db.session.scalar(select(Organization.id).where(Organization.is_global)) is not None
    ):
        raise Conflict("A global organization already exists; there can be only one.", "is_global")
    organization = Organization(name=name, is_global=is_global, enabled=True)
    db.session.add(organization)
    _commit(f"An organization named {name!r} already exists.")
    return organization


def set_organization_enabled(name: str, enabled: bool) -> Organization:
    """Enable or disable an organization (a disabled one's applications get no tokens)."""
    organization = get_organization(name)
    organization.enabled = enabled
    db.session.commit()
    return organization


def get_user(username: str) -> User:
    """The back-office user with that username, or NotFound."""
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"Unknown user: {username}", "username")
    return user


def get_customer_user(email: str) -> CustomerUser:
    """The customer user with that email (any case), or NotFound."""
    customer = db.session.scalar(
        select(CustomerUser).where(CustomerUser.email == (email or "").strip().lower())
    )
    if customer is None:
        raise NotFound(f"Unknown customer user: {email}", "email")
    return customer


def clean_locale(value: str) -> str:
    """A locale such as "en", "de" or "de_DE"; InvalidInput otherwise."""
    locale = (value or "").strip().replace("-", "_")
    if not re.fullmatch(r"[a-zA-Z]{2,3}(_[a-zA-Z]{2,4})?", locale):
        raise InvalidInput(f"Not a locale: {value!r} (use e.g. en, de or de_DE).", "locale")
    language, _, region = locale.partition("_")
    return f"{language.lower()}_{region.upper()}" if region else language.lower()


def create_user(
    username: str,
    email: str,
    password: str,
    organizations: Sequence[str],
    role: Role = Role.USER,
    locale: str = "en",
) -> User:
    """A new back-office user with the same role in each named organization."""
    username = _clean_name(username, "Username", "username")
    if not organizations:
        raise InvalidInput("A user needs at least one organization.", "organization")
    orgs = [get_organization(name) for name in dict.fromkeys(organizations)]
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"A user named {username!r} already exists.", "username")
    user = User(
        username=username,
        email=normalize_email(email),
        password_hash=_password_hash(password),
        locale=clean_locale(locale),
        roles=[UserRole(organization=org, role=Role(role).value) for org in orgs],
    )
    db.session.add(user)
    _commit(f"A user named {username!r} already exists.")
    return user


def create_customer_user(
    email: str, password: str, organization: str, name: str = "", locale: str = "en"
) -> CustomerUser:
    """A new storefront user of one organization."""
    email = normalize_email(email)
    org = get_organization(organization)
    if db.session.scalar(select(CustomerUser.id).where(CustomerUser.email == email)) is not None:
        raise Conflict(f"A customer user with email {email!r} already exists.", "email")
    customer = CustomerUser(
        email=email,
        name=(name or "").strip()[:NAME_MAX],
        password_hash=_password_hash(password),
        organization=org,
        locale=clean_locale(locale),
    )
    db.session.add(customer)
    _commit(f"A customer user with email {email!r} already exists.")
    return customer


def set_enabled(account: User | CustomerUser, enabled: bool) -> None:
    """Enable or disable a user or customer user; disabling ends the account's sessions."""
    account.enabled = enabled
    if not enabled:
        # Without the bump, enabling it again would bring its old sessions back.
        end_sessions(account)
    db.session.commit()


def set_password(account: User | CustomerUser, password: str) -> None:
    """Give an account a new password (checked against the policy) and end its sessions."""
    account.password_hash = _password_hash(password)
    end_sessions(account)
    db.session.commit()


def end_all_sessions(account: User | CustomerUser) -> None:
    """End every session of the account, on every browser: logout and Log out everywhere."""
    end_sessions(account)
    db.session.commit()


def unlock_account(account: User | CustomerUser) -> None:
    """Lift a lockout."""
    lockout.unlock(account)
    db.session.commit()


def organizations_of(user: User) -> list[Organization]:
    """The organizations a user may see: all of them for a member of the global organization."""
    own = [role.organization for role in user.roles]
    if any(org.is_global for org in own):
        return list(db.session.scalars(select(Organization).order_by(Organization.name)))
    return sorted(own, key=lambda org: org.name)
