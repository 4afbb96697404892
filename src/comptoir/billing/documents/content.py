"""What an invoice's documents say, worked out once for the Factur-X XML, the UBL XML and the
PDF: amounts as decimal strings in the currency's exponent, the parties and their addresses,
the VAT breakdown with its exemption wording (EN 16931 BT-120/BT-121), payment means and
terms, and the amounts already paid and still due.

Credit notes are written with positive amounts (type code 381 says they credit); an invoice
stored with negative amounts for a credit note is turned positive here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

from babel.dates import format_date as babel_format_date
from babel.numbers import format_decimal

from comptoir.billing.invoices.models import Invoice, InvoiceLine
from comptoir.kit import clock
from comptoir.kit.i18n import LazyString, Locale, translate
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.money import Money, currency_exponent

SPECIFICATION_ID: Final = "urn:cen.eu:en16931:2017"
"""EN 16931 (BT-24): the Factur-X EN 16931 profile and UBL documents both claim it."""

TYPE_CODES: Final[dict[str, str]] = {"invoice": "380", "credit_note": "381", "proforma": "325"}
"""UNTDID 1001: commercial invoice, credit note, proforma invoice."""

EXEMPTION_CODES: Final[dict[str, str]] = {
    "AE": "VATEX-EU-AE",
    "K": "VATEX-EU-IC",
    "G": "VATEX-EU-G",
    "O": "VATEX-EU-O",
}
"""VATEX codes (BT-121) for the categories that have a single one; ``E`` has many (one per
article of the directive), so it carries its wording only."""

DEFAULT_EXEMPTIONS: Final[dict[str, LazyString]] = {
    "AE": _l("VAT reverse charge (autoliquidation)"),
    "K": _l("VAT exempt: intra-EU supply of goods, article 262 ter I of the CGI"),
    "G": _l("VAT exempt: export, article 262 I of the CGI"),
    "E": _l("VAT exempt"),
    "O": _l("Outside the scope of VAT"),
}
"""The wording used when neither the tax total nor the invoice gives one."""

ZERO_TAX_CATEGORIES: Final = frozenset({"E", "AE", "K", "G", "O"})
NO_RATE_CATEGORY: Final = "O"
"""EN 16931 BR-O-05/BR-O-09: outside-the-scope lines and totals carry no rate at all."""

PAYMENT_CREDIT_TRANSFER: Final = "30"
PAYMENT_BANK_CARD: Final = "48"

_POSTCODE_CITY = re.compile(r"^\s*(\S*\d\S*)\s+(.+?)\s*$")


@dataclass(frozen=True, slots=True)
class PostalAddress:
    lines: tuple[str, ...]
    postcode: str | None
    city: str | None
    country: str


@dataclass(frozen=True, slots=True)
class Party:
    name: str
    address: PostalAddress
    trade_name: str | None = None
    siren: str | None = None
    siret: str | None = None
    vat_number: str | None = None
    legal_form: str | None = None
    email: str | None = None
    phone: str | None = None


@dataclass(frozen=True, slots=True)
class TaxLine:
    """One VAT rate's breakdown (BG-23)."""

    category: str
    rate: Decimal
    base_minor: int
    tax_minor: int
    exemption_reason: str | None
    exemption_code: str | None

    @property
    def has_rate(self) -> bool:
        return self.category != NO_RATE_CATEGORY


@dataclass(frozen=True, slots=True)
class PaymentMeans:
    code: str
    iban: str | None = None
    bic: str | None = None
    account_name: str | None = None


def sign(invoice: Invoice) -> int:
    """-1 when a credit note was stored with negative amounts, so documents show them
    positive; 1 otherwise."""
    if invoice.kind == "credit_note" and invoice.total_gross_minor < 0:
        return -1
    return 1


