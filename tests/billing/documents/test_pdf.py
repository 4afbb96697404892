"""The Factur-X PDF: PDF/A-3 (XMP says so), the EN 16931 XML embedded and read back
identical, and the mentions French law asks for printed in the invoice's language."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from io import BytesIO

import facturx
from pypdf import PdfReader
from pypdf.generic import DictionaryObject, StreamObject
from sqlalchemy.orm import Session

from comptoir.billing.documents import cii_xml, invoice_pdf
from comptoir.billing.invoices.models import Invoice
from tests.billing.documents.factories import MULTI_RATE, Line, add_invoice, build_invoice


def pdf_text(pdf: bytes) -> str:
    """The PDF's text with whitespace runs (including no-break spaces) made single spaces."""
    reader = PdfReader(BytesIO(pdf))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def xmp_of(pdf: bytes) -> str:
    catalog = PdfReader(BytesIO(pdf)).trailer["/Root"].get_object()
    assert isinstance(catalog, DictionaryObject)
    metadata = catalog["/Metadata"].get_object()
    assert isinstance(metadata, StreamObject)
    return bytes(metadata.get_data()).decode()


def test_the_pdf_is_pdfa3_and_carries_the_factur_x_xml(session: Session) -> None:
    # given an issued B2B invoice, stored and read back
    invoice = add_invoice(
        session,
        MULTI_RATE,
        buyer_is_business=True,
        due_date=date(2026, 12, 23),
        delivery_address="8 rue Neuve\n69001 Lyon\nFR",
        buyer_siren="732829320",
        buyer_vat_number="FR44732829320",
    )
    session.expire_all()
    stored = session.get(Invoice, invoice.id)
    assert stored is not None

    # when its PDF is made
    pdf = invoice_pdf(stored)

    # then it declares PDF/A-3 and Factur-X EN 16931 in its XMP metadata
    xmp = xmp_of(pdf)
    assert re.search(r"<pdfaid:part>3</pdfaid:part>", xmp)
    assert re.search(r"<pdfaid:conformance>B</pdfaid:conformance>", xmp)
    assert re.search(r"<fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>", xmp)
    # and the embedded factur-x.xml is the invoice's CII, valid against the XSD
    filename, xml = facturx.get_facturx_xml_from_pdf(pdf, check_xsd=True)
    assert filename == "factur-x.xml"
    assert xml == cii_xml(stored)


def test_the_french_pdf_prints_the_mandatory_mentions(session: Session) -> None:
    invoice = add_invoice(
        session,
        MULTI_RATE,
        buyer_is_business=True,
        due_date=date(2026, 12, 23),
        delivery_date=date(2026, 11, 20),
        vat_on_debits=True,
        supply_type="mixed",
        delivery_address="8 rue Neuve\n69001 Lyon\nFR",
        buyer_siren="732829320",
        buyer_vat_number="FR44732829320",
    )

    text = pdf_text(invoice_pdf(invoice))

    for mention in (
        f"Facture {invoice.number}",
        "SIREN 552100554",
        "SIRET 55210055400013",
        "RCS Lyon 552 100 554",
        "SAS au capital de 10 000,00 €",
        "FR40552100554",
        "FR44732829320",
        "Atelier Durand SARL",
        "Livré à",
        "8 rue Neuve",
        "Biens et services (mixte)",
        "Option pour le paiement de la TVA d'après les débits",
        "Prix unitaire HT",
        "5,5 %",
        "20 %",
        "10 %",
        "12,96 €",
        "Total TTC",
        "165,47 €",
        "23/12/2026",
        "12,15 %",
        "40,00 €",
        "FR7630006000011234567890189",
    ):
        assert mention in text, mention


def test_the_english_pdf_of_a_credit_note_cites_the_original(session: Session) -> None:
    original = add_invoice(session, MULTI_RATE, language="en")
    credit = add_invoice(
        session,
        MULTI_RATE[1:2],
        kind="credit_note",
        original_invoice_id=original.id,
        language="en",
    )

    text = pdf_text(invoice_pdf(credit))

    assert f"Credit note {credit.number}" in text
    assert f"Credit note on invoice {original.number}" in text
    assert "Unit price excl. VAT" in text
    assert "40,00" not in text  # no late-payment indemnity for a consumer's credit note


def test_a_reverse_charge_pdf_prints_the_exemption_wording_and_no_vat() -> None:
    invoice = build_invoice(
        [Line("Conseil en merchandising", Decimal(4), 12000, Decimal(0), "AE")],
        vat_scheme="reverse_charge",
        supply_type="services",
        buyer_country="DE",
        buyer_address="Hauptstraße 5\n10115 Berlin\nDE",
        buyer_vat_number="DE129273398",
        buyer_is_business=True,
    )

    text = pdf_text(invoice_pdf(invoice, language="fr"))

    assert "Autoliquidation" in text
    assert "DE129273398" in text
    assert "Prestations de services" in text


def test_a_proforma_pdf_says_it_is_not_an_invoice() -> None:
    proforma = build_invoice(MULTI_RATE[:1], kind="proforma", status="draft", language="en")

    text = pdf_text(invoice_pdf(proforma))

    assert "Proforma invoice PF-" in text
    assert "is not an invoice" in text
