"""The demo shop's staff: the built-in roles and an owner account."""

from __future__ import annotations

import secrets
from typing import Final

from sqlalchemy.orm import Session

from comptoir.identity import service
from comptoir.identity.passwords import hash_password
from comptoir.identity.scopes import OWNER
from comptoir.kit import clock
from comptoir.kit.settings import Settings

DEMO_OWNER_EMAIL: Final = "owner@boutiquenova.example"


def seed_identity(session: Session, settings: Settings) -> str:
    """The built-in roles and the demo owner, with a new random password at every run (so the
    line printed by ``comptoir demo`` is always the one that works). Two-step verification is
    set up at the owner's first sign-in, as for any owner."""
    service.ensure_builtin_roles(session)
    password = "-".join(secrets.token_hex(3) for _ in range(4))
    owner = service.find_user_by_email(session, DEMO_OWNER_EMAIL)
    if owner is None:
        service.create_user(
            session,
            email=DEMO_OWNER_EMAIL,
            display_name="Camille Martin",
            password=password,
            role_keys=[OWNER],
        )
    else:
        owner.password_hash = hash_password(password)
        owner.password_changed_at = clock.now()
        owner.is_active = True
        owner.failed_logins = 0
        owner.locked_until = None
    return (
        f"Staff: sign in at {settings.base_url}/admin/login as {DEMO_OWNER_EMAIL} with the "
        f"password {password} (two-step verification is set up at the first sign-in)."
    )
