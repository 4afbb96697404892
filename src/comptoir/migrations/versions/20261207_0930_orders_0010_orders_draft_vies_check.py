"""orders: the VIES check of a draft order's VAT number

Revision ID: orders_0010
Revises: orders_0006
Create Date: 2026-12-07 09:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import comptoir.kit.db.types as ct

revision: str = "orders_0010"
down_revision: str | None = "orders_0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("orders_drafts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("vat_checked_at", ct.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("vat_check_valid", sa.Boolean(), nullable=True))
        batch_op.add_column(
            sa.Column("vat_check_request_identifier", sa.String(length=64), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("orders_drafts", schema=None) as batch_op:
        batch_op.drop_column("vat_check_request_identifier")
        batch_op.drop_column("vat_check_valid")
        batch_op.drop_column("vat_checked_at")
