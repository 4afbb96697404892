"""Payments the shop confirms itself: a bank transfer, or a manual payment (cash, cheque)."""

from __future__ import annotations

from typing import Final

from comptoir.orders.payments.port import PaymentOutcome, PaymentRequest


class BankTransferProvider:
    """The customer pays by transfer with the order number as reference; the order waits
    for it (``pending``)."""

    code: Final = "bank_transfer"

    def pay(self, request: PaymentRequest) -> PaymentOutcome:
        return PaymentOutcome(
            status="pending",
            reference=f"transfer-{request.order_number}",
            instructions=request.order_number,
        )


class ManualProvider:
    """Paid by some other means, confirmed by a person later (``pending``)."""

    code: Final = "manual"

    def pay(self, request: PaymentRequest) -> PaymentOutcome:
        return PaymentOutcome(status="pending", reference=f"manual-{request.order_number}")
