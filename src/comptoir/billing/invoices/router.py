"""The invoices' admin API, ``/api/v1/billing/...`` (scopes ``billing:read`` and
``billing:issue``): invoices, credit notes and proformas, settlements, the seller's identity,
channel policies and exchange rates."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from comptoir.billing.invoices import schemas, service
from comptoir.billing.invoices.models import Settlement
from comptoir.kit.errors import problem_responses
from comptoir.kit.http.access import Principal, requires
from comptoir.kit.http.transaction import DbSession
from comptoir.kit.ids import uuid7
from comptoir.kit.pagination import Page, PageParams

router = APIRouter(prefix="/billing", tags=["billing"])
READ = [requires("billing:read")]
ISSUE = [requires("billing:issue")]
Paging = Annotated[PageParams, Depends()]
Issuer = Annotated[Principal, requires("billing:issue")]


def _actor(principal: Principal) -> str:
    return principal.display_name or f"{principal.kind}:{principal.id}"


def _settlement_out(settlement: Settlement) -> schemas.SettlementOut:
    from comptoir.kit.money import Money, MoneyOut

    return schemas.SettlementOut(
        id=settlement.id,
        amount=MoneyOut.from_money(Money.from_minor(settlement.amount_minor, settlement.currency)),
        settled_on=settlement.settled_on,
        method=settlement.method,
        reference=settlement.reference,
        source_type=settlement.source_type,
        source_id=settlement.source_id,
    )


@router.get(
    "/invoices",
    dependencies=READ,
    response_model=Page[schemas.InvoiceSummary],
    responses=problem_responses(422),
)
def list_invoices(
    session: DbSession,
    paging: Paging,
    kind: schemas.InvoiceKind | None = None,
    status: schemas.InvoiceStatus | None = None,
    customer_id: uuid.UUID | None = None,
    issued_from: Annotated[date | None, Query(description="First issue day (included).")] = None,
    issued_to: Annotated[date | None, Query(description="Last issue day (included).")] = None,
    number: Annotated[str | None, Query(max_length=40, description="Number prefix.")] = None,
) -> Page[schemas.InvoiceSummary]:
    """Invoices, credit notes and proformas, newest first."""
    filters = service.InvoiceFilters(kind, status, customer_id, issued_from, issued_to, number)
    page = service.list_invoices(session, filters, limit=paging.limit, cursor=paging.cursor)
    return page.map(service.invoice_summary)


@router.post(
    "/invoices",
    dependencies=ISSUE,
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.InvoiceOut,
    responses=problem_responses(422),
)
def create_draft(session: DbSession, body: schemas.InvoiceDraftIn) -> schemas.InvoiceOut:
    """A draft B2B invoice or proforma; issue it to number it."""
    return service.invoice_out(session, service.create_draft(session, body))


@router.get(
    "/invoices/{invoice_id}",
    dependencies=READ,
    response_model=schemas.InvoiceOut,
    responses=problem_responses(404),
)
def get_invoice(session: DbSession, invoice_id: uuid.UUID) -> schemas.InvoiceOut:
    return service.invoice_out(session, service.get_invoice(session, invoice_id))


@router.put(
    "/invoices/{invoice_id}",
    dependencies=ISSUE,
    response_model=schemas.InvoiceOut,
    responses=problem_responses(404, 409, 422),
)
def update_draft(
    session: DbSession, invoice_id: uuid.UUID, body: schemas.InvoiceDraftIn
) -> schemas.InvoiceOut:
    """Replace a draft; an issued invoice is never changed (409 ``invoice-already-issued``)."""
    return service.invoice_out(session, service.update_draft(session, invoice_id, body))


@router.post(
    "/invoices/{invoice_id}/issue",
    response_model=schemas.InvoiceOut,
    responses=problem_responses(404, 409, 422),
)
def issue_invoice(
    session: DbSession, invoice_id: uuid.UUID, principal: Issuer
) -> schemas.InvoiceOut:
    """Number and date the draft, post it, emit ``invoice.issued``."""
    invoice = service.issue(session, invoice_id, actor=_actor(principal))
    return service.invoice_out(session, invoice)


@router.post(
    "/invoices/{invoice_id}/cancel",
    dependencies=ISSUE,
    response_model=schemas.InvoiceOut,
    responses=problem_responses(404, 409),
)
def cancel_draft(session: DbSession, invoice_id: uuid.UUID) -> schemas.InvoiceOut:
    """Cancel a draft or a proforma (an issued invoice takes a credit note instead)."""
    return service.invoice_out(session, service.cancel_draft(session, invoice_id))


@router.post(
    "/invoices/{invoice_id}/credit-notes",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.InvoiceOut,
    responses=problem_responses(404, 409, 422),
)
def create_credit_note(
    session: DbSession, invoice_id: uuid.UUID, body: schemas.CreditNoteIn, principal: Issuer
) -> schemas.InvoiceOut:
    """Credit some units of the invoice's lines, an amount including VAT spread over its VAT
    rates, or all that remains; issued at once. More than remains uncredited is refused (422
    ``over-credit``)."""
    if body.amount_minor is not None:
        note = service.credit_amount(
            session, invoice_id, amount_minor=body.amount_minor, reason=body.reason,
            source_type="manual", source_id=uuid7(), actor=_actor(principal),
        )  # fmt: skip
        return service.invoice_out(session, note)
    lines = None if body.lines is None else {line.line_id: line.quantity for line in body.lines}
    note = service.credit_note(
        session, invoice_id, lines=lines, reason=body.reason, source_type="manual",
        source_id=uuid7(), actor=_actor(principal),
    )  # fmt: skip
    return service.invoice_out(session, note)


@router.post(
    "/invoices/{invoice_id}/settlements",
    dependencies=ISSUE,
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.SettlementOut,
    responses=problem_responses(404, 409, 422),
)
def record_settlement(
    session: DbSession, invoice_id: uuid.UUID, body: schemas.SettlementIn
) -> schemas.SettlementOut:
    """Money received for the invoice (or paid back on a credit note), declared by staff."""
    settlement = service.settle(
        session, invoice_id, amount_minor=body.amount_minor, settled_on=body.settled_on,
        method=body.method, reference=body.reference, source_type="manual", source_id=uuid7(),
    )  # fmt: skip
    return _settlement_out(settlement)


@router.get(
    "/seller",
    dependencies=READ,
    response_model=schemas.SellerProfileOut,
    responses=problem_responses(409),
)
def get_seller(session: DbSession) -> schemas.SellerProfileOut:
    """The seller's identity (409 ``seller-not-configured`` until it is set)."""
    return schemas.SellerProfileOut.model_validate(service.get_seller(session))


