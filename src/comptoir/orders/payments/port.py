"""What a payment provider is, and which ones a shop has."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Literal, Protocol

from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.money import Money
from comptoir.orders.errors import UnknownPaymentMethod

PaymentStatus = Literal["pending", "captured", "declined"]


@dataclass(frozen=True, slots=True)
class PaymentRequest:
    """A payment to take: for which order, how much, and the card when there is one (held
    in memory for the provider, never stored)."""

    order_id: uuid.UUID
    order_number: str
    amount: Money
    card_number: str | None = None


@dataclass(frozen=True, slots=True)
class PaymentOutcome:
    status: PaymentStatus
    reference: str
    card_last4: str | None = None
    instructions: str | None = None


@dataclass(frozen=True, slots=True)
class RefundRequest:
    """Money to give back on a payment the provider took (``payment_reference``)."""

    order_id: uuid.UUID
    order_number: str
    payment_reference: str
    amount: Money
    reason: str


@dataclass(frozen=True, slots=True)
class RefundOutcome:
    """``refunded``: the money went back; ``pending``: the shop still has to send it (a
    transfer, cash at the counter), ``instructions`` say what to do."""

    status: Literal["refunded", "pending"]
    reference: str
    instructions: str | None = None


@dataclass(frozen=True, slots=True)
class VoidRequest:
    """A payment not captured yet that the shop no longer expects: ``amount_left`` is what
    is still due (zero: the whole payment is called off)."""

    order_id: uuid.UUID
    order_number: str
    payment_reference: str
    amount_left: Money


class PaymentProvider(Protocol):
    @property
    def code(self) -> str: ...

    def pay(self, request: PaymentRequest) -> PaymentOutcome:
        """Take (or register) the payment; never raises for a refusal, answers
        ``declined``."""
        ...

    def refund(self, request: RefundRequest) -> RefundOutcome:
        """Give back ``amount`` of a captured payment (whole or part); raises
        ``RefundRefused`` when the provider says no."""
        ...

    def void(self, request: VoidRequest) -> None:
        """Call off a pending payment, or lower what it still expects."""
        ...


def available_providers(*, production: bool) -> dict[str, PaymentProvider]:
    """The providers a shop may use; the test card only outside production."""
    from comptoir.orders.payments.manual import BankTransferProvider, ManualProvider
    from comptoir.orders.payments.stripe import stripe_provider
    from comptoir.orders.payments.test_card import TestCardProvider

    providers: dict[str, PaymentProvider] = {
        "bank_transfer": BankTransferProvider(),
        "manual": ManualProvider(),
    }
    if not production:
        providers["test_card"] = TestCardProvider()
    stripe = stripe_provider()
    if stripe is not None:
        providers["stripe"] = stripe
    return providers


def refund_provider(method: str, *, production: bool) -> PaymentProvider | None:
    """Who gives back money taken by ``method``: the checkout's providers, and the counter's
    cash and card terminal for till sales (which no checkout may use to pay)."""
    from comptoir.orders.payments.counter import COUNTER_METHODS, CounterProvider

    if method in COUNTER_METHODS:
        return CounterProvider(method)
    return available_providers(production=production).get(method)


def provider_for(method: str, *, production: bool) -> PaymentProvider:
    """The provider of ``method``; raises :class:`UnknownPaymentMethod` (``payment.method``)."""
    provider = available_providers(production=production).get(method)
    if provider is None:
        raise UnknownPaymentMethod(
            _l("The payment method {method} is not available."),
            field="payment.method",
            method=method,
        )
    return provider
