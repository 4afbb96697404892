"""The customer tables. Every personal value is an encrypted column under the customer's own
data key (subject type ``customer``), so destroying that key erases the customer everywhere;
e-mail and phone are found again through their blind indexes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Final

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from comptoir.kit.crypto import blind_index_column, encrypted_column
from comptoir.kit.db.base import Base, IdMixin, TimestampMixin
from comptoir.kit.db.types import JSONType

SUBJECT: Final = "customer"
CUSTOMER_FK: Final = "customers_customers.id"
_ACTIVE: Final = text("status = 'active'")


class Customer(IdMixin, TimestampMixin, Base):
    """A person or a company the shop sells to, on any channel.

    ``status``: ``active``; ``merged`` (into ``merged_into_id``, kept so that an unmerge can
    bring it back and so that its e-mail and phone still lead to the customer it became);
    ``erased`` (its data key destroyed). Company numbers (SIREN, SIRET, VAT) are public
    registry data and stay in clear, for invoices and lookups.
    """

    __tablename__ = "customers_customers"
    __table_args__ = (
        CheckConstraint("kind IN ('person', 'company')", name="kind"),
        CheckConstraint("status IN ('active', 'merged', 'erased')", name="status"),
        CheckConstraint("language IN ('fr', 'en')", name="language"),
        # One active customer per e-mail: two channels cannot create the same person twice.
        Index(
            "uq_customers_customers_active_email",
            "email_index",
            unique=True,
            sqlite_where=_ACTIVE,
            postgresql_where=_ACTIVE,
        ),
        Index("ix_customers_customers_created_at", "created_at"),
    )

    kind: Mapped[str] = mapped_column(String(16), default="person")
    status: Mapped[str] = mapped_column(String(16), default="active")
    language: Mapped[str] = mapped_column(String(2), default="fr")
    source: Mapped[str] = mapped_column(String(16), default="back_office")
    first_name: Mapped[str | None] = encrypted_column(subject_type=SUBJECT)
    last_name: Mapped[str | None] = encrypted_column(subject_type=SUBJECT)
    company_name: Mapped[str | None] = encrypted_column(subject_type=SUBJECT)
    email: Mapped[str | None] = encrypted_column(subject_type=SUBJECT)
    email_index: Mapped[bytes | None] = blind_index_column("email", kind="email")
    phone: Mapped[str | None] = encrypted_column(subject_type=SUBJECT)
    phone_index: Mapped[bytes | None] = blind_index_column("phone", kind="phone")
    siren: Mapped[str | None] = mapped_column(String(9), default=None, index=True)
    siret: Mapped[str | None] = mapped_column(String(14), default=None)
    vat_number: Mapped[str | None] = mapped_column(String(16), default=None)
    # The last VIES check of ``vat_number`` (valid: None = VIES could not answer), the proof
    # of an exempt intra-community supply; all empty when VIES was not consulted.
    vat_checked_at: Mapped[datetime | None] = mapped_column(default=None)
    vat_check_valid: Mapped[bool | None] = mapped_column(default=None)
    vat_check_request_identifier: Mapped[str | None] = mapped_column(String(64), default=None)
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey(CUSTOMER_FK, ondelete="RESTRICT"), default=None, index=True
    )
    erased_at: Mapped[datetime | None] = mapped_column(default=None)


class Address(IdMixin, TimestampMixin, Base):
    """A postal address of a customer; the country (ISO 3166-1 alpha-2) stays in clear for
    shipping and tax rules."""

    __tablename__ = "customers_addresses"

    customer_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey(CUSTOMER_FK, ondelete="CASCADE"), index=True
    )
    label: Mapped[str | None] = encrypted_column(subject_type=SUBJECT, subject="customer_id")
    recipient: Mapped[str | None] = encrypted_column(subject_type=SUBJECT, subject="customer_id")
    line1: Mapped[str | None] = encrypted_column(subject_type=SUBJECT, subject="customer_id")
    line2: Mapped[str | None] = encrypted_column(subject_type=SUBJECT, subject="customer_id")
    postcode: Mapped[str | None] = encrypted_column(subject_type=SUBJECT, subject="customer_id")
    city: Mapped[str | None] = encrypted_column(subject_type=SUBJECT, subject="customer_id")
    country: Mapped[str] = mapped_column(String(2))
    is_default_shipping: Mapped[bool] = mapped_column(default=False)
    is_default_billing: Mapped[bool] = mapped_column(default=False)


class CustomerGroup(IdMixin, TimestampMixin, Base):
    """A group of customers (``pro``, ``vip``, ``staff``). Its ``code`` is what catalogue price
    lists name in ``customer_group``; ``priority`` picks the price group of a customer in
    several groups (the highest wins)."""

    __tablename__ = "customers_groups"

    code: Mapped[str] = mapped_column(String(50), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    priority: Mapped[int] = mapped_column(default=0)


class GroupMembership(IdMixin, TimestampMixin, Base):
    __tablename__ = "customers_group_members"
    __table_args__ = (UniqueConstraint("customer_id", "group_id"),)

    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(CUSTOMER_FK, ondelete="CASCADE"))
    group_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("customers_groups.id", ondelete="CASCADE"), index=True
    )


class ConsentRecord(IdMixin, TimestampMixin, Base):
    """One expression of will, never changed afterwards: consent ``granted`` or ``withdrawn``
    for a channel and a purpose, with the wording shown, where and when. A customer's current
    consent for a (channel, purpose) is the latest record; none means no consent."""

    __tablename__ = "customers_consents"
    __table_args__ = (
        CheckConstraint("channel IN ('email', 'sms', 'push', 'phone')", name="channel"),
        CheckConstraint("purpose IN ('marketing', 'profiling')", name="purpose"),
        CheckConstraint("action IN ('granted', 'withdrawn')", name="action"),
        Index("ix_customers_consents_customer_occurred", "customer_id", "occurred_at"),
    )

    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(CUSTOMER_FK, ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    purpose: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(16))
    wording_version: Mapped[str | None] = mapped_column(String(50), default=None)
    source: Mapped[str] = mapped_column(String(16))
    occurred_at: Mapped[datetime]
    recorded_by: Mapped[str] = mapped_column(String(200), default="")


class CustomerMerge(IdMixin, TimestampMixin, Base):
    """A merge of ``source_id`` into ``target_id``, with what it moved (``moved``: address and
    consent ids, groups and profile fields given to the target) so that an unmerge puts each
    back where it came from."""

    __tablename__ = "customers_merges"

    target_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey(CUSTOMER_FK, ondelete="CASCADE"), index=True
    )
    source_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey(CUSTOMER_FK, ondelete="CASCADE"), index=True
    )
    merged_at: Mapped[datetime]
    merged_by: Mapped[str] = mapped_column(String(200))
    moved: Mapped[dict[str, Any]] = mapped_column(JSONType(), default=dict)
    unmerged_at: Mapped[datetime | None] = mapped_column(default=None)
    unmerged_by: Mapped[str | None] = mapped_column(String(200), default=None)
