"""identity: links to accounts at external OpenID Connect providers

Revision ID: identity_0003
Revises: identity_0002
Create Date: 2026-11-23 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import comptoir.kit.db.types as ct

revision: str = "identity_0003"
down_revision: str | None = "identity_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "identity_external_identities"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("user_id", ct.UUIDType(length=16), nullable=False),
        sa.Column("last_sign_in_at", ct.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", ct.UUIDType(length=16), nullable=False),
        sa.Column("created_at", ct.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", ct.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["identity_staff_users.id"],
            name=op.f(f"fk_{TABLE}_user_id_identity_staff_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{TABLE}")),
        sa.UniqueConstraint("provider", "subject", name=op.f(f"uq_{TABLE}_provider_subject")),
    )
    op.create_index(op.f(f"ix_{TABLE}_user_id"), TABLE, ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f(f"ix_{TABLE}_user_id"), table_name=TABLE)
    op.drop_table(TABLE)
