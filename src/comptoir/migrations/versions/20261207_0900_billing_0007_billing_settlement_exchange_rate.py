"""billing: the exchange rate of the day a foreign-currency settlement was received

Revision ID: billing_0007
Revises: billing_0006
Create Date: 2026-12-07 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "billing_0007"
down_revision: str | None = "billing_0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("billing_settlements", schema=None) as batch_op:
        batch_op.add_column(sa.Column("exchange_rate", sa.Numeric(18, 8), nullable=True))
        batch_op.add_column(sa.Column("exchange_rate_date", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("billing_settlements", schema=None) as batch_op:
        batch_op.drop_column("exchange_rate_date")
        batch_op.drop_column("exchange_rate")
