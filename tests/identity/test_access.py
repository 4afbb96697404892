"""Roles, scopes and the principal a signed-in user acts as; the back-office pages' access."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from pyotp import TOTP
from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.identity import service
from comptoir.identity.models import Role, StaffSession
from comptoir.identity.scopes import BUILTIN_ROLES, SCOPES
from comptoir.kit.clock import FrozenClock
from comptoir.kit.errors import InvalidInput
from comptoir.privacy.models import PrivacyAuditEntry
from tests.identity.conftest import PASSWORD, add_user, enrol_totp, post_form, sign_in


def test_every_builtin_scope_is_in_the_catalogue_with_two_labels() -> None:
    for role in BUILTIN_ROLES.values():
        assert role.scopes <= set(SCOPES)
    assert all(str(label) for label in SCOPES.values())


@pytest.mark.parametrize(
    ("role", "has", "lacks"),
    [
        ("owner", {"identity:admin", "billing:issue"}, set()),
        ("administrator", {"identity:admin", "catalog:write"}, set()),
        ("store_manager", {"orders:write", "inventory:write"}, {"billing:issue", "identity:admin"}),
        ("warehouse", {"inventory:write", "orders:read"}, {"orders:write", "catalog:write"}),
        ("accountant", {"billing:issue", "billing:export"}, {"catalog:write", "orders:write"}),
        ("support_agent", {"support:write", "customers:write"}, {"billing:read"}),
        ("marketing", {"catalog:write", "messaging:write"}, {"billing:read", "orders:write"}),
        ("read_only", {"orders:read", "catalog:read"}, {"orders:write", "identity:admin"}),
    ],
)
def test_scopes_of_builtin_roles(role: str, has: set[str], lacks: set[str]) -> None:
    scopes = BUILTIN_ROLES[role].scopes
    assert has <= scopes
    assert not lacks & scopes


def test_only_owner_administrator_and_accountant_require_mfa() -> None:
    required = {key for key, role in BUILTIN_ROLES.items() if role.requires_mfa}
    assert required == {"owner", "administrator", "accountant"}


def test_the_principal_holds_the_union_of_the_roles_scopes_and_the_locations(
    session: Session,
) -> None:
    # given a store manager of two stores who is also in a custom role
    stores = {uuid.uuid4(), uuid.uuid4()}
    service.ensure_builtin_roles(session)
    custom = service.create_role(session, name="Caisse", scopes=["billing:issue"])
    user = add_user(session, roles=["store_manager", custom.key], location_ids=stores)
    staff_session = StaffSession(
        token_hash="0" * 64,
        user_id=user.id,
        stage="full",
        last_seen_at=user.created_at,
        expires_at=user.created_at,
        authenticated_at=user.created_at,
    )

    # when the principal is built
    principal = service.principal_for(session, user, staff_session)

    # then it is a staff principal with both roles' scopes, restricted to the two stores
    assert principal.kind == "staff"
    assert principal.id == user.id
    assert principal.scopes == BUILTIN_ROLES["store_manager"].scopes | {"billing:issue"}
    assert principal.location_ids == frozenset(stores)
    assert principal.may_see_location(next(iter(stores))) is True
    assert principal.may_see_location(uuid.uuid4()) is False
    assert principal.display_name == "Léa Martin"


def test_a_user_without_location_restriction_sees_every_location(session: Session) -> None:
    user = add_user(session)

    assert service.locations_of(session, user.id) is None


def test_a_custom_role_refuses_an_unknown_scope(session: Session) -> None:
    with pytest.raises(InvalidInput):
        service.create_role(session, name="Bizarre", scopes=["orders:fly"])

    assert session.scalars(select(Role).where(Role.name == "Bizarre")).first() is None


def test_a_custom_role_cannot_hold_a_store_scope(session: Session) -> None:
    """``store:*`` scopes belong to channel keys and shoppers, never to staff."""
    with pytest.raises(InvalidInput):
        service.create_role(session, name="Vitrine", scopes=["catalog:read", "store:cart"])

    assert session.scalars(select(Role).where(Role.name == "Vitrine")).first() is None


def test_two_accounts_cannot_differ_by_case_only(session: Session) -> None:
    add_user(session, email="lea@example.com")

    with pytest.raises(service.EmailTaken):
        add_user(session, email="LEA@EXAMPLE.COM")


def test_a_page_outside_the_users_scopes_answers_403(
    app_client: TestClient, session: Session
) -> None:
    # given a warehouse user
    add_user(session, email="entrepot@example.com", roles=["warehouse"])
    sign_in(app_client, "entrepot@example.com")

    # when she opens the staff users page
    answer = app_client.get("/admin/users")

    # then she gets a 403 page that names the access needed
    assert answer.status_code == 403
    assert "identity:read" in answer.text


def test_an_administrator_adds_a_user_after_confirming_her_password(
    app_client: TestClient, session: Session, clock: FrozenClock
) -> None:
    # given an administrator signed in more than five minutes ago
    admin = add_user(session, email="admin@example.com", roles=["administrator"])
    enrol_totp(session, admin)
    clock.advance(timedelta(minutes=10))
    sign_in(app_client, "admin@example.com")
    assert admin.totp_secret is not None
    post_form(
        app_client,
        "/admin/login/mfa",
        "/admin/login/mfa",
        {"code": TOTP(admin.totp_secret).at(clock.now())},
    )
    clock.advance(timedelta(minutes=6))
    form = {
        "email": "nouveau@example.com",
        "display_name": "Nouveau",
        "password": "une phrase de passe solide",
        "roles": "support_agent",
    }

    # when she submits the form, she is first asked to confirm it is her
    asked = post_form(app_client, "/admin/users/new", "/admin/users/new", form)
    assert asked.status_code == 303
    assert asked.headers["location"] == "/admin/account/confirm?next=/admin/users/new"
    assert service.find_user_by_email(session, "nouveau@example.com") is None

    # and once confirmed (password and a new code), the same form creates the user
    clock.advance(timedelta(seconds=30))
    post_form(
        app_client,
        "/admin/account/confirm",
        "/admin/account/confirm",
        {"password": PASSWORD, "code": TOTP(admin.totp_secret).at(clock.now())},
    )
    created = post_form(app_client, "/admin/users/new", "/admin/users/new", form)
    assert created.status_code == 303
    assert created.headers["location"] == "/admin/users"
    user = service.find_user_by_email(session, "nouveau@example.com")
    assert user is not None
    assert service.role_keys_of(session, user.id) == ["support_agent"]


def test_changing_a_users_roles_ends_their_sessions(
    app_client: TestClient, session: Session, clock: FrozenClock
) -> None:
    # given a signed-in support agent, and an owner signed in with two-step verification
    agent = add_user(session, email="agent@example.com", roles=["support_agent"])
    agent_browser_token = sign_in(app_client, "agent@example.com").cookies["comptoir_session"]
    app_client.cookies.clear()
    owner = add_user(session, email="owner@example.com", roles=["owner"])
    secret = enrol_totp(session, owner)
    clock.advance(timedelta(seconds=30))
    sign_in(app_client, "owner@example.com")
    post_form(
        app_client, "/admin/login/mfa", "/admin/login/mfa", {"code": TOTP(secret).at(clock.now())}
    )

    # when the owner gives the agent the read-only role instead
    page = f"/admin/users/{agent.id}"
    answer = post_form(app_client, page, f"{page}/roles", {"roles": "read_only"})

    # then the roles are saved and the agent's session is over
    assert answer.status_code == 303
    assert service.role_keys_of(session, agent.id) == ["read_only"]
    app_client.cookies.clear()
    app_client.cookies.set("comptoir_session", agent_browser_token)
    assert app_client.get("/admin", follow_redirects=False).status_code == 303


def test_a_refused_page_is_recorded_in_the_audit_trail(
    app_client: TestClient, session: Session
) -> None:
    # given a warehouse user who opens the staff users page, outside her scopes
    user = add_user(session, email="quai@example.com", roles=["warehouse"])
    sign_in(app_client, "quai@example.com")
    assert app_client.get("/admin/users").status_code == 403

    # then the refusal is in the trail: who, which scope, which page
    session.expire_all()
    entries = list(
        session.scalars(
            select(PrivacyAuditEntry).where(PrivacyAuditEntry.action == "access_denied")
        )
    )
    assert [(e.actor_kind, e.actor_id, e.object_id) for e in entries] == [
        ("staff", user.id, "/admin/users")
    ]
    assert entries[0].changes["scope"]["new"] == "identity:read"
