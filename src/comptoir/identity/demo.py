"""The demo shop's staff: the built-in roles and an owner account, ready to sign in."""

from __future__ import annotations

import secrets
from typing import Final

from sqlalchemy.orm import Session

from comptoir.identity import mfa, service
from comptoir.identity.passwords import hash_password
from comptoir.identity.scopes import OWNER
from comptoir.kit import clock
from comptoir.kit.settings import Settings

DEMO_OWNER_EMAIL: Final = "owner@boutiquenova.example"
SHOWN_RECOVERY_CODES: Final = 3


def seed_identity(session: Session, settings: Settings) -> str:
    """The built-in roles and the demo owner, with a new random password and a new two-step
    verification secret at every run (so the lines printed by ``comptoir demo`` are always
    the ones that work). An owner always signs in with a second step: the printed secret goes
    in an authenticator app, or a printed recovery code replaces one code."""
    service.ensure_builtin_roles(session)
    password = "-".join(secrets.token_hex(3) for _ in range(4))
    owner = service.find_user_by_email(session, DEMO_OWNER_EMAIL)
    if owner is None:
        owner = service.create_user(
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
        service.revoke_user_sessions(session, owner.id)
    secret, codes = mfa.enrol_without_confirmation(session, owner)
    session.flush()
    uri = mfa.provisioning_uri(secret, DEMO_OWNER_EMAIL)
    return "\n".join(
        (
            f"Staff: sign in at {settings.base_url}/admin/login as {DEMO_OWNER_EMAIL} with the "
            f"password {password}",
            f"  two-step verification key (for an authenticator app): {secret}",
            f"  the same as a QR code's URI: {uri}",
            f"  single-use recovery codes (each replaces a code once): "
            f"{' '.join(codes[:SHOWN_RECOVERY_CODES])}",
        )
    )
