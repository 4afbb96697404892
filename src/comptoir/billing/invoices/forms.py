"""Reading the back office's invoicing forms into the API's shapes, so both are checked by
the same rules."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from pydantic import ValidationError

from comptoir.billing.invoices.schemas import InvoiceDraftIn, SellerProfileIn
from comptoir.kit.http.validation import issues_from_pydantic
from comptoir.kit.i18n import Locale
from comptoir.kit.money import Money

DRAFT_FIELDS = (
    "kind", "buyer_name", "buyer_address", "buyer_country", "buyer_email", "buyer_siren",
    "buyer_vat_number", "buyer_reference", "delivery_address", "vat_scheme",
    "exemption_reason", "currency", "payment_terms_days", "due_date", "note",
)  # fmt: skip
SELLER_FIELDS = tuple(SellerProfileIn.model_fields)


def form_errors(exc: ValidationError, locale: Locale) -> dict[str, str]:
    """Each offending form field and its message (a line's problem is the lines' field)."""
    errors: dict[str, str] = {}
    for issue in issues_from_pydantic(exc.errors()):
        name = issue.field.split(".")[0]
        errors.setdefault(name, issue.translated(locale))
    return errors


def _amount_minor(text: str, currency: str) -> int | str:
    try:
        return Money(Decimal(text.replace(",", ".").replace(" ", "")), currency).minor_units
    except (InvalidOperation, ValueError):
        return text


def parse_lines(text: str, currency: str) -> list[dict[str, object]]:
    """One line per row: ``quantity ; title ; unit price excluding VAT ; VAT rate %``
    (``3 ; Conseil ; 90,00 ; 20``). What cannot be read is passed on as written, for the
    schema to name."""
    lines: list[dict[str, object]] = []
    for raw in text.splitlines():
        if not raw.strip():
            continue
        parts = [part.strip() for part in raw.split(";")]
        parts += [""] * (4 - len(parts))
        quantity, title, price, rate = parts[:4]
        lines.append(
            {
                "quantity": quantity.replace(",", "."),
                "title": title,
                "unit_price_excl_minor": _amount_minor(price, currency),
                "vat_rate": rate.replace(",", ".").rstrip("%").strip() or "0",
                "kind": "service" if "service" in parts[4:] else "goods",
            }
        )
    return lines


def draft_from_form(form: dict[str, str]) -> InvoiceDraftIn:
    """The draft a form describes. Raises ``ValidationError``."""
    data: dict[str, object] = {
        name: form[name].strip() for name in DRAFT_FIELDS if form.get(name, "").strip()
    }
    data["buyer_is_business"] = form.get("buyer_is_business", "on") == "on"
    currency = str(data.get("currency", "EUR")).upper()
    data["lines"] = parse_lines(form.get("lines", ""), currency if len(currency) == 3 else "EUR")
    return InvoiceDraftIn.model_validate(data)


def seller_from_form(form: dict[str, str]) -> SellerProfileIn:
    """The seller's identity a settings form describes. Raises ``ValidationError``."""
    data: dict[str, object] = {
        name: form[name] for name in SELLER_FIELDS if form.get(name, "").strip()
    }
    data["vat_on_debits"] = form.get("vat_on_debits") == "on"
    return SellerProfileIn.model_validate(data)
