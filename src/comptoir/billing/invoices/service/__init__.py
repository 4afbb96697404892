"""The invoices service: the seller's identity, channel policies, exchange rates, drafts,
issuing with gap-free numbers, invoices of orders, credit notes, settlements and overdue
reminders. Every function works in the caller's transaction and never commits."""

from comptoir.billing.invoices.service.advances import record_advances, refund_advances
from comptoir.billing.invoices.service.amount_credits import credit_amount, creditable_minor
from comptoir.billing.invoices.service.common import (
    amount_due,
    base_from_gross,
    compute_totals,
    get_by_number,
    get_invoice,
    payable,
    tax_of,
    today,
)
from comptoir.billing.invoices.service.corrections import (
    credit_cancellation,
    credit_order_units,
    credit_refund,
    settle_refund,
)
from comptoir.billing.invoices.service.credit_notes import (
    credit_note,
    credit_notes_of,
    remaining,
)
from comptoir.billing.invoices.service.drafts import cancel_draft, create_draft, update_draft
from comptoir.billing.invoices.service.from_orders import (
    apply_order_payments,
    issue_for_order,
    order_invoices,
    settlement_method,
)
from comptoir.billing.invoices.service.issuing import issue, next_number
from comptoir.billing.invoices.service.settings import (
    channel_policy,
    find_seller,
    get_seller,
    is_valid_siren,
    is_valid_siret,
    list_exchange_rates,
    rate_of_the_day,
    record_exchange_rate,
    set_channel_policy,
    update_seller,
)
from comptoir.billing.invoices.service.settlements import (
    cancel_settlement,
    mark_overdue,
    open_invoices,
    settle,
    settlements_of,
)
from comptoir.billing.invoices.service.views import (
    InvoiceFilters,
    invoice_out,
    invoice_summary,
    list_invoices,
    mentions,
)

__all__ = [
    "InvoiceFilters",
    "amount_due",
    "apply_order_payments",
    "base_from_gross",
    "cancel_draft",
    "cancel_settlement",
    "channel_policy",
    "compute_totals",
    "create_draft",
    "credit_amount",
    "credit_cancellation",
    "credit_note",
    "credit_notes_of",
    "credit_order_units",
    "credit_refund",
    "creditable_minor",
    "find_seller",
    "get_by_number",
    "get_invoice",
    "get_seller",
    "invoice_out",
    "invoice_summary",
    "is_valid_siren",
    "is_valid_siret",
    "issue",
    "issue_for_order",
    "list_exchange_rates",
    "list_invoices",
    "mark_overdue",
    "mentions",
    "next_number",
    "open_invoices",
    "order_invoices",
    "payable",
    "rate_of_the_day",
    "record_advances",
    "record_exchange_rate",
    "refund_advances",
    "remaining",
    "set_channel_policy",
    "settle",
    "settle_refund",
    "settlement_method",
    "settlements_of",
    "tax_of",
    "today",
    "update_draft",
    "update_seller",
]
