"""identity: shopper e-mail verification

Revision ID: shoppers_0002
Revises: shoppers_0001
Create Date: 2026-12-03 10:00:00

Accounts note when their address was verified and keep the consent boxes ticked at sign-up
until then; verification links are stored as the SHA-256 of their token. Accounts opened
before this revision stay unverified (and keep the customer they were tied to).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import comptoir.kit.db.types as ct

revision: str = "shoppers_0002"
down_revision: str | None = "shoppers_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("identity_shoppers", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("email_verified_at", ct.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("pending_consents", ct.JSONType(), nullable=True))

    op.create_table(
        "identity_shopper_email_verifications",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("shopper_id", ct.UUIDType(length=16), nullable=False),
        sa.Column("locale", sa.String(length=5), nullable=False),
        sa.Column("expires_at", ct.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", ct.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", ct.UUIDType(length=16), nullable=False),
        sa.Column("created_at", ct.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", ct.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["shopper_id"],
            ["identity_shoppers.id"],
            name=op.f("fk_identity_shopper_email_verifications_shopper_id_identity_shoppers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_shopper_email_verifications")),
        sa.UniqueConstraint(
            "token_hash", name=op.f("uq_identity_shopper_email_verifications_token_hash")
        ),
    )
    with op.batch_alter_table("identity_shopper_email_verifications", schema=None) as batch_op:
        batch_op.create_index(
            "ix_identity_shopper_email_verifications_shopper_created",
            ["shopper_id", "created_at"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("identity_shopper_email_verifications", schema=None) as batch_op:
        batch_op.drop_index("ix_identity_shopper_email_verifications_shopper_created")
    op.drop_table("identity_shopper_email_verifications")
    with op.batch_alter_table("identity_shoppers", schema=None) as batch_op:
        batch_op.drop_column("pending_consents")
        batch_op.drop_column("email_verified_at")
