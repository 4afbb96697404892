"""Password reset by e-mail: a single-use link, valid 30 minutes, whose token is stored only as
its SHA-256. The token is made when the e-mail is sent (by a job), so it never sits in the job
queue. Resetting the password does not sign anyone in: the sign-in that follows still asks for
the second step."""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta
from typing import Any, Final

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from comptoir.identity import service
from comptoir.identity.auth import token_hash
from comptoir.identity.models import PasswordReset, StaffUser
from comptoir.identity.passwords import check_policy, hash_password
from comptoir.kit import clock
from comptoir.kit.i18n import gettext as _
from comptoir.kit.i18n import use_locale
from comptoir.kit.jobs import enqueue, task
from comptoir.kit.mail import Mail, send_mail
from comptoir.kit.settings import get_settings

LINK_LIFETIME: Final = timedelta(minutes=30)
SEND_TASK: Final = "identity.send_password_reset"
RESET_PATH: Final = "/admin/password/reset"


def request_reset(session: Session, email: str) -> PasswordReset | None:
    """Queue a reset e-mail for the active account with this address; ``None`` (and nothing
    queued) when there is none. The caller answers the same either way."""
    user = service.find_user_by_email(session, email)
    if user is None or not user.is_active:
        return None
    reset = PasswordReset(
        user_id=user.id,
        token_hash=token_hash(secrets.token_urlsafe(32)),  # replaced when the e-mail is sent
        expires_at=clock.now() + LINK_LIFETIME,
    )
    session.add(reset)
    session.flush()
    enqueue(session, SEND_TASK, {"reset_id": str(reset.id)})
    return reset


@task(SEND_TASK, max_attempts=6)
def send_reset_email(session: Session, payload: dict[str, Any]) -> None:
    """Make the link's token, store its hash and e-mail the link (in the user's language).
    A reset already used or expired is skipped. Raises what SMTP raised (the job retries)."""
    reset = session.get(PasswordReset, uuid.UUID(payload["reset_id"]))
    if reset is None or reset.used_at is not None or reset.expires_at <= clock.now():
        return
    user = session.get(StaffUser, reset.user_id)
    assert user is not None
    settings = get_settings()
    token = secrets.token_urlsafe(32)
    reset.token_hash = token_hash(token)
    session.flush()
    link = f"{settings.base_url.rstrip('/')}{RESET_PATH}?token={token}"
    with use_locale("en" if user.locale == "en" else "fr"):
        mail = Mail(
            to=user.email,
            subject=_("Reset your Comptoir password"),
            text=_(
                "Hello {name},\n\nTo choose a new password for the back office, open this "
                "link within 30 minutes:\n\n{link}\n\nIf you did not ask for it, ignore this "
                "e-mail: your password stays as it is.",
                name=user.display_name,
                link=link,
            ),
        )
    send_mail(settings, mail)


def find_valid_reset(session: Session, token: str) -> PasswordReset | None:
    """The unused, unexpired reset of ``token``, or ``None``."""
    reset = session.scalars(
        select(PasswordReset).where(PasswordReset.token_hash == token_hash(token))
    ).first()
    if reset is None or reset.used_at is not None or reset.expires_at <= clock.now():
        return None
    return reset


def complete_reset(session: Session, token: str, new_password: str) -> StaffUser | None:
    """Set the new password if ``token`` is valid, using the link up (a guarded update, so a
    link works once even when clicked twice at the same time), ending every session of the
    user and clearing a lock. Returns the user, or ``None`` for a bad, used or expired link.
    Raises :class:`~comptoir.identity.passwords.PasswordRejected` (nothing changed)."""
    normalised = check_policy(new_password, field="new_password")
    now = clock.now()
    reset = find_valid_reset(session, token)
    if reset is None:
        return None
    used = session.execute(
        update(PasswordReset)
        .where(
            PasswordReset.id == reset.id,
            PasswordReset.used_at.is_(None),
            PasswordReset.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if int(getattr(used, "rowcount", 0)) != 1:
        return None
    user = service.get_user(session, reset.user_id)
    user.password_hash = hash_password(normalised)
    user.password_changed_at = now
    user.failed_logins = 0
    user.locked_until = None
    service.revoke_user_sessions(session, user.id)
    return user
