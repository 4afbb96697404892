"""Payments the shop confirms itself: a bank transfer, or a manual payment (cash, cheque)."""

from __future__ import annotations

from typing import Final

from comptoir.orders.payments.port import (
    PaymentOutcome,
    PaymentRequest,
    RefundOutcome,
    RefundRequest,
    VoidRequest,
)


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

    def refund(self, request: RefundRequest) -> RefundOutcome:
        """The shop sends the money back by transfer itself: recorded as to do."""
        return RefundOutcome(
            status="pending",
            reference=f"transfer-refund-{request.order_number}-{request.amount.minor_units}",
            instructions=request.order_number,
        )

    def void(self, request: VoidRequest) -> None:
        """Nothing to call off: the shop simply expects a smaller transfer, or none."""


class ManualProvider:
    """Paid by some other means, confirmed by a person later (``pending``)."""

    code: Final = "manual"

    def pay(self, request: PaymentRequest) -> PaymentOutcome:
        return PaymentOutcome(status="pending", reference=f"manual-{request.order_number}")

    def refund(self, request: RefundRequest) -> RefundOutcome:
        """Given back by hand (cash, cheque): recorded as done by the person who did it."""
        return RefundOutcome(
            status="refunded",
            reference=f"manual-refund-{request.order_number}-{request.amount.minor_units}",
        )

    def void(self, request: VoidRequest) -> None:
        """Nothing to call off: no money was taken."""
