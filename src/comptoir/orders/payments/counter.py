"""Money that changes hands at a store's counter: cash from the till's drawer, or a card
through the store's payment terminal. The till records these payments itself when it sells;
giving money back for a return at the counter is done there and then, so a refund is recorded
as made by the person at the till."""

from __future__ import annotations

from typing import Final

from comptoir.orders.payments.port import (
    PaymentOutcome,
    PaymentRequest,
    RefundOutcome,
    RefundRequest,
    VoidRequest,
)

COUNTER_METHODS: Final = ("cash", "card_terminal")


class CounterProvider:
    """Cash or the card terminal at a store's counter (``code``)."""

    def __init__(self, code: str) -> None:
        self.code = code

    def pay(self, request: PaymentRequest) -> PaymentOutcome:
        """Handed over at the counter, in front of the staff member: taken at once."""
        return PaymentOutcome(status="captured", reference=f"{self.code}-{request.order_number}")

    def refund(self, request: RefundRequest) -> RefundOutcome:
        """Given back at the counter (cash from the drawer, a refund on the terminal)."""
        return RefundOutcome(
            status="refunded",
            reference=f"{self.code}-refund-{request.order_number}-{request.amount.minor_units}",
        )

    def void(self, request: VoidRequest) -> None:
        """Nothing to call off: counter payments are taken at once."""
