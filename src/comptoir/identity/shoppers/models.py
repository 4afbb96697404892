"""Shopper accounts, their access tokens, e-mail verifications and failed sign-ins per
address.

The e-mail address is personal data: it is stored encrypted under the shopper's own data key
and found again through its HMAC blind index, never in clear.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from comptoir.kit.crypto import blind_index_column, encrypted_column
from comptoir.kit.db import Base, IdMixin, TimestampMixin
from comptoir.kit.db.types import JSONType

SHOPPER_SUBJECT = "shopper"


class Shopper(IdMixin, TimestampMixin, Base):
    """A shop account, the same on every channel of the shop."""

    __tablename__ = "identity_shoppers"

    email: Mapped[str | None] = encrypted_column(subject_type=SHOPPER_SUBJECT)
    # Unique: two accounts never share an address, whatever its case or surrounding spaces.
    email_index: Mapped[bytes | None] = blind_index_column("email", kind="email", unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(default=None)
    password_changed_at: Mapped[datetime | None] = mapped_column(default=None)
    last_login_at: Mapped[datetime | None] = mapped_column(default=None)
    # The customer record this account belongs to, once the customers module links them.
    # No foreign key: customers are another module's table.
    customer_id: Mapped[uuid.UUID | None] = mapped_column(default=None, index=True)
    # When the shopper proved the address is hers (a verification link): until then the
    # account is tied to no customer that existed before it.
    email_verified_at: Mapped[datetime | None] = mapped_column(default=None)
    # The consent boxes ticked at sign-up while the account waits for its customer (the
    # address was a known customer's): recorded on her once the address is verified.
    pending_consents: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONType(), default=None)


class ShopperToken(IdMixin, TimestampMixin, Base):
    """A signed-in shopper's bearer token for one channel. Only its SHA-256 is stored."""

    __tablename__ = "identity_shopper_tokens"
    __table_args__ = (
        Index("ix_identity_shopper_tokens_shopper_id_revoked_at", "shopper_id", "revoked_at"),
    )

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    shopper_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("identity_shoppers.id", ondelete="CASCADE")
    )
    # The channel it was issued on: the token is refused with another channel's key. No
    # foreign key: channels are another module's table.
    channel_id: Mapped[uuid.UUID]
    last_used_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class ShopperEmailVerification(IdMixin, TimestampMixin, Base):
    """A verification link sent to an account's address. Single use, valid 24 hours; only its
    token's SHA-256 is stored. Its creation time also paces the resends."""

    __tablename__ = "identity_shopper_email_verifications"
    __table_args__ = (
        Index(
            "ix_identity_shopper_email_verifications_shopper_created", "shopper_id", "created_at"
        ),
    )

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    shopper_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("identity_shoppers.id", ondelete="CASCADE")
    )
    # The language of the e-mail: the one the storefront asked in.
    locale: Mapped[str] = mapped_column(String(5))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None] = mapped_column(default=None)


class ShopperFailedSignIn(IdMixin, TimestampMixin, Base):
    """A failed shopper sign-in from an address: the per-address limit counts these rows, so
    it holds across processes."""

    __tablename__ = "identity_shopper_failed_sign_ins"
    __table_args__ = (
        Index("ix_identity_shopper_failed_sign_ins_ip_created", "ip_address", "created_at"),
    )

    ip_address: Mapped[str] = mapped_column(String(45))
