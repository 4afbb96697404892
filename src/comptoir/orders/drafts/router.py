"""Draft orders and quotes in the admin API, ``/api/v1/orders/drafts``: staff prepare an
order for a customer, send it as a quote, record the answer and confirm it into an order."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from comptoir.kit.errors import problem_responses
from comptoir.kit.http.access import Principal, requires
from comptoir.kit.http.transaction import DbSession
from comptoir.kit.pagination import Page, PageParams
from comptoir.orders import schemas as order_schemas
from comptoir.orders import service as orders
from comptoir.orders.drafts import schemas, service
from comptoir.orders.drafts.confirm import confirm_draft
from comptoir.orders.drafts.views import draft_out, draft_summary

router = APIRouter(prefix="/orders/drafts", tags=["draft orders"])

READ = [requires("orders:read")]
Writer = Annotated[Principal, requires("orders:write")]


def _actor(principal: Principal) -> str:
    return principal.display_name or f"{principal.kind}:{principal.id}"


@router.get("", dependencies=READ, response_model=Page[schemas.DraftSummary])
def list_drafts(
    session: DbSession,
    paging: Annotated[PageParams, Depends()],
    status: schemas.DraftStatus | None = None,
    customer_id: uuid.UUID | None = None,
) -> Page[schemas.DraftSummary]:
    """Drafts and quotes, newest first, by status and customer."""
    filters = schemas.DraftFilters(status=status, customer_id=customer_id)
    page = service.list_drafts(session, filters, limit=paging.limit, cursor=paging.cursor)
    return page.map(lambda draft: draft_summary(session, draft))


@router.post(
    "",
    status_code=201,
    response_model=schemas.DraftOut,
    responses=problem_responses(409, 422),
)
def create_draft(
    session: DbSession, body: schemas.DraftCreate, principal: Writer
) -> schemas.DraftOut:
    """A draft order for a customer on a channel, its lines priced from the catalogue for
    the customer's group (or at the prices agreed). Accepts ``Idempotency-Key``."""
    draft = service.create_draft(session, body, actor=_actor(principal))
    return draft_out(session, draft)


@router.get(
    "/{draft_id}",
    dependencies=READ,
    response_model=schemas.DraftOut,
    responses=problem_responses(404),
)
def get_draft(session: DbSession, draft_id: uuid.UUID) -> schemas.DraftOut:
    """The draft, its lines, VAT per rate and what became of it."""
    return draft_out(session, service.get_draft(session, draft_id))


@router.patch(
    "/{draft_id}",
    response_model=schemas.DraftOut,
    responses=problem_responses(404, 409, 422),
)
def update_draft(
    session: DbSession, draft_id: uuid.UUID, body: schemas.DraftUpdate, principal: Writer
) -> schemas.DraftOut:
    """Change a draft's addresses, delivery method, VAT number, payment method and terms or
    note; it is priced afresh."""
    changes = body.model_dump(exclude_unset=True)
    return draft_out(session, service.update_draft(session, draft_id, changes))


@router.put(
    "/{draft_id}/lines",
    response_model=schemas.DraftOut,
    responses=problem_responses(404, 409, 422),
)
def set_lines(
    session: DbSession, draft_id: uuid.UUID, body: schemas.DraftLines, principal: Writer
) -> schemas.DraftOut:
    """Replace the draft's lines (lines left out are removed); it is priced afresh."""
    return draft_out(session, service.set_lines(session, draft_id, body.lines))


@router.post(
    "/{draft_id}/send",
    response_model=schemas.DraftOut,
    responses=problem_responses(404, 409, 422),
)
def send_quote(
    session: DbSession, draft_id: uuid.UUID, body: schemas.QuoteSend, principal: Writer
) -> schemas.DraftOut:
    """Send the draft as a quote: numbered, its prices held for ``valid_days``. Emits
    ``quote.sent``."""
    draft = service.send_quote(
        session, draft_id, valid_days=body.valid_days, actor=_actor(principal)
    )
    return draft_out(session, draft)


@router.post(
    "/{draft_id}/accept",
    response_model=schemas.DraftOut,
    responses=problem_responses(404, 409),
)
def accept_quote(session: DbSession, draft_id: uuid.UUID, principal: Writer) -> schemas.DraftOut:
    """Record that the customer accepted the quote before it expired. Emits
    ``quote.accepted``."""
    return draft_out(session, service.accept_quote(session, draft_id))


@router.post(
    "/{draft_id}/decline",
    response_model=schemas.DraftOut,
    responses=problem_responses(404, 409, 422),
)
def decline_quote(
    session: DbSession, draft_id: uuid.UUID, body: schemas.QuoteDecline, principal: Writer
) -> schemas.DraftOut:
    """Record that the customer declined the quote."""
    return draft_out(session, service.decline_quote(session, draft_id, reason=body.reason))


def _production(request: Request) -> bool:
    return bool(request.app.state.settings.environment == "production")


@router.post(
    "/{draft_id}/confirm",
    status_code=201,
    response_model=order_schemas.OrderDetail,
    responses=problem_responses(404, 409, 422),
)
def confirm(
    request: Request, session: DbSession, draft_id: uuid.UUID, principal: Writer
) -> order_schemas.OrderDetail:
    """Turn a draft, or an accepted quote, into an order: stock allocated, numbered,
    ``order.placed`` emitted, payment pending (bank transfer or manual). Without enough
    stock: 409 ``insufficient-stock`` naming the line, and the draft stays as it was."""
    order = confirm_draft(
        session, draft_id, production=_production(request), actor=_actor(principal)
    )
    return orders.order_detail(session, order)


@router.delete(
    "/{draft_id}",
    status_code=204,
    responses=problem_responses(404, 409),
)
def delete_draft(session: DbSession, draft_id: uuid.UUID, principal: Writer) -> Response:
    """Delete a draft, or a declined or expired quote."""
    service.delete_draft(session, draft_id)
    return Response(status_code=204)
