"""Supplier bills in the admin API, ``/api/v1/billing/bills`` (scopes ``billing:read`` and
``billing:issue``)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, status

from comptoir.billing.bills import schemas, service
from comptoir.billing.bills.views import bill_view
from comptoir.kit.errors import problem_responses, request_locale
from comptoir.kit.http.access import Principal, requires
from comptoir.kit.http.transaction import DbSession
from comptoir.kit.ids import uuid7
from comptoir.kit.money import Money
from comptoir.kit.pagination import Page, PageParams

router = APIRouter(prefix="/billing/bills", tags=["supplier bills"])
READ = [requires("billing:read")]
Issuer = Annotated[Principal, requires("billing:issue")]
Paging = Annotated[PageParams, Depends()]


def _actor(principal: Principal) -> str:
    return principal.display_name or f"{principal.kind}:{principal.id}"


@router.get("", dependencies=READ, response_model=Page[schemas.SupplierBill])
def list_bills(
    request: Request,
    session: DbSession,
    paging: Paging,
    status: schemas.BillStatus | None = None,
    supplier_id: uuid.UUID | None = None,
    purchase_order_id: uuid.UUID | None = None,
) -> Page[schemas.SupplierBill]:
    """Supplier bills, latest bill date first, by status, supplier and purchase order."""
    page = service.list_bills(
        session,
        status=status,
        supplier_id=supplier_id,
        purchase_order_id=purchase_order_id,
        limit=paging.limit,
        cursor=paging.cursor,
    )
    locale = request_locale(request)
    return page.map(lambda bill: bill_view(session, bill, locale))


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.SupplierBill,
    responses=problem_responses(404, 409),
)
def create_bill(
    request: Request, session: DbSession, body: schemas.BillCreate, principal: Issuer
) -> schemas.SupplierBill:
    """Record a supplier's bill as a draft. Without ``lines`` it is prefilled from the
    purchase order with what was received and not yet billed, at the order's unit cost
    (422 ``nothing-to-bill`` when nothing is left). The same supplier invoice number twice
    is 409 ``duplicate-supplier-invoice``."""
    bill = service.create_bill(session, body)
    return bill_view(session, bill, request_locale(request))


@router.get(
    "/{bill_id}",
    dependencies=READ,
    response_model=schemas.SupplierBill,
    responses=problem_responses(404),
)
def get_bill(request: Request, session: DbSession, bill_id: uuid.UUID) -> schemas.SupplierBill:
    """A bill with its lines, the three-way match figures per line, and its payments."""
    return bill_view(session, service.get_bill(session, bill_id), request_locale(request))


@router.patch(
    "/{bill_id}",
    response_model=schemas.SupplierBill,
    responses=problem_responses(404, 409),
)
def update_bill(
    request: Request,
    session: DbSession,
    bill_id: uuid.UUID,
    body: schemas.BillUpdate,
    principal: Issuer,
) -> schemas.SupplierBill:
    """Change a bill not yet approved; it goes back to draft."""
    bill = service.update_bill(session, bill_id, body)
    return bill_view(session, bill, request_locale(request))


@router.post(
    "/{bill_id}/match",
    response_model=schemas.SupplierBill,
    responses=problem_responses(404, 409),
)
def match_bill(
    request: Request, session: DbSession, bill_id: uuid.UUID, principal: Issuer
) -> schemas.SupplierBill:
    """Three-way match: ``matched`` when every line agrees with the order and its receipts,
    ``on_hold`` otherwise with each discrepancy named."""
    bill = service.match_bill(session, bill_id)
    return bill_view(session, bill, request_locale(request))


@router.post(
    "/{bill_id}/approve",
    response_model=schemas.SupplierBill,
    responses=problem_responses(404, 409),
)
def approve_bill(
    request: Request,
    session: DbSession,
    bill_id: uuid.UUID,
    body: schemas.ApproveRequest,
    principal: Issuer,
) -> schemas.SupplierBill:
    """Approve a bill (a draft is matched first). A bill on hold needs a ``reason``
    (422 ``approval-reason-required`` otherwise), recorded with who approved it."""
    bill = service.approve_bill(session, bill_id, actor=_actor(principal), reason=body.reason)
    return bill_view(session, bill, request_locale(request))


@router.post(
    "/{bill_id}/post",
    response_model=schemas.SupplierBill,
    responses=problem_responses(404, 409),
)
def post_bill(
    request: Request, session: DbSession, bill_id: uuid.UUID, principal: Issuer
) -> schemas.SupplierBill:
    """Post an approved bill to the purchases journal (AC)."""
    bill = service.post_bill(session, bill_id, actor=_actor(principal))
    return bill_view(session, bill, request_locale(request))


@router.post(
    "/{bill_id}/payments",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.SupplierBill,
    responses=problem_responses(404, 409),
)
def pay_bill(
    request: Request,
    session: DbSession,
    bill_id: uuid.UUID,
    body: schemas.PaymentIn,
    principal: Issuer,
) -> schemas.SupplierBill:
    """Record a payment to the supplier (posted D 401000 C 512000); partial payments leave
    the bill partially paid. More than is left to pay is 422 ``supplier-bill-overpaid``."""
    bill = service.get_bill(session, bill_id)
    service.record_payment(
        session,
        bill_id,
        amount_minor=Money(body.amount, bill.currency).minor_units,
        paid_on=body.paid_on,
        reference=body.reference,
        source_type="manual",
        source_id=uuid7(),
        actor=_actor(principal),
    )
    return bill_view(session, service.get_bill(session, bill_id), request_locale(request))
