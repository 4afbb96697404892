"""The weighted average cost of a variant, updated on receipt."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from comptoir.catalog import service
from comptoir.catalog.errors import CostCurrencyMismatch
from comptoir.kit.errors import InvalidInput
from comptoir.kit.money import Money
from tests.catalog.factories import make_variant


def test_the_first_receipt_sets_the_cost(session: Session) -> None:
    variant = make_variant(session)

    cost = service.record_receipt_cost(session, variant.id, 10, Money.from_minor(250, "EUR"))

    assert cost == Money.from_minor(250, "EUR")
    assert (variant.cost_unit_minor, variant.cost_quantity, variant.cost_value_minor) == (
        250,
        10,
        2500,
    )


def test_receipts_average_by_quantity_rounded_half_up(session: Session) -> None:
    variant = make_variant(session)
    service.record_receipt_cost(session, variant.id, 1, Money.from_minor(100, "EUR"))

    cost = service.record_receipt_cost(session, variant.id, 2, Money.from_minor(101, "EUR"))

    # (100 + 202) / 3 = 100.67 -> 101 minor units
    assert cost == Money.from_minor(101, "EUR")


def test_the_stock_on_hand_weighs_the_current_cost_when_given(session: Session) -> None:
    variant = make_variant(session)
    service.record_receipt_cost(session, variant.id, 100, Money.from_minor(200, "EUR"))

    cost = service.record_receipt_cost(
        session, variant.id, 10, Money.from_minor(400, "EUR"), on_hand_before=10
    )

    assert cost == Money.from_minor(300, "EUR")
    assert variant.cost_quantity == 20


def test_a_cost_in_another_currency_is_refused_and_nothing_changes(session: Session) -> None:
    variant = make_variant(session)
    service.record_receipt_cost(session, variant.id, 4, Money.from_minor(500, "EUR"))

    with pytest.raises(CostCurrencyMismatch):
        service.record_receipt_cost(session, variant.id, 4, Money.from_minor(500, "USD"))

    session.refresh(variant)
    assert (variant.cost_unit_minor, variant.cost_currency, variant.cost_quantity) == (
        500,
        "EUR",
        4,
    )


def test_a_quantity_below_one_is_refused(session: Session) -> None:
    variant = make_variant(session)

    with pytest.raises(InvalidInput) as caught:
        service.record_receipt_cost(session, variant.id, 0, Money.from_minor(500, "EUR"))

    assert caught.value.field == "quantity"
    session.refresh(variant)
    assert variant.cost_unit_minor is None
