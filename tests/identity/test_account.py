"""My account (password, sessions), the owner command and the demo owner."""

from __future__ import annotations

from pathlib import Path

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from comptoir.cli import app as comptoir_command
from comptoir.identity import mfa, service
from comptoir.identity.demo import DEMO_OWNER_EMAIL, seed_identity
from comptoir.identity.models import StaffSession
from comptoir.identity.passwords import verify_password
from comptoir.kit.clock import FrozenClock
from comptoir.kit.db.engine import create_database
from comptoir.kit.db.migrate import upgrade
from comptoir.kit.settings import Settings, get_settings
from tests.identity.conftest import PASSWORD, add_user, post_form, sign_in

NEW_PASSWORD = "une toute nouvelle phrase secrète"


def test_changing_the_password_ends_the_other_sessions(
    app_client: TestClient, session: Session, gated_settings: Settings
) -> None:
    # given a user signed in on two browsers
    user = add_user(session, email="lea@example.com")
    other = sign_in(app_client, "lea@example.com").cookies["comptoir_session"]
    app_client.cookies.clear()
    sign_in(app_client, "lea@example.com")

    # when she changes her password on the second one
    answer = post_form(
        app_client,
        "/admin/account",
        "/admin/account/password",
        {
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD,
        },
    )

    # then the password is changed, this session goes on and the other one is over
    assert answer.status_code == 303
    session.refresh(user)
    assert verify_password(user.password_hash, NEW_PASSWORD) is True
    assert app_client.get("/admin", follow_redirects=False).status_code == 200
    revoked = session.scalars(select(StaffSession).where(StaffSession.revoked_at.is_not(None)))
    assert len(revoked.all()) == 1
    app_client.cookies.set("comptoir_session", other)
    assert app_client.get("/admin", follow_redirects=False).status_code == 303


def test_a_wrong_current_password_changes_nothing(app_client: TestClient, session: Session) -> None:
    user = add_user(session, email="lea@example.com")
    old_hash = user.password_hash
    sign_in(app_client, "lea@example.com")

    answer = post_form(
        app_client,
        "/admin/account",
        "/admin/account/password",
        {
            "current_password": "pas le bon mot de passe",
            "new_password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD,
        },
    )

    assert answer.status_code == 400
    assert "Your current password is not right." in answer.text
    session.refresh(user)
    assert user.password_hash == old_hash


def test_a_user_ends_one_of_her_sessions(app_client: TestClient, session: Session) -> None:
    user = add_user(session, email="lea@example.com")
    sign_in(app_client, "lea@example.com")
    app_client.cookies.clear()
    sign_in(app_client, "lea@example.com")
    current = session.scalars(
        select(StaffSession).order_by(StaffSession.created_at, StaffSession.id)
    ).all()
    older = current[0]

    answer = post_form(
        app_client, "/admin/account", f"/admin/account/sessions/{older.id}/revoke", {}
    )

    assert answer.status_code == 303
    session.refresh(older)
    assert older.revoked_at is not None
    assert [s.revoked_at for s in current[1:]] == [None]
    assert all(s.user_id == user.id for s in current)


def test_create_owner_makes_an_owner_from_stdin(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a fresh SQLite database
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    database = create_database(Settings(_env_file=None, database_url=url, data_dir=tmp_path))
    upgrade(database.engine)
    monkeypatch.setenv("COMPTOIR_DATABASE_URL", url)
    get_settings.cache_clear()

    # when the command runs with the password on standard input
    result = CliRunner().invoke(
        comptoir_command,
        ["users", "create-owner", "--email", "Boss@Example.com", "--password-stdin"],
        input=f"{PASSWORD}\n",
    )
    get_settings.cache_clear()

    # then the owner exists with that password and the owner role
    assert result.exit_code == 0, result.output
    with database.transaction(readonly=True) as session:
        owner = service.find_user_by_email(session, "boss@example.com")
        assert owner is not None
        assert verify_password(owner.password_hash, PASSWORD) is True
        assert service.role_keys_of(session, owner.id) == ["owner"]
    database.dispose()


def test_create_owner_refuses_a_weak_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    database = create_database(Settings(_env_file=None, database_url=url, data_dir=tmp_path))
    upgrade(database.engine)
    monkeypatch.setenv("COMPTOIR_DATABASE_URL", url)
    get_settings.cache_clear()

    result = CliRunner().invoke(
        comptoir_command,
        ["users", "create-owner", "--email", "boss@example.com", "--password-stdin"],
        input="qwerty123456\n",
    )
    get_settings.cache_clear()

    assert result.exit_code == 1
    assert "too common" in result.output
    with database.transaction(readonly=True) as session:
        assert service.find_user_by_email(session, "boss@example.com") is None
    database.dispose()


def _printed(line: str, label: str) -> str:
    return line.split(label, 1)[1].split("\n", 1)[0].strip()


def test_the_demo_owner_gets_a_working_password_and_key_at_every_run(
    session: Session, settings: Settings
) -> None:
    # when the demo is seeded twice
    seed_identity(session, settings)
    line = seed_identity(session, settings)

    # then there is one owner, enrolled in two-step verification, and the password, key and
    # recovery codes printed last are the ones that work
    password = _printed(line, " with the password ")
    secret = _printed(line, "authenticator app): ")
    codes = _printed(line, "(each replaces a code once): ").split()
    owner = service.find_user_by_email(session, DEMO_OWNER_EMAIL)
    assert owner is not None
    assert verify_password(owner.password_hash, password) is True
    assert service.role_keys_of(session, owner.id) == ["owner"]
    assert owner.totp_enabled_at is not None
    assert owner.totp_secret == secret
    assert len(codes) == 3
    assert mfa.use_recovery_code(session, owner.id, codes[0]) is True


def test_the_demo_owner_signs_in_with_what_the_demo_printed(
    app_client: TestClient, session: Session, settings: Settings, clock: FrozenClock
) -> None:
    # given the demo's printed sign-in
    line = seed_identity(session, settings)
    session.commit()
    password = _printed(line, " with the password ")
    secret = _printed(line, "authenticator app): ")

    # when the owner signs in with the password, then the code of the printed key
    first = sign_in(app_client, DEMO_OWNER_EMAIL, password)
    second = post_form(
        app_client,
        "/admin/login/mfa",
        "/admin/login/mfa",
        {"code": pyotp.TOTP(secret).at(clock.now())},
    )

    # then she reaches the back office
    assert first.headers["location"].startswith("/admin/login/mfa")
    assert second.status_code == 303
    assert app_client.get("/admin", follow_redirects=False).status_code == 200