@router.put(
    "/seller",
    dependencies=ISSUE,
    response_model=schemas.SellerProfileOut,
    responses=problem_responses(422),
)
def put_seller(session: DbSession, body: schemas.SellerProfileIn) -> schemas.SellerProfileOut:
    """Set the seller's identity: SIREN and SIRET keys and the VAT number's format are
    checked (422 ``invalid-seller-profile`` naming each field)."""
    return schemas.SellerProfileOut.model_validate(service.update_seller(session, body))


@router.get(
    "/channels/{channel_id}/invoicing",
    dependencies=READ,
    response_model=schemas.ChannelPolicyOut,
    responses=problem_responses(404),
)
def get_channel_policy(session: DbSession, channel_id: uuid.UUID) -> schemas.ChannelPolicyOut:
    """When the channel's orders are invoiced (on payment until set)."""
    return service.channel_policy(session, channel_id)


@router.put(
    "/channels/{channel_id}/invoicing",
    dependencies=ISSUE,
    response_model=schemas.ChannelPolicyOut,
    responses=problem_responses(404, 422),
)
def put_channel_policy(
    session: DbSession, channel_id: uuid.UUID, body: schemas.ChannelPolicyIn
) -> schemas.ChannelPolicyOut:
    return service.set_channel_policy(session, channel_id, body)


@router.get(
    "/exchange-rates",
    dependencies=READ,
    response_model=list[schemas.ExchangeRateOut],
    responses=problem_responses(422),
)
def list_exchange_rates(
    session: DbSession,
    currency: Annotated[str | None, Query(pattern=r"^[A-Za-z]{3}$")] = None,
) -> list[schemas.ExchangeRateOut]:
    """The latest 100 rates, newest first."""
    return [
        schemas.ExchangeRateOut.model_validate(rate)
        for rate in service.list_exchange_rates(session, currency=currency)
    ]


@router.post(
    "/exchange-rates",
    dependencies=ISSUE,
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.ExchangeRateOut,
    responses=problem_responses(422),
)
def record_exchange_rate(
    session: DbSession, body: schemas.ExchangeRateIn
) -> schemas.ExchangeRateOut:
    """Record (or correct) a currency's rate of a day."""
    return schemas.ExchangeRateOut.model_validate(service.record_exchange_rate(session, body))
