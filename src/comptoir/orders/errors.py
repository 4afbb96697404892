"""The orders module's domain errors, each mapped once to an RFC 9457 problem."""

from __future__ import annotations

from comptoir.kit.errors import Conflict, DomainError, InvalidInput, NotFound
from comptoir.kit.i18n import lazy_gettext as _l


class CartNotFound(NotFound):
    slug = "cart-not-found"
    title = _l("No such cart.")


class CartLineNotFound(NotFound):
    slug = "cart-line-not-found"
    title = _l("No such line in this cart.")


class CartNotOpen(Conflict):
    slug = "cart-not-open"
    title = _l("This cart has already been checked out or abandoned.")


class CartIncomplete(InvalidInput):
    slug = "cart-incomplete"
    title = _l("The cart is not ready for checkout.")


class VariantNotSold(InvalidInput):
    slug = "variant-not-sold"
    title = _l("This variant is not sold on this channel.")


class InvalidVatNumber(InvalidInput):
    slug = "invalid-vat-number"
    title = _l("The VAT number is not valid.")


class NoVatRate(InvalidInput):
    slug = "no-vat-rate"
    title = _l("No VAT rate is known for this product and destination.")


class OrderNotFound(NotFound):
    slug = "order-not-found"
    title = _l("No such order.")


class OrderStateConflict(Conflict):
    slug = "order-state-conflict"
    title = _l("This order cannot do that in its current state.")


class PaymentDeclined(DomainError):
    slug = "payment-declined"
    status = 402
    title = _l("The payment was declined.")


class UnknownPaymentMethod(InvalidInput):
    slug = "unknown-payment-method"
    title = _l("This payment method is not available.")


class RefundRefused(Conflict):
    """The payment provider answered that it will not refund (already refunded, disputed,
    too old): the cancellation does not happen."""

    slug = "refund-refused"
    title = _l("The payment provider refused the refund.")


class RefundNotRecordedYet(Conflict):
    """The provider reports a refund Comptoir asked for but whose order does not show it yet
    (its transaction is still running, or was lost after the provider refunded): the
    provider is to send the event again later."""

    slug = "refund-not-recorded-yet"
    title = _l("This refund made by Comptoir is not recorded yet: send the event again later.")
