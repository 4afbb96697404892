"""The PDF of an invoice: an HTML page (Jinja2, French or English, every mention French law
asks for) laid out by WeasyPrint as PDF/A-3b, then turned into a Factur-X PDF by embedding
the EN 16931 XML as ``factur-x.xml`` with the factur-x library.

Nothing is fetched from the network: the page links no resource, the fonts are the local
DejaVu ones, and any URL WeasyPrint is asked for is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Final

from babel.numbers import format_decimal
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from comptoir.billing.documents import content
from comptoir.billing.documents.cii import cii_xml
from comptoir.billing.invoices.models import Invoice
from comptoir.kit.i18n import Locale, translations, use_locale
from comptoir.kit.money import Money

TEMPLATES: Final = Path(__file__).parent / "templates"
PDF_VARIANT: Final = "pdf/a-3b"
FACTURX_LEVEL: Final = "en16931"


@dataclass(frozen=True, slots=True)
class _Formatter:
    """Amounts, rates, quantities and dates written for the reader's language."""

    locale: Locale
    currency: str

    def money(self, minor: int, currency: str | None = None) -> str:
        return Money.from_minor(minor, currency or self.currency).format(self.locale)

    def rate(self, rate: Decimal) -> str:
        return f"{format_decimal(Decimal(rate) * 100, locale=self.locale)}\u00a0%"

    def quantity(self, value: Decimal) -> str:
        return str(format_decimal(Decimal(value), locale=self.locale))

    def date(self, value: Any) -> str:
        return content.format_date(value, self.locale) if value is not None else ""


@lru_cache(maxsize=2)
def _environment(locale: Locale) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(locale), newstyle=True)  # type: ignore[attr-defined]
    return env


def invoice_html(invoice: Invoice, *, language: str | None = None) -> str:
    """The invoice's printable page in ``language`` (default: the invoice's own)."""
    locale = content.document_locale(invoice, language)
    fmt = _Formatter(locale=locale, currency=invoice.currency)
    seller = invoice.seller
    capital = seller.get("share_capital_minor")
    with use_locale(locale):
        return (
            _environment(locale)
            .get_template("documents/invoice.html")
            .render(
                invoice=invoice,
                number=content.document_number(invoice),
                issue_date=content.document_date(invoice),
                locale=locale,
                fmt=fmt,
                seller=content.seller_party(invoice),
                seller_extra={
                    "rcs": seller.get("rcs"),
                    "naf_code": seller.get("naf_code"),
                    "capital": fmt.money(int(str(capital)), content.accounting_currency(invoice))
                    if capital not in (None, "")
                    else None,
                    "footer": seller.get("footer"),
                },
                buyer=content.buyer_party(invoice),
                delivery=content.delivery_address(invoice),
                totals=content.totals(invoice),
                tax_lines=content.tax_lines(invoice),
                rounding=content.rounding_minor(invoice),
                prepaid=content.prepaid_minor(invoice),
                due=content.due_minor(invoice),
                accounting_tax=content.accounting_tax_minor(invoice),
                accounting_currency=content.accounting_currency(invoice),
                means=content.payment_means(invoice),
                terms=content.payment_terms_text(invoice),
                notes=content.late_payment_notes(invoice),
                original=content.original_reference(invoice),
                lines=[
                    {
                        "line": line,
                        "price": content.line_price(invoice, line),
                        "discount": content.line_discount(invoice, line),
                        "net": content.line_net(invoice, line),
                    }
                    for line in invoice.lines
                ],
            )
        )


def _refuse_fetch(url: str, *args: object, **kwargs: object) -> dict[str, Any]:
    raise ValueError(f"invoice PDFs fetch nothing: {url}")


def _title(invoice: Invoice, locale: Locale) -> str:
    with use_locale(locale):
        from comptoir.kit.i18n import gettext as _

        kind = {
            "invoice": _("Invoice"),
            "credit_note": _("Credit note"),
            "proforma": _("Proforma invoice"),
        }[invoice.kind]
    return f"{kind} {content.document_number(invoice)}"


def invoice_pdf(invoice: Invoice, *, language: str | None = None) -> bytes:
    """The invoice as a Factur-X PDF: PDF/A-3b with its EN 16931 XML embedded (checked
    against the XSD on the way). A draft raises ``ValueError`` (no number or date)."""
    from facturx import generate_from_binary
    from weasyprint import HTML

    xml = cii_xml(invoice)
    locale = content.document_locale(invoice, language)
    page = HTML(string=invoice_html(invoice, language=locale), url_fetcher=_refuse_fetch)
    printed = page.write_pdf(pdf_variant=PDF_VARIANT)
    seller_name = str(invoice.seller.get("legal_name") or "")
    title = _title(invoice, locale)
    result: bytes = generate_from_binary(
        printed,
        xml,
        flavor="factur-x",
        level=FACTURX_LEVEL,
        check_xsd=True,
        check_schematron=False,
        pdf_metadata={
            "author": seller_name,
            "keywords": "Factur-X, EN 16931",
            "title": f"{seller_name}: {title}",
            "subject": title,
        },
        lang="en-GB" if locale == "en" else "fr-FR",
    )
    return result
