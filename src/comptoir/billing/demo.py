"""The demo shop's books. Before the trading history: BoutiqueNova SAS as the seller, the
chart of accounts and when each channel invoices, so that every order of the history is
invoiced on the day it is paid or shipped. After it: the supplier bills of the purchase orders
received, and a bank statement per month, imported and reconciled."""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from sqlalchemy.orm import Session

from comptoir.billing.bank.demo import seed_bank
from comptoir.billing.bills.demo import bill_received_orders
from comptoir.billing.invoices import service as invoices
from comptoir.billing.invoices.schemas import ChannelPolicyIn, SellerProfileIn
from comptoir.billing.ledger import service as ledger
from comptoir.channels import service as channels
from comptoir.kit import clock
from comptoir.kit.settings import Settings

SELLER: Final = SellerProfileIn(
    legal_name="BoutiqueNova SAS",
    trade_name="BoutiqueNova",
    legal_form="SAS",
    share_capital_minor=5_000_000,
    siren="842518375",
    siret="84251837500014",
    vat_number="FR44842518375",
    rcs="RCS Paris 842 518 375",
    naf_code="4791A",
    address_line1="12 rue de Bretagne",
    postcode="75003",
    city="Paris",
    country="FR",
    email="compta@boutiquenova.example",
    phone="+33 1 84 60 12 00",
    iban="FR0230004008230001234567890",
    bic="BNPAFRPPXXX",
    currency="EUR",
    payment_terms_days=30,
    late_penalty_rate=Decimal("0.1215"),
    recovery_indemnity_minor=4000,
    early_payment_discount="Pas d'escompte pour paiement anticipé.",
    footer="BoutiqueNova SAS — 12 rue de Bretagne, 75003 Paris — SIREN 842 518 375",
)

ISSUE_ON: Final[dict[str, str]] = {
    "web": "payment",
    "app": "shipment",
    "marketplace": "payment",
    "store-paris": "payment",
    "store-lyon": "payment",
    "store-bordeaux": "payment",
}
"""When each demo channel invoices: the app's orders on shipment, to show both rules."""


def seed_billing(session: Session, settings: Settings) -> str:
    """The seller, the chart of accounts and the channels' invoicing rules (idempotent)."""
    del settings
    ledger.ensure_chart(session)
    if invoices.find_seller(session) is None:
        invoices.update_seller(session, SELLER)
    configured = 0
    for code, issue_on in ISSUE_ON.items():
        channel = channels.channel_by_code(session, code)
        if channel is not None:
            invoices.set_channel_policy(session, channel.id, ChannelPolicyIn(issue_on=issue_on))
            configured += 1
    return f"Billing: seller {SELLER.legal_name}, {configured} channels invoicing."


def seed_billing_history(session: Session, settings: Settings) -> str:
    """After the trading history: supplier bills of the received purchase orders, then the
    bank statements of every month, imported and reconciled."""
    bills = bill_received_orders(session, until=clock.now().date())
    bank = seed_bank(session, settings)
    return f"Supplier bills: {bills}. {bank}"
