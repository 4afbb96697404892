"""The payment port: each provider takes a payment for an order and says how it went.

A provider never sees more than it needs, and Comptoir never stores a card number: only what
the provider answers (its reference, the last four digits). Providers: ``bank_transfer``
(the shop waits for the transfer), ``manual`` (paid at the counter or by another means,
confirmed later) and ``test_card`` (outside production only: card 4242 4242 4242 4242 is
accepted, 4000 0000 0000 0002 declined), ``stripe`` when configured; refunds of till sales go
through the counter (``cash``, ``card_terminal``: :func:`refund_provider`).
"""

from __future__ import annotations

from comptoir.orders.payments.port import (
    PaymentOutcome,
    PaymentProvider,
    PaymentRequest,
    RefundOutcome,
    RefundRequest,
    VoidRequest,
    available_providers,
    provider_for,
    refund_provider,
)

__all__ = [
    "PaymentOutcome",
    "PaymentProvider",
    "PaymentRequest",
    "RefundOutcome",
    "RefundRequest",
    "VoidRequest",
    "available_providers",
    "provider_for",
    "refund_provider",
]
