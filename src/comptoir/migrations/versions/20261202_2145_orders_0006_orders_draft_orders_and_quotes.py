"""orders: draft orders and quotes

Revision ID: orders_0006
Revises: orders_0004
Create Date: 2026-12-02 21:45:07.635527
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import comptoir.kit.db.types as ct

revision: str = "orders_0006"
down_revision: str | None = "orders_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "orders_drafts",
        sa.Column("number", sa.String(length=80), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("channel_id", ct.UUIDType(length=16), nullable=False),
        sa.Column("customer_id", ct.UUIDType(length=16), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("prices_include_tax", sa.Boolean(), nullable=False),
        sa.Column("destination_country", sa.String(length=2), nullable=True),
        sa.Column("delivery_method", sa.String(length=16), nullable=False),
        sa.Column("vat_number", sa.String(length=20), nullable=True),
        sa.Column("vat_scheme", sa.String(length=16), nullable=False),
        sa.Column("billing_address", sa.LargeBinary(), nullable=True),
        sa.Column("shipping_address", sa.LargeBinary(), nullable=True),
        sa.Column("payment_method", sa.String(length=16), nullable=False),
        sa.Column("payment_terms_days", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("total_net_minor", sa.BigInteger(), nullable=False),
        sa.Column("total_tax_minor", sa.BigInteger(), nullable=False),
        sa.Column("total_gross_minor", sa.BigInteger(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=True),
        sa.Column("quote_number", sa.String(length=80), nullable=True),
        sa.Column("quote_sent_at", ct.UTCDateTime(timezone=True), nullable=True),
        sa.Column("quote_expires_at", ct.UTCDateTime(timezone=True), nullable=True),
        sa.Column("accepted_at", ct.UTCDateTime(timezone=True), nullable=True),
        sa.Column("declined_at", ct.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decline_reason", sa.String(length=500), nullable=True),
        sa.Column("confirmed_at", ct.UTCDateTime(timezone=True), nullable=True),
        sa.Column("order_id", ct.UUIDType(length=16), nullable=True),
        sa.Column("id", ct.UUIDType(length=16), nullable=False),
        sa.Column("created_at", ct.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", ct.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "payment_method IN ('bank_transfer', 'manual')",
            name=op.f("ck_orders_drafts_payment_method"),
        ),
        sa.CheckConstraint(
            "status IN ('draft', 'quote_sent', 'accepted', 'declined', 'expired', 'confirmed')",
            name=op.f("ck_orders_drafts_status"),
        ),
        sa.CheckConstraint(
            "payment_terms_days IS NULL OR payment_terms_days BETWEEN 0 AND 120",
            name=op.f("ck_orders_drafts_payment_terms_days"),
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels_channels.id"],
            name=op.f("fk_orders_drafts_channel_id_channels_channels"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders_orders.id"],
            name=op.f("fk_orders_drafts_order_id_orders_orders"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders_drafts")),
        sa.UniqueConstraint("number", name=op.f("uq_orders_drafts_number")),
        sa.UniqueConstraint("order_id", name=op.f("uq_orders_drafts_order_id")),
        sa.UniqueConstraint("quote_number", name=op.f("uq_orders_drafts_quote_number")),
    )
    with op.batch_alter_table("orders_drafts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_orders_drafts_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(
            "ix_orders_drafts_status_created", ["status", "created_at"], unique=False
        )

    op.create_table(
        "orders_draft_lines",
        sa.Column("draft_id", ct.UUIDType(length=16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("variant_id", ct.UUIDType(length=16), nullable=False),
        sa.Column("sku", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(length=600), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("list_price_minor", sa.BigInteger(), nullable=False),
        sa.Column("agreed_price_minor", sa.BigInteger(), nullable=True),
        sa.Column("price_reason", sa.String(length=200), nullable=True),
        sa.Column("unit_price_minor", sa.BigInteger(), nullable=False),
        sa.Column("unit_price_excl_minor", sa.BigInteger(), nullable=False),
        sa.Column("unit_price_incl_minor", sa.BigInteger(), nullable=False),
        sa.Column("vat_rate", sa.Numeric(precision=7, scale=4), nullable=False),
        sa.Column("vat_category", sa.String(length=4), nullable=False),
        sa.Column("total_minor", sa.BigInteger(), nullable=False),
        sa.Column("id", ct.UUIDType(length=16), nullable=False),
        sa.Column("created_at", ct.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", ct.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "agreed_price_minor IS NULL OR agreed_price_minor >= 0",
            name=op.f("ck_orders_draft_lines_agreed_price_positive"),
        ),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_orders_draft_lines_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["draft_id"],
            ["orders_drafts.id"],
            name=op.f("fk_orders_draft_lines_draft_id_orders_drafts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["variant_id"],
            ["catalog_variants.id"],
            name=op.f("fk_orders_draft_lines_variant_id_catalog_variants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders_draft_lines")),
        sa.UniqueConstraint(
            "draft_id", "variant_id", name=op.f("uq_orders_draft_lines_draft_id_variant_id")
        ),
    )
    with op.batch_alter_table("orders_draft_lines", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_orders_draft_lines_draft_id"), ["draft_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("orders_draft_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_orders_draft_lines_draft_id"))

    op.drop_table("orders_draft_lines")
    with op.batch_alter_table("orders_drafts", schema=None) as batch_op:
        batch_op.drop_index("ix_orders_drafts_status_created")
        batch_op.drop_index(batch_op.f("ix_orders_drafts_customer_id"))

    op.drop_table("orders_drafts")
