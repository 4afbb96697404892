"""Suppliers and their price lists."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comptoir.catalog import service as catalog
from comptoir.kit.errors import NotFound
from comptoir.kit.money import Money, MoneyOut
from comptoir.kit.pagination import Page, paginate
from comptoir.purchasing.errors import (
    SupplierNameTaken,
    SupplierNotFound,
    SupplierPriceConflict,
    SupplierPriceNotFound,
)
from comptoir.purchasing.models import Supplier, SupplierPrice
from comptoir.purchasing.schemas import SupplierCreate, SupplierPriceCreate, SupplierUpdate
from comptoir.purchasing.schemas import SupplierPrice as SupplierPriceOut


def create_supplier(session: Session, data: SupplierCreate) -> Supplier:
    """Add a supplier. Raises :class:`SupplierNameTaken` (field "name") when another
    supplier has the same name (case-insensitive)."""
    _refuse_taken_name(session, data.name)
    supplier = Supplier(**data.model_dump())
    session.add(supplier)
    session.flush()
    return supplier


def update_supplier(session: Session, supplier_id: uuid.UUID, data: SupplierUpdate) -> Supplier:
    """Change the fields given in ``data``. Raises :class:`SupplierNotFound`,
    :class:`SupplierNameTaken`."""
    supplier = get_supplier(session, supplier_id)
    changes = data.model_dump(exclude_unset=True)
    if changes.get("name") is not None and changes["name"] != supplier.name:
        _refuse_taken_name(session, changes["name"], but=supplier.id)
    for name, value in changes.items():
        if value is not None or name in {"contact_name", "email", "phone", "siret"}:
            setattr(supplier, name, value)
    session.flush()
    return supplier


def _refuse_taken_name(session: Session, name: str, *, but: uuid.UUID | None = None) -> None:
    stmt = select(Supplier.id).where(func.lower(Supplier.name) == name.strip().lower())
    if but is not None:
        stmt = stmt.where(Supplier.id != but)
    if session.scalars(stmt).first() is not None:
        raise SupplierNameTaken(field="name")


def require_variant(session: Session, variant_id: uuid.UUID, field: str) -> None:
    """Raises the catalogue's not-found error, naming ``field``, for an unknown variant."""
    try:
        catalog.variant_summary(session, variant_id)
    except NotFound as exc:
        raise type(exc)(field=field) from None


def get_supplier(session: Session, supplier_id: uuid.UUID) -> Supplier:
    """The supplier. Raises :class:`SupplierNotFound`."""
    supplier = session.get(Supplier, supplier_id)
    if supplier is None:
        raise SupplierNotFound(field="supplier_id")
    return supplier


def list_suppliers(
    session: Session,
    *,
    search: str | None = None,
    active_only: bool = False,
    limit: int = 50,
    cursor: str | None = None,
) -> Page[Supplier]:
    """Suppliers by name, optionally only those whose name contains ``search``."""
    stmt = select(Supplier)
    if search:
        stmt = stmt.where(func.lower(Supplier.name).contains(search.strip().lower()))
    if active_only:
        stmt = stmt.where(Supplier.is_active.is_(True))
    return paginate(
        session,
        stmt,
        order_by=[(Supplier.name, "asc")],
        id_column=Supplier.id,
        limit=limit,
        cursor=cursor,
    )


def set_supplier_price(
    session: Session, supplier_id: uuid.UUID, data: SupplierPriceCreate
) -> SupplierPrice:
    """Record (or replace) what the supplier charges for a variant, in the supplier's
    currency. Raises :class:`SupplierNotFound`, :class:`SupplierPriceConflict` (field
    "supplier_sku") when the supplier reference is used for another variant."""
    supplier = get_supplier(session, supplier_id)
    require_variant(session, data.variant_id, "variant_id")
    clash = session.scalars(
        select(SupplierPrice).where(
            SupplierPrice.supplier_id == supplier.id,
            SupplierPrice.supplier_sku == data.supplier_sku,
            SupplierPrice.variant_id != data.variant_id,
        )
    ).first()
    if clash is not None:
        raise SupplierPriceConflict(field="supplier_sku")
    price = session.scalars(
        select(SupplierPrice).where(
            SupplierPrice.supplier_id == supplier.id, SupplierPrice.variant_id == data.variant_id
        )
    ).first()
    if price is None:
        price = SupplierPrice(supplier_id=supplier.id, variant_id=data.variant_id)
        session.add(price)
    price.supplier_sku = data.supplier_sku
    price.currency = supplier.currency
    price.unit_cost_minor = Money(data.unit_cost, supplier.currency).round().minor_units
    price.min_order_quantity = data.min_order_quantity
    price.lead_time_days = data.lead_time_days
    session.flush()
    return price


def remove_supplier_price(session: Session, supplier_id: uuid.UUID, variant_id: uuid.UUID) -> None:
    """Take the variant off the supplier's price list (orders already made keep their
    cost). Raises :class:`SupplierNotFound`, :class:`SupplierPriceNotFound` (field
    "variant_id") when the price list has no price for it."""
    supplier = get_supplier(session, supplier_id)
    price = session.scalars(
        select(SupplierPrice).where(
            SupplierPrice.supplier_id == supplier.id, SupplierPrice.variant_id == variant_id
        )
    ).first()
    if price is None:
        raise SupplierPriceNotFound(field="variant_id")
    session.delete(price)
    session.flush()


def supplier_prices(session: Session, supplier_id: uuid.UUID) -> list[SupplierPriceOut]:
    """The supplier's price list, by supplier reference. Raises :class:`SupplierNotFound`."""
    supplier = get_supplier(session, supplier_id)
    prices = session.scalars(
        select(SupplierPrice)
        .where(SupplierPrice.supplier_id == supplier.id)
        .order_by(SupplierPrice.supplier_sku)
    )
    return [price_view(price, supplier) for price in prices]


def price_for(session: Session, supplier_id: uuid.UUID, variant_id: uuid.UUID) -> Money | None:
    """The supplier's unit cost for the variant, if its price list has one."""
    price = session.scalars(
        select(SupplierPrice).where(
            SupplierPrice.supplier_id == supplier_id, SupplierPrice.variant_id == variant_id
        )
    ).first()
    return None if price is None else Money.from_minor(price.unit_cost_minor, price.currency)


def price_view(price: SupplierPrice, supplier: Supplier) -> SupplierPriceOut:
    return SupplierPriceOut(
        id=price.id,
        supplier_id=price.supplier_id,
        variant_id=price.variant_id,
        supplier_sku=price.supplier_sku,
        unit_cost=MoneyOut.from_money(Money.from_minor(price.unit_cost_minor, price.currency)),
        min_order_quantity=price.min_order_quantity,
        lead_time_days=(
            price.lead_time_days if price.lead_time_days is not None else supplier.lead_time_days
        ),
        lead_time_from="supplier" if price.lead_time_days is None else "price_list",
    )