def amount(minor: int, currency: str) -> str:
    """``1234`` EUR → ``"12.34"``; ``1234`` JPY → ``"1234"``: the currency's exponent."""
    exponent = currency_exponent(currency)
    value = Decimal(minor).scaleb(-exponent)
    return f"{value:.{exponent}f}"


def percent(rate: Decimal) -> str:
    """``0.055`` → ``"5.50"`` (EN 16931 rates are percentages)."""
    return f"{(Decimal(rate) * 100).quantize(Decimal('0.01'), ROUND_HALF_UP)}"


def quantity(value: Decimal) -> str:
    """``Decimal("2.000")`` → ``"2"``, ``Decimal("1.500")`` → ``"1.5"`` (never an exponent)."""
    text = f"{Decimal(value):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def date_digits(value: date) -> str:
    """``2026-11-23`` → ``"20261123"`` (UNTDID 2379 format 102)."""
    return value.strftime("%Y%m%d")


def type_code(invoice: Invoice) -> str:
    return TYPE_CODES[invoice.kind]


def has_document(invoice: Invoice) -> bool:
    """Issued invoices and credit notes have documents; of the drafts, only proformas (a
    proforma is a quote, not an invoice); cancelled ones have none."""
    if invoice.status == "cancelled":
        return False
    return invoice.number is not None or invoice.kind == "proforma"


def document_number(invoice: Invoice) -> str:
    """The invoice number; a proforma not issued yet shows a provisional one."""
    if invoice.number is not None:
        return invoice.number
    if invoice.kind == "proforma":
        return f"PF-{invoice.id.hex[:12].upper()}" if invoice.id else "PF-DRAFT"
    raise ValueError("a draft invoice has no number: issue it first")


def document_date(invoice: Invoice) -> date:
    """The issue date; a proforma not issued yet is dated today."""
    if invoice.issue_date is not None:
        return invoice.issue_date
    if invoice.kind == "proforma":
        return clock.now().date()
    raise ValueError("a draft invoice has no issue date: issue it first")


def parse_address(text: str | None, country: str | None) -> PostalAddress:
    """An address stored as lines (the last one the country code) split into street lines,
    postcode, city and country. A last line that is not a two-letter code is kept as a
    street line and ``country`` is used."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    found_country = country
    if lines and len(lines[-1]) == 2 and lines[-1].isalpha():
        found_country = lines.pop().upper()
    postcode = city = None
    if lines:
        match = _POSTCODE_CITY.match(lines[-1])
        if match is not None:
            postcode, city = match.group(1), match.group(2)
            lines.pop()
        elif len(lines) > 1:
            city = lines.pop()
    return PostalAddress(
        lines=tuple(lines), postcode=postcode, city=city, country=(found_country or "FR").upper()
    )


def _text(value: object) -> str | None:
    return str(value) if value not in (None, "") else None


def seller_party(invoice: Invoice) -> Party:
    """The seller as it stood when the invoice was issued (``invoice.seller``)."""
    seller = invoice.seller
    street = [
        s for s in (_text(seller.get("address_line1")), _text(seller.get("address_line2"))) if s
    ]
    return Party(
        name=str(seller.get("legal_name") or ""),
        trade_name=_text(seller.get("trade_name")),
        address=PostalAddress(
            lines=tuple(street),
            postcode=_text(seller.get("postcode")),
            city=_text(seller.get("city")),
            country=str(seller.get("country") or "FR").upper(),
        ),
        siren=_text(seller.get("siren")),
        siret=_text(seller.get("siret")),
        vat_number=_text(seller.get("vat_number")),
        legal_form=_text(seller.get("legal_form")),
        email=_text(seller.get("email")),
        phone=_text(seller.get("phone")),
    )


def buyer_party(invoice: Invoice) -> Party:
    return Party(
        name=invoice.buyer_name or "",
        address=parse_address(invoice.buyer_address, invoice.buyer_country),
        siren=invoice.buyer_siren,
        vat_number=invoice.buyer_vat_number,
        email=invoice.buyer_email,
    )


def delivery_address(invoice: Invoice) -> PostalAddress | None:
    if not invoice.delivery_address:
        return None
    return parse_address(invoice.delivery_address, invoice.buyer_country)


def exemption_reason(invoice: Invoice, category: str, stored: str | None) -> str | None:
    """BT-120: the wording of a tax total, else the invoice's, else the default one (in the
    invoice's language); none for categories that charge VAT (BR-S-10, BR-Z-10)."""
    if category not in ZERO_TAX_CATEGORIES:
        return None
    if stored:
        return stored
    if invoice.exemption_reason:
        return invoice.exemption_reason
    return DEFAULT_EXEMPTIONS[category].translate("en" if invoice.language == "en" else "fr")


