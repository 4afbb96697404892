"""The link between a staff user and their account at an external OpenID Connect provider.

The link is the provider's key and its stable subject identifier (``sub``), never the e-mail
address: once linked, a staff user keeps signing in even if the address changes at the
provider, and someone who takes over an old address there does not inherit the account.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from comptoir.kit.db import Base, IdMixin, TimestampMixin


class ExternalIdentity(IdMixin, TimestampMixin, Base):
    """A staff user's account at one provider: ``(provider, subject)`` is unique."""

    __tablename__ = "identity_external_identities"
    __table_args__ = (UniqueConstraint("provider", "subject"),)

    provider: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("identity_staff_users.id", ondelete="CASCADE"), index=True
    )
    last_sign_in_at: Mapped[datetime | None] = mapped_column(default=None)
