"""``POST /api/v1/orders/marketplace-imports``: a marketplace's orders, imported once each."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request

from comptoir.kit.errors import problem_responses, request_locale
from comptoir.kit.http.access import Principal, requires
from comptoir.kit.http.transaction import DbSession
from comptoir.orders.marketplace import service
from comptoir.orders.marketplace.schemas import MarketplaceImport, MarketplaceImportReport
from comptoir.orders.marketplace.views import report_out

router = APIRouter(prefix="/orders", tags=["orders"])


@router.post(
    "/marketplace-imports",
    response_model=MarketplaceImportReport,
    responses=problem_responses(404),
)
def import_marketplace_orders(
    request: Request,
    session: DbSession,
    body: MarketplaceImport,
    principal: Annotated[Principal, requires("orders:write")],
) -> MarketplaceImportReport:
    """Import orders a marketplace took: each is placed paid (or awaiting payment), with
    its stock allocated from the channel's locations, or rejected alone with its reason
    (nothing of it is kept). An order already imported on the channel is reported among
    the duplicates and not placed again. A request that does not follow the format is
    refused whole (422); an unknown channel is 404, a channel that is not a marketplace
    422 (``channel_id``)."""
    outcome = service.import_orders(
        session,
        body.channel_id,
        body.orders,
        actor=principal.display_name or f"{principal.kind}:{principal.id}",
    )
    return report_out(outcome, request_locale(request))
