"""Two-step verification: TOTP (RFC 6238, 30-second steps, six digits) and single-use
recovery codes.

A TOTP code is accepted at most once: the last accepted time step is kept on the user and only
a later step is accepted (a guarded atomic update, so two requests racing with the same code
cannot both win). One step of clock drift either way is tolerated.

The TOTP secret is stored encrypted (AES-256-GCM under the user's data key, ``kit.crypto``) in
``identity_staff_users.totp_secret``: a copy of the database does not give anyone the codes.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from typing import Final, Literal

import pyotp
import segno
from sqlalchemy import delete, or_, update
from sqlalchemy.orm import Session

from comptoir.identity.models import RecoveryCode, StaffUser
from comptoir.kit import clock

STEP_SECONDS: Final = 30
DRIFT_STEPS: Final = 1
RECOVERY_CODE_COUNT: Final = 10
ISSUER: Final = "Comptoir"
_RECOVERY_ALPHABET: Final = "abcdefghjkmnpqrstuvwxyz23456789"


def new_secret() -> str:
    """A random 160-bit TOTP secret, base32."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, account: str) -> str:
    """The ``otpauth://`` URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=ISSUER)


def qr_code_svg(uri: str, *, title: str) -> str:
    """The QR code of ``uri`` as an inline SVG element."""
    return str(segno.make(uri, error="m").svg_inline(scale=4, title=title))


def current_step() -> int:
    return int(clock.now().timestamp()) // STEP_SECONDS


def matching_step(secret: str, code: str) -> int | None:
    """The time step (now, or one step before or after) whose code is ``code``, or ``None``."""
    code = "".join(code.split())
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    now = current_step()
    for step in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def accept_totp(session: Session, user: StaffUser, code: str, *, secret: str | None = None) -> bool:
    """Whether ``code`` is a valid TOTP code for the user's secret (or ``secret`` during
    enrolment) that has not been used yet; if so, it can never be accepted again."""
    secret = secret or user.totp_secret
    if not secret:
        return False
    step = matching_step(secret, code)
    if step is None:
        return False
    result = session.execute(
        update(StaffUser)
        .where(
            StaffUser.id == user.id,
            or_(StaffUser.totp_last_step.is_(None), StaffUser.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    accepted = int(getattr(result, "rowcount", 0)) == 1
    if accepted:
        session.refresh(user)
    return accepted


def _recovery_hash(code: str) -> str:
    normalised = "".join(code.split()).replace("-", "").lower()
    return hashlib.sha256(normalised.encode()).hexdigest()


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(16))
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def new_recovery_codes(session: Session, user_id: uuid.UUID) -> list[str]:
    """Ten fresh recovery codes (80 bits each) replacing the user's previous ones; only their
    hashes are stored, so this is the only time they can be shown."""
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    session.add_all(RecoveryCode(user_id=user_id, code_hash=_recovery_hash(c)) for c in codes)
    session.flush()
    return codes


def use_recovery_code(session: Session, user_id: uuid.UUID, code: str) -> bool:
    """Whether ``code`` is one of the user's unused recovery codes; if so it is used up."""
    result = session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user_id,
            RecoveryCode.code_hash == _recovery_hash(code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0)) == 1


SecondStep = Literal["totp", "recovery"]


def accept_second_step(session: Session, user: StaffUser, code: str) -> SecondStep | None:
    """Which second step ``code`` is (an unused TOTP code, or an unused recovery code, then
    used up), or ``None`` when it is neither."""
    if accept_totp(session, user, code):
        return "totp"
    if use_recovery_code(session, user.id, code):
        return "recovery"
    return None


def verify_second_step(session: Session, user: StaffUser, code: str) -> bool:
    """Whether ``code`` is an unused TOTP code or an unused recovery code of the user."""
    return accept_second_step(session, user, code) is not None


def start_enrolment(user: StaffUser) -> str:
    """The pending secret the enrolment page shows (a new one unless one is pending)."""
    if user.totp_enabled_at is not None:
        raise ValueError("two-step verification is already set up")
    if not user.totp_secret:
        user.totp_secret = new_secret()
        user.totp_last_step = None
    return user.totp_secret


def confirm_enrolment(session: Session, user: StaffUser, code: str) -> list[str] | None:
    """Turn two-step verification on if ``code`` matches the pending secret; returns the new
    recovery codes, or ``None`` when the code is wrong."""
    if user.totp_enabled_at is not None or not user.totp_secret:
        return None
    if not accept_totp(session, user, code):
        return None
    user.totp_enabled_at = clock.now()
    return new_recovery_codes(session, user.id)


def enrol_without_confirmation(session: Session, user: StaffUser) -> tuple[str, list[str]]:
    """Turn two-step verification on with a new secret, without a code typed back: for an
    account set up by the operator on the command line (the demo owner), who hands the secret
    to the person. Returns the secret and the new recovery codes; previous ones stop working."""
    user.totp_secret = new_secret()
    user.totp_enabled_at = clock.now()
    user.totp_last_step = None
    codes = new_recovery_codes(session, user.id)
    return user.totp_secret, codes


def remove_mfa(session: Session, user: StaffUser) -> None:
    """Turn two-step verification off and forget the secret and the recovery codes."""
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    session.flush()
