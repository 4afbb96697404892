"""The expected date of a purchase order: given, or computed from the lead times of its lines
(the price list's, else the supplier's usual one)."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from comptoir.kit.clock import FrozenClock
from comptoir.purchasing import service
from comptoir.purchasing.models import Supplier
from comptoir.purchasing.schemas import (
    PurchaseOrderCreate,
    PurchaseOrderLineCreate,
    SupplierPriceCreate,
)
from tests.catalog.factories import make_variant
from tests.purchasing.factories import make_supplier

# The ``clock`` fixture stands at 2026-11-23 10:00 UTC.
TODAY = date(2026, 11, 23)


def _price(
    session: Session, supplier: Supplier, variant_id: uuid.UUID, lead_time_days: int | None
) -> None:
    service.set_supplier_price(
        session,
        supplier.id,
        SupplierPriceCreate(
            variant_id=variant_id,
            supplier_sku=f"REF-{variant_id.hex[-12:]}",
            unit_cost=Decimal("2.00"),
            lead_time_days=lead_time_days,
        ),
    )


def _order(
    session: Session,
    supplier: Supplier,
    location_id: uuid.UUID,
    variant_ids: list[uuid.UUID],
    expected_on: date | None = None,
) -> date | None:
    order = service.create_purchase_order(
        session,
        PurchaseOrderCreate(
            supplier_id=supplier.id,
            location_id=location_id,
            expected_on=expected_on,
            lines=[
                PurchaseOrderLineCreate(variant_id=v, quantity=5, unit_cost=Decimal("2"))
                for v in variant_ids
            ],
        ),
    )
    return order.expected_on


def test_the_longest_price_list_lead_time_sets_the_expected_date(
    session: Session, location_id: uuid.UUID, clock: FrozenClock
) -> None:
    # given a supplier usually delivering in 5 days, one price at 12 days and one at 3
    supplier = make_supplier(session, lead_time_days=5)
    slow, fast = make_variant(session).id, make_variant(session).id
    _price(session, supplier, slow, 12)
    _price(session, supplier, fast, 3)

    # when both are ordered without an expected date
    expected = _order(session, supplier, location_id, [fast, slow])

    # then the order is expected when the slowest line arrives
    assert expected == date(2026, 12, 5)


def test_a_line_without_its_own_lead_time_counts_the_supplier_usual_one(
    session: Session, location_id: uuid.UUID, clock: FrozenClock
) -> None:
    # given a supplier usually delivering in 9 days, a price at 4 days, a price without lead
    # time and a variant not on its price list at all
    supplier = make_supplier(session, lead_time_days=9)
    quick, usual, unlisted = (make_variant(session).id for _ in range(3))
    _price(session, supplier, quick, 4)
    _price(session, supplier, usual, None)

    # when each is ordered alone
    only_quick = _order(session, supplier, location_id, [quick])
    only_usual = _order(session, supplier, location_id, [usual])
    only_unlisted = _order(session, supplier, location_id, [unlisted])

    # then the usual lead time stands in where the price list gives none
    assert (only_quick, only_usual, only_unlisted) == (
        date(2026, 11, 27),
        date(2026, 12, 2),
        date(2026, 12, 2),
    )


def test_a_given_expected_date_is_kept(
    session: Session, location_id: uuid.UUID, variant_id: uuid.UUID, clock: FrozenClock
) -> None:
    # given a price at 30 days
    supplier = make_supplier(session, lead_time_days=30)
    _price(session, supplier, variant_id, 30)

    # when the order says when it is expected
    expected = _order(session, supplier, location_id, [variant_id], expected_on=TODAY)

    # then that date stays
    assert expected == TODAY


def test_a_zero_lead_time_expects_the_order_today(
    session: Session, location_id: uuid.UUID, variant_id: uuid.UUID, clock: FrozenClock
) -> None:
    supplier = make_supplier(session, lead_time_days=0)

    assert _order(session, supplier, location_id, [variant_id]) == TODAY
