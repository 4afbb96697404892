"""Purchasing's admin API, ``/api/v1/purchasing/...`` (scopes ``purchasing:read`` and
``purchasing:write``)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Response, status

from comptoir.kit.errors import problem_responses
from comptoir.kit.http.access import requires
from comptoir.kit.http.transaction import DbSession
from comptoir.kit.pagination import Page, PageParams
from comptoir.purchasing import schemas, service

router = APIRouter(prefix="/purchasing", tags=["purchasing"])
READ = [requires("purchasing:read")]
WRITE = [requires("purchasing:write")]
Paging = Annotated[PageParams, Depends()]


@router.get("/suppliers", dependencies=READ, response_model=Page[schemas.Supplier])
def list_suppliers(
    session: DbSession, paging: Paging, q: str | None = None
) -> Page[schemas.Supplier]:
    """Suppliers by name; ``q`` searches the name."""
    page = service.list_suppliers(session, search=q, limit=paging.limit, cursor=paging.cursor)
    return page.map(schemas.Supplier.model_validate)


@router.post(
    "/suppliers",
    dependencies=WRITE,
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.Supplier,
    responses=problem_responses(409),
)
def create_supplier(session: DbSession, body: schemas.SupplierCreate) -> schemas.Supplier:
    return schemas.Supplier.model_validate(service.create_supplier(session, body))


@router.get(
    "/suppliers/{supplier_id}",
    dependencies=READ,
    response_model=schemas.Supplier,
    responses=problem_responses(404),
)
def get_supplier(session: DbSession, supplier_id: uuid.UUID) -> schemas.Supplier:
    return schemas.Supplier.model_validate(service.get_supplier(session, supplier_id))


@router.patch(
    "/suppliers/{supplier_id}",
    dependencies=WRITE,
    response_model=schemas.Supplier,
    responses=problem_responses(404, 409),
)
def update_supplier(
    session: DbSession, supplier_id: uuid.UUID, body: schemas.SupplierUpdate
) -> schemas.Supplier:
    return schemas.Supplier.model_validate(service.update_supplier(session, supplier_id, body))


@router.get(
    "/suppliers/{supplier_id}/prices",
    dependencies=READ,
    response_model=list[schemas.SupplierPrice],
    responses=problem_responses(404),
)
def supplier_prices(session: DbSession, supplier_id: uuid.UUID) -> list[schemas.SupplierPrice]:
    """The supplier's price list, by supplier reference."""
    return service.supplier_prices(session, supplier_id)


@router.put(
    "/suppliers/{supplier_id}/prices",
    dependencies=WRITE,
    response_model=schemas.SupplierPrice,
    responses=problem_responses(404, 409),
)
def set_supplier_price(
    session: DbSession, supplier_id: uuid.UUID, body: schemas.SupplierPriceCreate
) -> schemas.SupplierPrice:
    """Record or replace the supplier's price for a variant."""
    price = service.set_supplier_price(session, supplier_id, body)
    return service.price_view(price, service.get_supplier(session, supplier_id))


@router.delete(
    "/suppliers/{supplier_id}/prices/{variant_id}",
    dependencies=WRITE,
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(404),
)
def remove_supplier_price(
    session: DbSession, supplier_id: uuid.UUID, variant_id: uuid.UUID
) -> Response:
    """Take a variant off the supplier's price list (404 ``supplier-price-not-found`` when
    it is not on it); orders already made keep their cost."""
    service.remove_supplier_price(session, supplier_id, variant_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/orders", dependencies=READ, response_model=Page[schemas.PurchaseOrder])
def list_orders(
    session: DbSession,
    paging: Paging,
    status: schemas.OrderStatus | None = None,
    supplier_id: uuid.UUID | None = None,
) -> Page[schemas.PurchaseOrder]:
    """Purchase orders, newest first."""
    page = service.list_purchase_orders(
        session, status=status, supplier_id=supplier_id, limit=paging.limit, cursor=paging.cursor
    )
    return page.map(lambda order: service.order_view(session, order))


@router.post(
    "/orders",
    dependencies=WRITE,
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.PurchaseOrder,
    responses=problem_responses(404, 409),
)
def create_order(session: DbSession, body: schemas.PurchaseOrderCreate) -> schemas.PurchaseOrder:
    """A draft purchase order; lines without a unit cost take the supplier's price list."""
    return service.order_view(session, service.create_purchase_order(session, body))


@router.get(
    "/orders/{order_id}",
    dependencies=READ,
    response_model=schemas.PurchaseOrder,
    responses=problem_responses(404),
)
def get_order(session: DbSession, order_id: uuid.UUID) -> schemas.PurchaseOrder:
    return service.order_view(session, service.get_purchase_order(session, order_id))


@router.post(
    "/orders/{order_id}/send",
    dependencies=WRITE,
    response_model=schemas.PurchaseOrder,
    responses=problem_responses(404, 409),
)
def send_order(session: DbSession, order_id: uuid.UUID) -> schemas.PurchaseOrder:
    """Mark a draft as sent to the supplier."""
    return service.order_view(session, service.send_purchase_order(session, order_id))


@router.post(
    "/orders/{order_id}/cancel",
    dependencies=WRITE,
    response_model=schemas.PurchaseOrder,
    responses=problem_responses(404, 409),
)
def cancel_order(session: DbSession, order_id: uuid.UUID) -> schemas.PurchaseOrder:
    """Cancel a draft or sent order (nothing received yet)."""
    return service.order_view(session, service.cancel_purchase_order(session, order_id))


@router.post(
    "/orders/{order_id}/receipts",
    dependencies=WRITE,
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.PurchaseOrder,
    responses=problem_responses(404, 409),
)
def receive_order(
    session: DbSession, order_id: uuid.UUID, body: schemas.ReceiveRequest
) -> schemas.PurchaseOrder:
    """Receive a delivery into the order's location: stock, ledger and average cost are
    updated; more than ordered is refused (422 ``over-receipt``) with nothing changed."""
    service.receive_purchase_order(session, order_id, body)
    return service.order_view(session, service.get_purchase_order(session, order_id))
