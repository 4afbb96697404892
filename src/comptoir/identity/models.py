"""The identity tables: staff users, roles, their links, back-office sessions, recovery codes,
password-reset tokens and failed sign-in attempts per address."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Final

from sqlalchemy import BigInteger, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from comptoir.kit.crypto.columns import blind_index_column, encrypted_column
from comptoir.kit.db import Base, IdMixin, TimestampMixin
from comptoir.kit.db.types import JSONType

SESSION_STAGE_MFA = "mfa"  # password accepted, the second step is still due
SESSION_STAGE_ENROL = "enrol"  # password accepted, two-step verification must be set up first
SESSION_STAGE_FULL = "full"


STAFF_SUBJECT: Final = "staff_user"


class StaffUser(IdMixin, TimestampMixin, Base):
    """A person who signs in to the back office.

    The e-mail address, the name and the TOTP secret are encrypted under the user's own data
    key (``kit.crypto``); the address is looked up through its blind index, unique, so two
    accounts never differ by case only. Once the user's key is destroyed (crypto-shredding)
    these attributes read ``None``.
    """

    __tablename__ = "identity_staff_users"

    email: Mapped[str] = encrypted_column(subject_type=STAFF_SUBJECT)
    email_index: Mapped[bytes] = blind_index_column("email", kind="email", unique=True)
    display_name: Mapped[str] = encrypted_column(subject_type=STAFF_SUBJECT)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str] = mapped_column(String(2), default="fr")
    totp_secret: Mapped[str | None] = encrypted_column(subject_type=STAFF_SUBJECT, default=None)
    totp_enabled_at: Mapped[datetime | None] = mapped_column(default=None)
    # The last 30-second time step accepted: a code is never accepted twice.
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger, default=None)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(default=None)
    password_changed_at: Mapped[datetime | None] = mapped_column(default=None)
    last_login_at: Mapped[datetime | None] = mapped_column(default=None)


class Role(IdMixin, TimestampMixin, Base):
    """A named set of scopes. Built-in roles (``is_builtin``) take their scopes and name from
    :mod:`comptoir.identity.scopes`; custom ones from these columns."""

    __tablename__ = "identity_roles"

    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    is_builtin: Mapped[bool] = mapped_column(default=False)
    scopes: Mapped[list[Any]] = mapped_column(JSONType(), default=list)


class UserRole(IdMixin, TimestampMixin, Base):
    __tablename__ = "identity_user_roles"
    __table_args__ = (UniqueConstraint("user_id", "role_id"),)

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("identity_staff_users.id", ondelete="CASCADE")
    )
    role_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("identity_roles.id", ondelete="CASCADE"), index=True
    )


class UserLocation(IdMixin, TimestampMixin, Base):
    """A location (store, warehouse) a user is restricted to; a user without any sees all.
    No foreign key: locations belong to the inventory module."""

    __tablename__ = "identity_user_locations"
    __table_args__ = (UniqueConstraint("user_id", "location_id"),)

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("identity_staff_users.id", ondelete="CASCADE")
    )
    location_id: Mapped[uuid.UUID]


class StaffSession(IdMixin, TimestampMixin, Base):
    """A back-office session. The browser holds a random 256-bit token; only its SHA-256 is
    stored, so a copy of the database does not let anyone in."""

    __tablename__ = "identity_sessions"
    __table_args__ = (Index("ix_identity_sessions_user_id_revoked_at", "user_id", "revoked_at"),)

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("identity_staff_users.id", ondelete="CASCADE")
    )
    stage: Mapped[str] = mapped_column(String(8))
    last_seen_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    # The last time the user proved who they are (password, code): step-up checks it.
    authenticated_at: Mapped[datetime]
    ip_address: Mapped[str] = mapped_column(String(45), default="")
    user_agent: Mapped[str] = mapped_column(String(400), default="")
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class RecoveryCode(IdMixin, TimestampMixin, Base):
    """A single-use code that replaces a TOTP code once (its SHA-256 only)."""

    __tablename__ = "identity_recovery_codes"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("identity_staff_users.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    used_at: Mapped[datetime | None] = mapped_column(default=None)


class PasswordReset(IdMixin, TimestampMixin, Base):
    """A password-reset link sent by e-mail: single use, short-lived, its SHA-256 only."""

    __tablename__ = "identity_password_resets"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("identity_staff_users.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None] = mapped_column(default=None)


class FailedLogin(IdMixin, TimestampMixin, Base):
    """A failed sign-in from an address: the per-address rate limit counts these rows, so it
    holds across processes."""

    __tablename__ = "identity_failed_logins"
    __table_args__ = (Index("ix_identity_failed_logins_ip_created", "ip_address", "created_at"),)

    ip_address: Mapped[str] = mapped_column(String(45))
