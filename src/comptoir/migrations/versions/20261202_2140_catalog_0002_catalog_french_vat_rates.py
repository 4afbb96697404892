"""catalog: French VAT classes and rates

Revision ID: catalog_0002
Revises: catalog_0001
Create Date: 2026-12-02 21:40:00

A data migration: every install starts with the four French VAT classes (standard,
intermediate, reduced, super-reduced; CGI art. 278 and following) and their dated rates,
including the rates in force before the 2014 change, so that past sales keep their rate.

Idempotent: a class whose code already exists is left as it is, with its rates. The rows get
fixed ids, so going back deletes exactly the rows inserted here, and only for a class that no
product uses and that has no rate of its own.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Final

import sqlalchemy as sa
from alembic import op

import comptoir.kit.db.types as ct

revision: str = "catalog_0002"
down_revision: str | None = "catalog_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Rate = tuple[str, str, date, date | None]  # id, percent, valid from, valid to (excluded)

# (id, code, name, rates in France); the ids are fixed so that the downgrade finds its rows.
FRENCH_VAT: Final[tuple[tuple[str, str, str, tuple[Rate, ...]], ...]] = (
    (
        "01a238b0-f532-701e-badd-5c0a3d17be1e",
        "fr-standard",
        "Taux normal",
        (
            ("01a238b0-f532-7022-89b5-8e22331dfc63", "19.6", date(2000, 4, 1), date(2014, 1, 1)),
            ("01a238b0-f532-7023-a027-7293728194c1", "20", date(2014, 1, 1), None),
        ),
    ),
    (
        "01a238b0-f532-701f-881b-6040821635ab",
        "fr-intermediate",
        "Taux intermédiaire",
        (
            ("01a238b0-f532-7024-a899-4d8dcefc64ec", "7", date(2012, 1, 1), date(2014, 1, 1)),
            ("01a238b0-f532-7025-a3e2-e82047e27287", "10", date(2014, 1, 1), None),
        ),
    ),
    (
        "01a238b0-f532-7020-9e0e-7ca7d61f1a3e",
        "fr-reduced",
        "Taux réduit",
        (("01a238b0-f532-7026-8d22-21c666a91c05", "5.5", date(2000, 1, 1), None),),
    ),
    (
        "01a238b0-f532-7021-ad31-c58c3f117161",
        "fr-super-reduced",
        "Taux particulier",
        (("01a238b0-f532-7027-b341-c48dfd4592a6", "2.1", date(2000, 1, 1), None),),
    ),
)

tax_classes = sa.table(
    "catalog_tax_classes",
    sa.column("id", ct.UUIDType(length=16)),
    sa.column("code", sa.String()),
    sa.column("name", sa.String()),
    sa.column("created_at", ct.UTCDateTime(timezone=True)),
    sa.column("updated_at", ct.UTCDateTime(timezone=True)),
)
tax_rates = sa.table(
    "catalog_tax_rates",
    sa.column("id", ct.UUIDType(length=16)),
    sa.column("tax_class_id", ct.UUIDType(length=16)),
    sa.column("country", sa.String()),
    sa.column("rate", sa.Numeric(7, 4)),
    sa.column("valid_from", sa.Date()),
    sa.column("valid_to", sa.Date()),
    sa.column("created_at", ct.UTCDateTime(timezone=True)),
    sa.column("updated_at", ct.UTCDateTime(timezone=True)),
)
products = sa.table("catalog_products", sa.column("tax_class_id", ct.UUIDType(length=16)))


def upgrade() -> None:
    connection = op.get_bind()
    now = datetime.now(UTC)
    existing = set(connection.scalars(sa.select(tax_classes.c.code)))
    for class_id, code, name, rates in FRENCH_VAT:
        if code in existing:
            continue
        connection.execute(
            tax_classes.insert().values(
                id=uuid.UUID(class_id), code=code, name=name, created_at=now, updated_at=now
            )
        )
        for rate_id, percent, valid_from, valid_to in rates:
            connection.execute(
                tax_rates.insert().values(
                    id=uuid.UUID(rate_id),
                    tax_class_id=uuid.UUID(class_id),
                    country="FR",
                    rate=Decimal(percent),
                    valid_from=valid_from,
                    valid_to=valid_to,
                    created_at=now,
                    updated_at=now,
                )
            )


def downgrade() -> None:
    connection = op.get_bind()
    for class_id, _code, _name, rates in FRENCH_VAT:
        tax_class_id = uuid.UUID(class_id)
        ours = [uuid.UUID(rate[0]) for rate in rates]
        used = connection.scalar(
            sa.select(sa.func.count())
            .select_from(products)
            .where(products.c.tax_class_id == tax_class_id)
        )
        others = connection.scalar(
            sa.select(sa.func.count())
            .select_from(tax_rates)
            .where(tax_rates.c.tax_class_id == tax_class_id, tax_rates.c.id.not_in(ours))
        )
        if used or others:
            continue
        connection.execute(tax_rates.delete().where(tax_rates.c.id.in_(ours)))
        connection.execute(tax_classes.delete().where(tax_classes.c.id == tax_class_id))
