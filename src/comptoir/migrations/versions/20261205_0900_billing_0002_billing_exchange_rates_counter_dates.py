"""billing: exchange rates of the day, the last issue date of each invoice series, credited lines

Revision ID: billing_0002
Revises: billing_0001
Create Date: 2026-12-05 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import comptoir.kit.db.types as ct

revision: str = "billing_0002"
down_revision: str | None = "billing_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "billing_exchange_rates",
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("rate_date", sa.Date(), nullable=False),
        sa.Column("rate", sa.Numeric(precision=18, scale=8), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=True),
        sa.Column("id", ct.UUIDType(length=16), nullable=False),
        sa.Column("created_at", ct.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", ct.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("rate > 0", name=op.f("ck_billing_exchange_rates_rate_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_billing_exchange_rates")),
        sa.UniqueConstraint(
            "currency", "rate_date", name=op.f("uq_billing_exchange_rates_currency_rate_date")
        ),
    )
    with op.batch_alter_table("billing_invoice_counters", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_issue_date", sa.Date(), nullable=True))
    with op.batch_alter_table("billing_invoices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("payment_terms_days", sa.Integer(), nullable=True))
    with op.batch_alter_table("billing_invoice_lines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("original_line_id", ct.UUIDType(length=16), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_billing_invoice_lines_original_line_id"), ["original_line_id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_billing_invoice_lines_original_line_id_billing_invoice_lines"),
            "billing_invoice_lines",
            ["original_line_id"],
            ["id"],
            ondelete="RESTRICT",
        )


def downgrade() -> None:
    with op.batch_alter_table("billing_invoice_lines", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_billing_invoice_lines_original_line_id_billing_invoice_lines"),
            type_="foreignkey",
        )
        batch_op.drop_index(batch_op.f("ix_billing_invoice_lines_original_line_id"))
        batch_op.drop_column("original_line_id")
    with op.batch_alter_table("billing_invoices", schema=None) as batch_op:
        batch_op.drop_column("payment_terms_days")
    with op.batch_alter_table("billing_invoice_counters", schema=None) as batch_op:
        batch_op.drop_column("last_issue_date")
    op.drop_table("billing_exchange_rates")