def tax_lines(invoice: Invoice) -> list[TaxLine]:
    """The VAT breakdown per category and rate, from the invoice's stored tax totals."""
    factor = sign(invoice)
    return [
        TaxLine(
            category=total.category,
            rate=Decimal(total.rate),
            base_minor=factor * total.base_minor,
            tax_minor=factor * total.tax_minor,
            exemption_reason=exemption_reason(invoice, total.category, total.exemption_reason),
            exemption_code=EXEMPTION_CODES.get(total.category),
        )
        for total in sorted(invoice.tax_totals, key=lambda t: (t.category, -Decimal(t.rate)))
    ]


def line_net(invoice: Invoice, line: InvoiceLine) -> int:
    return sign(invoice) * line.net_minor


def line_discount(invoice: Invoice, line: InvoiceLine) -> int:
    return sign(invoice) * line.discount_minor


def line_price(invoice: Invoice, line: InvoiceLine) -> int:
    return sign(invoice) * line.unit_price_excl_minor


def totals(invoice: Invoice) -> tuple[int, int, int]:
    """Net, VAT and gross totals (BT-109, BT-110, BT-112)."""
    factor = sign(invoice)
    return (
        factor * invoice.total_net_minor,
        factor * invoice.total_tax_minor,
        factor * invoice.total_gross_minor,
    )


def rounding_minor(invoice: Invoice) -> int:
    """BT-114: what a tax-included sale was paid beyond net + VAT (or below it)."""
    return sign(invoice) * (invoice.rounding_minor or 0)


def payable_minor(invoice: Invoice) -> int:
    """The gross total plus the rounding amount: what the invoice asks for in all."""
    return totals(invoice)[2] + rounding_minor(invoice)


def prepaid_minor(invoice: Invoice) -> int:
    """BT-113: what was paid by the time the invoice was issued (an order paid at checkout
    and invoiced on payment). Later payments do not change an issued document."""
    if invoice.kind != "invoice" or invoice.paid_at is None or invoice.issue_date is None:
        return 0
    if invoice.paid_at.date() > invoice.issue_date:
        return 0
    return min(sign(invoice) * invoice.amount_paid_minor, payable_minor(invoice))


def due_minor(invoice: Invoice) -> int:
    """BT-115: gross total plus the rounding amount, less what was paid by the issue date
    (BR-CO-16)."""
    return payable_minor(invoice) - prepaid_minor(invoice)


def payment_means(invoice: Invoice) -> PaymentMeans | None:
    """How to pay (BG-16): a credit transfer to the seller's IBAN when it has one, a bank
    card otherwise; none on a credit note (the refund follows the original payment)."""
    if invoice.kind == "credit_note":
        return None
    iban = _text(invoice.seller.get("iban"))
    if iban:
        return PaymentMeans(
            code=PAYMENT_CREDIT_TRANSFER,
            iban=iban.replace(" ", ""),
            bic=_text(invoice.seller.get("bic")),
            account_name=_text(invoice.seller.get("legal_name")),
        )
    return PaymentMeans(code=PAYMENT_BANK_CARD)


