"""The import outcome as the API, the command and the back office show it."""

from __future__ import annotations

from comptoir.kit.errors import problem_details
from comptoir.kit.i18n import Locale
from comptoir.orders.marketplace.schemas import (
    ImportedOrderOut,
    MarketplaceImportReport,
    RejectedOrderOut,
)
from comptoir.orders.marketplace.service import ImportedOrder, ImportOutcome, RejectedOrder


def _imported(item: ImportedOrder) -> ImportedOrderOut:
    return ImportedOrderOut(
        index=item.index,
        marketplace_order_id=item.marketplace_order_id,
        order_id=item.order.id,
        number=item.order.number,
    )


def _rejected(item: RejectedOrder, locale: Locale) -> RejectedOrderOut:
    problem = problem_details(item.error, locale)
    return RejectedOrderOut(
        index=item.index,
        marketplace_order_id=item.marketplace_order_id,
        type=problem.type,
        field=problem.field,
        detail=problem.detail or problem.title,
        errors=problem.errors,
    )


def report_out(outcome: ImportOutcome, locale: Locale) -> MarketplaceImportReport:
    """The outcome with every reason in ``locale``."""
    return MarketplaceImportReport(
        channel_id=outcome.channel.id,
        created=[_imported(item) for item in outcome.created],
        duplicates=[_imported(item) for item in outcome.duplicates],
        rejected=[_rejected(item, locale) for item in outcome.rejected],
    )
