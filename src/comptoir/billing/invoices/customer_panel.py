"""The "Invoices" section of a customer's back-office page: what she still owes and her latest
invoices and credit notes (hers and those of the customers merged into her)."""

from __future__ import annotations

import uuid
from typing import Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comptoir.billing.invoices.models import Invoice
from comptoir.billing.invoices.service.common import amount_due
from comptoir.billing.invoices.service.settlements import OPEN_STATUSES
from comptoir.customers import service as customers
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.money import Money

SHOWN: Final = 10


def customer_invoices_context(session: Session, customer_id: uuid.UUID) -> dict[str, object]:
    from comptoir.billing.invoices.pages import STATUSES

    ids = customers.with_merged_ids(session, customer_id)
    issued = (Invoice.customer_id.in_(ids), Invoice.kind != "proforma", Invoice.status != "draft")
    count = session.scalar(select(func.count()).select_from(Invoice).where(*issued)) or 0
    latest = session.scalars(
        select(Invoice)
        .where(*issued)
        .order_by(Invoice.issue_date.desc(), Invoice.number.desc())
        .limit(SHOWN)
    ).all()
    due: dict[str, int] = {}
    for invoice in session.scalars(
        select(Invoice).where(
            Invoice.customer_id.in_(ids),
            Invoice.kind == "invoice",
            Invoice.status.in_(OPEN_STATUSES),
        )
    ):
        due[invoice.currency] = due.get(invoice.currency, 0) + amount_due(invoice)
    return {
        "count": count,
        "due": [Money.from_minor(minor, currency) for currency, minor in sorted(due.items())],
        "rows": [
            {
                "id": invoice.id,
                "number": invoice.number,
                "kind": invoice.kind,
                "issue_date": invoice.issue_date,
                "status": invoice.status,
                "status_label": STATUSES.get(invoice.status, invoice.status),
                "total": Money.from_minor(
                    invoice.total_gross_minor + invoice.rounding_minor, invoice.currency
                ),
                "due": Money.from_minor(amount_due(invoice), invoice.currency),
            }
            for invoice in latest
        ],
    }


customers.register_detail_panel(
    customers.DetailPanel(
        key="invoices",
        title=_l("Invoices"),
        template="invoices/_customer_invoices.html",
        context=customer_invoices_context,
        order=20,
    )
)