def accounting_currency(invoice: Invoice) -> str:
    return str(invoice.seller.get("currency") or "EUR").upper()


def accounting_tax_minor(invoice: Invoice) -> int | None:
    """BT-111: the VAT total in the seller's currency, when the invoice is in another one
    (``exchange_rate`` converts; rounded half-up once). ``None`` when they are the same."""
    target = accounting_currency(invoice)
    if invoice.currency.upper() == target:
        return None
    tax = Decimal(totals(invoice)[1]).scaleb(-currency_exponent(invoice.currency))
    converted = (tax * Decimal(invoice.exchange_rate)).scaleb(currency_exponent(target))
    return int(converted.quantize(Decimal(1), ROUND_HALF_UP))


def buyer_reference(invoice: Invoice) -> str | None:
    return invoice.buyer_reference or None


def original_reference(invoice: Invoice) -> tuple[str, date | None] | None:
    """BT-25/BT-26: the number and date of the invoice a credit note corrects."""
    if invoice.kind != "credit_note" or invoice.original_invoice_id is None:
        return None
    from sqlalchemy.orm import object_session

    session = object_session(invoice)
    original = session.get(Invoice, invoice.original_invoice_id) if session else None
    if original is None or original.number is None:
        return None
    return original.number, original.issue_date


def document_locale(invoice: Invoice, language: str | None = None) -> Locale:
    chosen = language or invoice.language
    return "en" if chosen == "en" else "fr"


def payment_terms_text(invoice: Invoice) -> str:
    """BT-20: the invoice's own terms, else "due on <date>" or "paid" in its language."""
    if invoice.payment_terms:
        return invoice.payment_terms
    locale = document_locale(invoice)
    if invoice.kind == "credit_note":
        return translate(_l("Credited against the original invoice or refunded."), locale)
    if due_minor(invoice) == 0 and prepaid_minor(invoice) > 0:
        return translate(_l("Paid when ordered."), locale)
    if invoice.due_date is not None:
        return translate(
            _l("Payable by {due_date}."), locale, due_date=format_date(invoice.due_date, locale)
        )
    return translate(_l("Payable on receipt."), locale)


def late_payment_notes(invoice: Invoice) -> list[tuple[str, str]]:
    """The mentions owed to a business buyer (Code de commerce L441-10): the late-payment
    penalty rate and the fixed recovery indemnity, plus the early-payment terms; as
    (UNTDID 4451 subject code, text) notes. None for consumers and credit notes."""
    if not invoice.buyer_is_business or invoice.kind == "credit_note":
        return []
    locale = document_locale(invoice)
    seller = invoice.seller
    rate = invoice.late_penalty_rate
    if rate is None and seller.get("late_penalty_rate") is not None:
        rate = Decimal(str(seller["late_penalty_rate"]))
    indemnity = invoice.recovery_indemnity_minor
    if indemnity is None:
        indemnity = int(str(seller.get("recovery_indemnity_minor") or 4000))
    notes: list[tuple[str, str]] = []
    if rate is not None:
        notes.append(
            (
                "PMD",
                translate(
                    _l("Late-payment penalties at the yearly rate of {rate} %."),
                    locale,
                    rate=format_decimal(Decimal(rate) * 100, locale=locale),
                ),
            )
        )
    notes.append(
        (
            "PMT",
            translate(
                _l(
                    "A business buyer paying late owes a fixed indemnity of {amount} for "
                    "recovery costs (articles L441-10 and D441-5 of the Code de commerce)."
                ),
                locale,
                amount=Money.from_minor(indemnity, accounting_currency(invoice)).format(locale),
            ),
        )
    )
    discount = _text(seller.get("early_payment_discount"))
    notes.append(("AAB", discount or translate(_l("No discount for early payment."), locale)))
    return notes


def format_date(value: date, locale: Locale) -> str:
    return babel_format_date(
        value, format="long" if locale == "en" else "dd/MM/yyyy", locale=locale
    )
