"""orders: the marketplace's order id on imported orders

Revision ID: orders_0005
Revises: orders_0004
Create Date: 2026-11-23 18:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "orders_0005"
down_revision: str | None = "orders_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("orders_orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("external_reference", sa.String(length=100), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_orders_orders_channel_id_external_reference"),
            ["channel_id", "external_reference"],
        )


def downgrade() -> None:
    with op.batch_alter_table("orders_orders", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("uq_orders_orders_channel_id_external_reference"), type_="unique"
        )
        batch_op.drop_column("external_reference")
