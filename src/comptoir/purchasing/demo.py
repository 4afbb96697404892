"""BoutiqueNova's suppliers and purchase orders (one sent, one partly received, one draft)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from comptoir.catalog import service as catalog
from comptoir.catalog.schemas import ProductFilters
from comptoir.inventory import service as inventory
from comptoir.kit.settings import Settings
from comptoir.purchasing import service
from comptoir.purchasing.schemas import (
    PurchaseOrderCreate,
    PurchaseOrderLineCreate,
    ReceiveLine,
    ReceiveRequest,
    SupplierCreate,
    SupplierPriceCreate,
)

SUPPLIERS = (
    SupplierCreate(
        name="Brûlerie du Marais",
        contact_name="Camille Roux",
        email="commandes@brulerie-marais.example",
        siret="73282932000074",
        payment_terms_days=30,
        lead_time_days=5,
    ),
    SupplierCreate(
        name="Céramiques de Provence",
        contact_name="Louis Martin",
        email="pro@ceramiques-provence.example",
        payment_terms_days=45,
        lead_time_days=14,
    ),
    SupplierCreate(
        name="Nordic Home Supply",
        contact_name="Anna Lindqvist",
        email="orders@nordichome.example",
        currency="EUR",
        payment_terms_days=60,
        lead_time_days=21,
    ),
)


def seed_purchasing(session: Session, settings: Settings) -> str:
    """Suppliers, their prices for the first demo variants, and three purchase orders into
    the first warehouse. Idempotent: does nothing once the first supplier exists."""
    existing = service.list_suppliers(session, search=SUPPLIERS[0].name, limit=1)
    if existing.items:
        return "Purchasing: already seeded."
    suppliers = [service.create_supplier(session, data) for data in SUPPLIERS]
    variant_ids = [
        variant.id
        for product in catalog.list_products(
            session, ProductFilters(sort="title"), limit=6, cursor=None
        ).items
        for variant in catalog.product_out(session, product).variants
    ][:6]
    warehouses = inventory.list_locations(session, kind="warehouse") or inventory.list_locations(
        session
    )
    if not variant_ids or not warehouses:
        return f"Purchasing: {len(suppliers)} suppliers (no variants or locations for orders)."
    for index, variant_id in enumerate(variant_ids):
        service.set_supplier_price(
            session,
            suppliers[index % len(suppliers)].id,
            SupplierPriceCreate(
                variant_id=variant_id,
                supplier_sku=f"SUP-{index + 1:04d}",
                unit_cost=Decimal("3.50") + index,
                min_order_quantity=6,
                # the first price comes from further away than its supplier's usual goods
                lead_time_days=10 if index == 0 else None,
            ),
        )
    location_id = warehouses[0].id
    orders = []
    for index, supplier in enumerate(suppliers):
        mine = variant_ids[index::3] or variant_ids[:1]
        orders.append(
            service.create_purchase_order(
                session,
                PurchaseOrderCreate(
                    supplier_id=supplier.id,
                    location_id=location_id,
                    lines=[
                        PurchaseOrderLineCreate(
                            variant_id=variant_id, quantity=24, unit_cost=Decimal("3.50") + n
                        )
                        for n, variant_id in enumerate(mine)
                    ],
                ),
            )
        )
    service.send_purchase_order(session, orders[0].id)
    service.send_purchase_order(session, orders[1].id)
    service.receive_purchase_order(
        session,
        orders[1].id,
        ReceiveRequest(lines=[ReceiveLine(line_id=orders[1].lines[0].id, quantity=10)]),
    )
    return (
        f"Purchasing: {len(suppliers)} suppliers, {len(orders)} purchase orders "
        "(one sent, one partly received, one draft)."
    )
