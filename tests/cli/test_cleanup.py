"""`flask oauth cleanup`: expired refresh tokens and revocations, and ownerless applications."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import delete, select

from oauthapp.extensions import db
from oauthapp.models import (
    AuthorizationCode,
    CustomerUser,
    Grant,
    Kind,
    OAuthApplication,
    RefreshToken,
    RevokedAccessToken,
    TokenUsage,
    User,
    utcnow,
)
from tests.cli.helpers import invoke
from tests.factories import (
    make_application,
    make_code_application,
    make_customer,
    make_org,
    make_user,
)

_unique = itertools.count(1)


@dataclass(frozen=True)
class Scenario:
    kept_applications: set[str]
    orphaned_applications: set[str]
    valid_refresh_tokens: set[str]
    expired_refresh_tokens: set[str]
    valid_revocations: set[str]
    expired_revocations: set[str]


def add_refresh_token(application: OAuthApplication, user: User, expires_in: timedelta) -> str:
    token_hash = f"hash-{next(_unique)}"
    db.session.add(
        RefreshToken(
            token_hash=token_hash,
            application_id=application.id,
            user_id=user.id,
            family_id=f"family-{next(_unique)}",
            access_token_jti=f"jti-{next(_unique)}",
            access_token_expires_at=utcnow() + min(expires_in, timedelta(hours=1)),
            expires_at=utcnow() + expires_in,
        )
    )
    return token_hash


def add_code(application: OAuthApplication, user: User, expires_in: timedelta) -> str:
    code_hash = f"code-{next(_unique)}"
    db.session.add(
        AuthorizationCode(
            code_hash=code_hash,
            application_id=application.id,
            redirect_uri="https://app.example/cb",
            user_id=user.id,
            auth_time=utcnow(),
            expires_at=utcnow() + expires_in,
        )
    )
    return code_hash


def add_usage(application: OAuthApplication, age: timedelta) -> None:
    hour = (utcnow() - age).replace(minute=0, second=0, microsecond=0)
    db.session.add(TokenUsage(application_id=application.id, hour=hour, issued=3, refused=1))


def add_revocation(expires_in: timedelta) -> str:
    jti = f"revoked-{next(_unique)}"
    db.session.add(RevokedAccessToken(jti=jti, expires_at=utcnow() + expires_in))
    return jti


@pytest.fixture
def scenario(app: Flask) -> Scenario:
    """3 expired and 2 valid refresh tokens, 1 expired and 2 valid revocations, 2 orphans."""
    hour, day = timedelta(hours=1), timedelta(days=1)
    with app.app_context():
        org = make_org("Acme")
        owner = make_user("alice", orgs=[org])
        leaver = make_user("leaver", orgs=[org])
        customer = make_customer("gone@example.com", org=org)
        kept, _ = make_application(org, "Kept", owner=owner)
        password_app, _ = make_application(org, "Password app", Grant.PASSWORD)
        orphan, _ = make_application(org, "Left behind", owner=leaver)
        store_orphan, _ = make_application(org, "Store left", kind=Kind.STOREFRONT, owner=customer)
        expired = {add_refresh_token(kept, owner, -delta) for delta in (hour, day, 30 * day)}
        valid = {add_refresh_token(kept, owner, delta) for delta in (hour, 30 * day)}
        code_app, _ = make_code_application(org)
        add_code(code_app, owner, -hour)
        add_code(code_app, owner, timedelta(minutes=5))
        for age in (91 * day, 89 * day, hour):  # usage of 91 days ago is past keeping
            add_usage(kept, age)
        expired_revocations = {add_revocation(-hour)}
        valid_revocations = {add_revocation(hour), add_revocation(day)}
        db.session.commit()
        # Deleting the owners sets the applications' owner to NULL (ON DELETE SET NULL).
        db.session.execute(delete(User).where(User.id == leaver.id))
        db.session.execute(delete(CustomerUser).where(CustomerUser.id == customer.id))
        db.session.commit()
        return Scenario(
            kept_applications={kept.client_id, password_app.client_id, code_app.client_id},
            orphaned_applications={orphan.client_id, store_orphan.client_id},
            valid_refresh_tokens=valid,
            expired_refresh_tokens=expired,
            valid_revocations=valid_revocations,
            expired_revocations=expired_revocations,
        )


def test_the_owners_deletion_left_the_applications_without_owner(
    app: Flask, scenario: Scenario
) -> None:
    with app.app_context():
        owners = db.session.execute(
            select(OAuthApplication.user_id, OAuthApplication.customer_user_id).where(
                OAuthApplication.client_id.in_(scenario.orphaned_applications)
            )
        ).all()
    assert [tuple(row) for row in owners] == [(None, None), (None, None)]


@pytest.mark.usefixtures("scenario")
def test_cleanup_prints_what_it_deleted(cli: FlaskCliRunner) -> None:
    result = invoke(cli, "oauth", "cleanup")
    assert result.exit_code == 0, result.output
    assert result.output == (
        "Deleted 3 expired refresh tokens.\n"
        "Deleted 1 expired authorization codes.\n"
        "Deleted 1 expired revocation records.\n"
        "Deleted 2 applications whose owner no longer exists.\n"
        "Deleted 0 sent email messages older than 30 days.\n"
        "Deleted 0 retired signing keys whose tokens have expired.\n"
        "Deleted 1 hourly token usage counts older than 90 days.\n"
        "Deleted 0 expired idempotency keys.\n"
    )


def test_cleanup_deletes_only_expired_refresh_tokens(
    app: Flask, cli: FlaskCliRunner, scenario: Scenario
) -> None:
    assert invoke(cli, "oauth", "cleanup").exit_code == 0
    with app.app_context():
        left = set(db.session.scalars(select(RefreshToken.token_hash)))
    assert left == scenario.valid_refresh_tokens


def test_cleanup_deletes_only_expired_revocation_records(
    app: Flask, cli: FlaskCliRunner, scenario: Scenario
) -> None:
    assert invoke(cli, "oauth", "cleanup").exit_code == 0
    with app.app_context():
        left = set(db.session.scalars(select(RevokedAccessToken.jti)))
    assert left == scenario.valid_revocations


def test_cleanup_deletes_only_applications_whose_owner_is_gone(
    app: Flask, cli: FlaskCliRunner, scenario: Scenario
) -> None:
    assert invoke(cli, "oauth", "cleanup").exit_code == 0
    with app.app_context():
        left = set(db.session.scalars(select(OAuthApplication.client_id)))
    assert left == scenario.kept_applications


def test_cleanup_deletes_only_usage_counts_older_than_90_days(
    app: Flask, cli: FlaskCliRunner, scenario: Scenario
) -> None:
    assert invoke(cli, "oauth", "cleanup").exit_code == 0
    with app.app_context():
        ages = [utcnow() - hour for hour in db.session.scalars(select(TokenUsage.hour))]
    assert sorted(age.days for age in ages) == [0, 89]


@pytest.mark.usefixtures("scenario")
def test_a_second_cleanup_finds_nothing_more(cli: FlaskCliRunner) -> None:
    assert invoke(cli, "oauth", "cleanup").exit_code == 0
    result = invoke(cli, "oauth", "cleanup")
    assert result.exit_code == 0, result.output
    assert result.output == (
        "Deleted 0 expired refresh tokens.\n"
        "Deleted 0 expired authorization codes.\n"
        "Deleted 0 expired revocation records.\n"
        "Deleted 0 applications whose owner no longer exists.\n"
        "Deleted 0 sent email messages older than 30 days.\n"
        "Deleted 0 retired signing keys whose tokens have expired.\n"
        "Deleted 0 hourly token usage counts older than 90 days.\n"
        "Deleted 0 expired idempotency keys.\n"
    )


def test_cleanup_on_an_empty_database_deletes_nothing(cli: FlaskCliRunner) -> None:
    result = invoke(cli, "oauth", "cleanup")
    assert result.exit_code == 0, result.output
    assert "Deleted 0 expired refresh tokens." in result.output
    assert "Deleted 0 applications whose owner no longer exists." in result.output


def test_cleanup_deletes_only_expired_authorization_codes(
    app: Flask, cli: FlaskCliRunner, scenario: Scenario
) -> None:
    assert invoke(cli, "oauth", "cleanup").exit_code == 0
    with app.app_context():
        left = list(db.session.scalars(select(AuthorizationCode)))
    assert len(left) == 1
    assert left[0].expires_at > utcnow()
