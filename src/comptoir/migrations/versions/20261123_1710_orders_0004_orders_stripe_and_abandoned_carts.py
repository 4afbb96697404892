"""orders: Stripe events, payment failures, abandoned carts

Revision ID: orders_0004
Revises: orders_0001
Create Date: 2026-11-23 17:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import comptoir.kit.db.types as ct

revision: str = "orders_0004"
down_revision: str | None = "orders_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "orders_stripe_events",
        sa.Column("event_id", sa.String(length=255), nullable=False),
        sa.Column("type", sa.String(length=100), nullable=False),
        sa.Column("received_at", ct.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", ct.UUIDType(length=16), nullable=False),
        sa.Column("created_at", ct.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", ct.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders_stripe_events")),
        sa.UniqueConstraint("event_id", name=op.f("uq_orders_stripe_events_event_id")),
    )
    op.create_table(
        "orders_cart_abandonments",
        sa.Column("cart_id", ct.UUIDType(length=16), nullable=False),
        sa.Column("last_activity_at", ct.UTCDateTime(timezone=True), nullable=False),
        sa.Column("abandoned_at", ct.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", ct.UUIDType(length=16), nullable=False),
        sa.Column("created_at", ct.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", ct.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["cart_id"],
            ["orders_carts.id"],
            name=op.f("fk_orders_cart_abandonments_cart_id_orders_carts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders_cart_abandonments")),
        sa.UniqueConstraint(
            "cart_id",
            "last_activity_at",
            name=op.f("uq_orders_cart_abandonments_cart_id_last_activity_at"),
        ),
    )
    with op.batch_alter_table("orders_cart_abandonments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_orders_cart_abandonments_cart_id"), ["cart_id"], unique=False
        )
    with op.batch_alter_table("orders_payments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("failure_message", sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("orders_payments", schema=None) as batch_op:
        batch_op.drop_column("failure_message")
    with op.batch_alter_table("orders_cart_abandonments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_orders_cart_abandonments_cart_id"))
    op.drop_table("orders_cart_abandonments")
    op.drop_table("orders_stripe_events")
