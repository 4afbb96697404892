"""A card provider for tests and demos, following the well-known test numbers: 4242 4242
4242 4242 is accepted, 4000 0000 0000 0002 declined, any other number declined too."""

from __future__ import annotations

import re
import uuid
from typing import Final

from comptoir.orders.payments.port import (
    PaymentOutcome,
    PaymentRequest,
    RefundOutcome,
    RefundRequest,
    VoidRequest,
)

ACCEPTED: Final = "4242424242424242"
DECLINED: Final = "4000000000000002"


class TestCardProvider:
    code: Final = "test_card"
    __test__ = False  # not a pytest test class

    def pay(self, request: PaymentRequest) -> PaymentOutcome:
        number = re.sub(r"[\s-]", "", request.card_number or "")
        last4 = number[-4:] if len(number) >= 4 else None
        reference = f"test-{request.order_id}"
        if number == ACCEPTED:
            return PaymentOutcome(status="captured", reference=reference, card_last4=last4)
        return PaymentOutcome(status="declined", reference=reference, card_last4=last4)

    def refund(self, request: RefundRequest) -> RefundOutcome:
        """Test payments are refunded at once, like a card acquirer answering synchronously."""
        return RefundOutcome(
            status="refunded",
            reference=f"{request.payment_reference}-refund-{uuid.uuid4().hex[:12]}",
        )

    def void(self, request: VoidRequest) -> None:
        """Test payments are captured at once; nothing is ever pending."""
