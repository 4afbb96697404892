"""The weighted average unit cost of a variant, updated on every receipt."""

from __future__ import annotations

import uuid

from sqlalchemy import case, or_, update
from sqlalchemy.orm import Session

from comptoir.catalog.errors import CostCurrencyMismatch, VariantNotFound
from comptoir.catalog.models import Variant
from comptoir.kit.errors import InvalidInput
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.money import Money


def record_receipt_cost(
    session: Session,
    variant_id: uuid.UUID,
    quantity: int,
    unit_cost: Money,
    *,
    on_hand_before: int | None = None,
) -> Money:
    """Fold a receipt of ``quantity`` units bought at ``unit_cost`` into the variant's
    weighted average unit cost, and return the new average.

    The average is ``(value held + quantity x unit_cost) / (units held + quantity)``, rounded
    half-up to the minor unit. "Units held" is ``on_hand_before`` when the caller knows the
    stock on hand before the receipt (inventory does), else every unit received so far. One
    atomic UPDATE computes it in the database, so concurrent receipts never lose one.

    Raises :class:`InvalidInput` (``quantity``) for a quantity below 1 or a negative
    ``on_hand_before``, (``unit_cost``) for a negative cost; :class:`CostCurrencyMismatch` when
    the variant's cost is kept in another currency; :class:`VariantNotFound`.
    """
    if isinstance(quantity, bool) or quantity < 1:
        raise InvalidInput(_l("The quantity must be at least 1."), field="quantity")
    if unit_cost.is_negative:
        raise InvalidInput(_l("A cost cannot be negative."), field="unit_cost")
    if on_hand_before is not None and on_hand_before < 0:
        raise InvalidInput(_l("The quantity must be at least 0."), field="on_hand_before")
    received_minor = unit_cost.minor_units * quantity
    held_value = (
        Variant.cost_value_minor
        if on_hand_before is None
        else case((Variant.cost_unit_minor.is_(None), 0), else_=Variant.cost_unit_minor)
        * on_hand_before
    )
    held_quantity = Variant.cost_quantity if on_hand_before is None else on_hand_before
    new_value = held_value + received_minor
    new_quantity = held_quantity + quantity
    # Integer division truncates on both databases; (2v + q) // 2q rounds v / q half-up.
    result = session.execute(
        update(Variant)
        .where(
            Variant.id == variant_id,
            or_(Variant.cost_currency.is_(None), Variant.cost_currency == unit_cost.currency),
        )
        .values(
            cost_currency=unit_cost.currency,
            cost_value_minor=new_value,
            cost_quantity=new_quantity,
            cost_unit_minor=(new_value * 2 + new_quantity) // (new_quantity * 2),
        )
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
        variant = session.get(Variant, variant_id)
        if variant is None:
            raise VariantNotFound(field="variant_id")
        raise CostCurrencyMismatch(
            _l("This variant's cost is kept in {currency}."),
            field="unit_cost",
            currency=variant.cost_currency or "",
        )
    variant = session.get(Variant, variant_id)
    assert variant is not None
    session.refresh(variant)
    assert variant.cost_unit_minor is not None
    return Money.from_minor(variant.cost_unit_minor, unit_cost.currency)
