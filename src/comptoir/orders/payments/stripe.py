"""Card payments through Stripe: a PaymentIntent per order, confirmed by the storefront with
Stripe's own form, settled by Stripe's webhook (:mod:`comptoir.orders.payments.webhooks`).

Checkout creates the PaymentIntent (the order id is its idempotency key, so a retried
checkout never creates a second one) and hands its ``client_secret`` to the storefront in the
payment's ``instructions``; the order waits for payment until ``payment_intent.succeeded``
arrives. The provider exists only when ``COMPTOIR_STRIPE_SECRET_KEY`` is set.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from typing import Any, Final, Literal

import httpx
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from comptoir.kit import clock
from comptoir.kit.errors import BadRequest, ServiceUnavailable
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.orders.errors import RefundRefused
from comptoir.orders.payments.port import (
    PaymentOutcome,
    PaymentRequest,
    RefundOutcome,
    RefundRequest,
    VoidRequest,
)

SIGNATURE_TOLERANCE: Final = timedelta(seconds=300)
TIMEOUT_SECONDS: Final = 20.0


class StripeSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COMPTOIR_", extra="ignore", frozen=True)

    stripe_secret_key: SecretStr = Field(
        default=SecretStr(""),
        description="Stripe secret API key (sk_live_... or sk_test_...); empty: no Stripe "
        "(COMPTOIR_STRIPE_SECRET_KEY).",
    )
    stripe_webhook_secret: SecretStr = Field(
        default=SecretStr(""),
        description="Signing secret of the webhook endpoint (whsec_...) "
        "(COMPTOIR_STRIPE_WEBHOOK_SECRET).",
    )
    stripe_api_base: str = Field(
        default="https://api.stripe.com",
        description="Base URL of Stripe's API (COMPTOIR_STRIPE_API_BASE).",
    )


class PaymentProviderUnavailable(ServiceUnavailable):
    slug = "payment-provider-unavailable"
    title = _l("The payment provider cannot be reached; try again in a moment.")


class StripeSignatureInvalid(BadRequest):
    slug = "stripe-signature-invalid"
    title = _l("The Stripe signature of this event is not valid.")


class StripeProvider:
    """Creates PaymentIntents through Stripe's HTTP API; the payment stays ``pending``."""

    code: Final = "stripe"

    def __init__(self, secret_key: str, api_base: str) -> None:
        self._secret_key = secret_key
        self._api_base = api_base.rstrip("/")

    def _post(
        self, path: str, form: dict[str, str], idempotency_key: str, *, refund: bool = False
    ) -> dict[str, Any]:
        try:
            answer = httpx.post(
                f"{self._api_base}{path}",
                data=form,
                headers={
                    "Authorization": f"Bearer {self._secret_key}",
                    "Idempotency-Key": idempotency_key,
                },
                timeout=TIMEOUT_SECONDS,
            )
        except httpx.HTTPError as error:
            raise PaymentProviderUnavailable() from error
        if refund and answer.status_code in (400, 402):
            # Stripe answered and said no (charge already refunded, disputed...): a
            # refusal, not an outage; its message tells the shop why.
            raise RefundRefused(
                _l("Stripe refused the refund: {reason}"), reason=_stripe_message(answer)
            )
        if answer.status_code >= 400:
            raise PaymentProviderUnavailable()
        body: dict[str, Any] = answer.json()
        return body

    def pay(self, request: PaymentRequest) -> PaymentOutcome:
        """Create the order's PaymentIntent; raises :class:`PaymentProviderUnavailable`
        when Stripe cannot be reached or refuses the request (the checkout rolls back)."""
        intent = self._post(
            "/v1/payment_intents",
            {
                "amount": str(request.amount.minor_units),
                "currency": request.amount.currency.lower(),
                "metadata[order_id]": str(request.order_id),
                "metadata[order_number]": request.order_number,
                "automatic_payment_methods[enabled]": "true",
            },
            idempotency_key=str(request.order_id),
        )
        return PaymentOutcome(
            status="pending", reference=str(intent["id"]), instructions=intent["client_secret"]
        )

    def refund(self, request: RefundRequest) -> RefundOutcome:
        """Refund ``amount`` of the PaymentIntent; ``refunded`` once Stripe says it
        succeeded, ``pending`` while it is still on its way. The refund carries
        ``metadata[comptoir_reason]`` so that its ``charge.refunded`` webhook is known as
        Comptoir's own. Raises :class:`RefundRefused` when Stripe says no,
        :class:`PaymentProviderUnavailable` when it cannot be reached."""
        refund = self._post(
            "/v1/refunds",
            {
                "payment_intent": request.payment_reference,
                "amount": str(request.amount.minor_units),
                "reason": "requested_by_customer",
                "metadata[order_id]": str(request.order_id),
                "metadata[order_number]": request.order_number,
                "metadata[comptoir_reason]": request.reason,
            },
            idempotency_key=f"{request.order_id}-{request.payment_reference}-"
            f"{request.amount.minor_units}-{request.reason}"[:255],
            refund=True,
        )
        status: Literal["refunded", "pending"] = (
            "refunded" if refund.get("status") == "succeeded" else "pending"
        )
        return RefundOutcome(status=status, reference=str(refund["id"]))

    def void(self, request: VoidRequest) -> None:
        """Cancel the PaymentIntent (nothing left due) or lower its amount. Raises
        :class:`PaymentProviderUnavailable`."""
        left = request.amount_left.minor_units
        path = f"/v1/payment_intents/{request.payment_reference}"
        key = f"{request.order_id}-{request.payment_reference}-void-{left}"
        if left:
            self._post(path, {"amount": str(left)}, idempotency_key=key)
        else:
            self._post(f"{path}/cancel", {"cancellation_reason": "abandoned"}, idempotency_key=key)


def _stripe_message(answer: httpx.Response) -> str:
    try:
        error = answer.json().get("error") or {}
    except ValueError:
        return str(answer.status_code)
    return str(error.get("message") or error.get("code") or answer.status_code)[:300]


def stripe_provider() -> StripeProvider | None:
    """The Stripe provider when a secret key is configured, else ``None``."""
    settings = StripeSettings()
    key = settings.stripe_secret_key.get_secret_value()
    return StripeProvider(key, settings.stripe_api_base) if key else None


def verify_signature(payload: bytes, header: str | None, secret: str) -> None:
    """Check Stripe's ``Stripe-Signature`` header (``t=<unix time>,v1=<hex>,...``) on the raw
    body: one ``v1`` must equal HMAC-SHA256(secret, ``"<t>.<body>"``), and ``t`` must be
    within five minutes of now. Raises :class:`StripeSignatureInvalid`."""
    if not secret or not header:
        raise StripeSignatureInvalid(field="Stripe-Signature")
    timestamp: str | None = None
    signatures: list[str] = []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t":
            timestamp = value
        elif name == "v1":
            signatures.append(value)
    if timestamp is None or not timestamp.isdigit() or not signatures:
        raise StripeSignatureInvalid(field="Stripe-Signature")
    signed = timestamp.encode() + b"." + payload
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    # Compare with every v1 (Stripe sends several while a secret is being rolled).
    matches = [hmac.compare_digest(expected, candidate) for candidate in signatures]
    if not any(matches):
        raise StripeSignatureInvalid(field="Stripe-Signature")
    age = clock.now().timestamp() - int(timestamp)
    if abs(age) > SIGNATURE_TOLERANCE.total_seconds():
        raise StripeSignatureInvalid(
            _l("The Stripe event is too old or from the future."), field="Stripe-Signature"
        )
