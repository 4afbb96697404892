"""A small checker of the EN 16931 business rules that matter for our invoices, on what a
Factur-X (CII) or UBL document says (read back with lxml, not from our own objects):

- BR-CO-10 sum of line net amounts = BT-106; BR-CO-13 BT-109 = BT-106 (no document-level
  allowances or charges); BR-CO-14 BT-110 = sum of BT-117; BR-CO-15 BT-112 = BT-109 + BT-110;
  BR-CO-16 BT-115 = BT-112 - BT-113 + BT-114 (the rounding amount); BR-CO-17 BT-117 =
  BT-116 x BT-119 / 100, rounded;
- LINE-NET a line's net = quantity x net price - line allowances (EN 16931's calculation
  model; the schematron has no rule number for it);
- BR-S-08 / BR-AE-08 / ... each breakdown's base = the sum of its lines' nets;
- BR-S-05 / BR-Z-05 / BR-E-05 / BR-AE-05 / BR-IC-05 / BR-G-05 line rates; BR-O-05 no rate;
- BR-*-09 zero VAT for E, AE, K, G, O; BR-*-10 an exemption reason for them, none for S, Z;
- BR-S-02 & co. a seller VAT identifier; BR-AE-02 and BR-IC-02 the buyer's too;
- BR-IC-11 delivery date, BR-IC-12 deliver-to country for intra-EU supplies;
- BR-O-11..14 an "O" document has no other category;
- BR-CO-09 VAT identifiers start with a country code;
- BR-61 a credit transfer names the payee's account; BR-CO-25 a positive amount due has a
  due date or payment terms; BR-55 a credit note's preceding invoice reference has a number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from lxml import etree  # type: ignore[import-untyped, unused-ignore]

NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
CENT = Decimal("0.01")
ZERO_CATEGORIES = {"E", "AE", "K", "G", "O"}
VAT_ID = re.compile(r"^[A-Z]{2}[0-9A-Z+*.]{2,}$")


@dataclass
class DocLine:
    quantity: Decimal
    price: Decimal
    allowance: Decimal
    net: Decimal
    category: str
    rate: Decimal | None


@dataclass
class DocBreakdown:
    category: str
    rate: Decimal | None
    base: Decimal
    tax: Decimal
    reason: str | None
    reason_code: str | None


@dataclass
class DocFacts:
    type_code: str
    lines: list[DocLine] = field(default_factory=list)
    breakdown: list[DocBreakdown] = field(default_factory=list)
    line_total: Decimal = Decimal(0)
    tax_basis: Decimal = Decimal(0)
    tax_total: Decimal = Decimal(0)
    grand_total: Decimal = Decimal(0)
    prepaid: Decimal = Decimal(0)
    rounding: Decimal = Decimal(0)
    due: Decimal = Decimal(0)
    seller_vat: str | None = None
    buyer_vat: str | None = None
    buyer_legal_id: str | None = None
    delivery_date: str | None = None
    deliver_to_country: str | None = None
    payment_code: str | None = None
    payment_account: str | None = None
    due_date: str | None = None
    payment_terms: str | None = None
    preceding_number: str | None = None
    has_preceding: bool = False


def _one(node: etree._Element, path: str) -> str | None:
    found = node.xpath(path, namespaces=NS)
    assert isinstance(found, list)
    if not found:
        return None
    value = found[0]
    return str(value.text if isinstance(value, etree._Element) else value)


def _dec(node: etree._Element, path: str) -> Decimal:
    text = _one(node, path)
    return Decimal(text) if text is not None else Decimal(0)


def _maybe_dec(node: etree._Element, path: str) -> Decimal | None:
    text = _one(node, path)
    return Decimal(text) if text is not None else None


def read_cii(xml: bytes) -> DocFacts:
    root = etree.fromstring(xml)
    settlement = root.xpath("//ram:ApplicableHeaderTradeSettlement", namespaces=NS)[0]
    total = settlement.xpath("ram:SpecifiedTradeSettlementHeaderMonetarySummation", namespaces=NS)[
        0
    ]
    currency = _one(settlement, "ram:InvoiceCurrencyCode")
    facts = DocFacts(type_code=_one(root, "//rsm:ExchangedDocument/ram:TypeCode") or "")
    for item in root.xpath("//ram:IncludedSupplyChainTradeLineItem", namespaces=NS):
        facts.lines.append(
            DocLine(
                quantity=_dec(item, ".//ram:BilledQuantity"),
                price=_dec(item, ".//ram:NetPriceProductTradePrice/ram:ChargeAmount"),
                allowance=sum(
                    (
                        Decimal(a.text)
                        for a in item.xpath(
                            ".//ram:SpecifiedTradeAllowanceCharge[ram:ChargeIndicator/udt:Indicator='false']"
                            "/ram:ActualAmount",
                            namespaces=NS,
                        )
                    ),
                    Decimal(0),
                ),
                net=_dec(item, ".//ram:LineTotalAmount"),
                category=_one(item, ".//ram:ApplicableTradeTax/ram:CategoryCode") or "",
                rate=_maybe_dec(item, ".//ram:ApplicableTradeTax/ram:RateApplicablePercent"),
            )
        )
    for tax in settlement.xpath("ram:ApplicableTradeTax", namespaces=NS):
        facts.breakdown.append(
            DocBreakdown(
                category=_one(tax, "ram:CategoryCode") or "",
                rate=_maybe_dec(tax, "ram:RateApplicablePercent"),
                base=_dec(tax, "ram:BasisAmount"),
                tax=_dec(tax, "ram:CalculatedAmount"),
                reason=_one(tax, "ram:ExemptionReason"),
                reason_code=_one(tax, "ram:ExemptionReasonCode"),
            )
        )
    facts.line_total = _dec(total, "ram:LineTotalAmount")
    facts.tax_basis = _dec(total, "ram:TaxBasisTotalAmount")
    facts.tax_total = _dec(total, f"ram:TaxTotalAmount[@currencyID='{currency}']")
    facts.grand_total = _dec(total, "ram:GrandTotalAmount")
    facts.prepaid = _dec(total, "ram:TotalPrepaidAmount")
    facts.rounding = _dec(total, "ram:RoundingAmount")
    facts.due = _dec(total, "ram:DuePayableAmount")
    agreement = "//ram:ApplicableHeaderTradeAgreement"
    facts.seller_vat = _one(
        root, f"{agreement}/ram:SellerTradeParty/ram:SpecifiedTaxRegistration/ram:ID"
    )
    facts.buyer_vat = _one(
        root, f"{agreement}/ram:BuyerTradeParty/ram:SpecifiedTaxRegistration/ram:ID"
    )
    facts.buyer_legal_id = _one(
        root, f"{agreement}/ram:BuyerTradeParty/ram:SpecifiedLegalOrganization/ram:ID"
    )
    delivery = "//ram:ApplicableHeaderTradeDelivery"
    facts.delivery_date = _one(
        root, f"{delivery}/ram:ActualDeliverySupplyChainEvent//udt:DateTimeString"
    )
    facts.deliver_to_country = _one(
        root, f"{delivery}/ram:ShipToTradeParty/ram:PostalTradeAddress/ram:CountryID"
    )
    facts.payment_code = _one(settlement, "ram:SpecifiedTradeSettlementPaymentMeans/ram:TypeCode")
    facts.payment_account = _one(
        settlement,
        "ram:SpecifiedTradeSettlementPaymentMeans/ram:PayeePartyCreditorFinancialAccount/ram:IBANID",
    )
    facts.due_date = _one(
        settlement, "ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/udt:DateTimeString"
    )
    facts.payment_terms = _one(settlement, "ram:SpecifiedTradePaymentTerms/ram:Description")
    facts.has_preceding = bool(settlement.xpath("ram:InvoiceReferencedDocument", namespaces=NS))
    facts.preceding_number = _one(settlement, "ram:InvoiceReferencedDocument/ram:IssuerAssignedID")
    return facts


def read_ubl(xml: bytes) -> DocFacts:
    root = etree.fromstring(xml)
    currency = _one(root, "cbc:DocumentCurrencyCode")
    is_credit = etree.QName(root).localname == "CreditNote"
    facts = DocFacts(
        type_code=_one(root, "cbc:CreditNoteTypeCode" if is_credit else "cbc:InvoiceTypeCode") or ""
    )
    quantity_tag = "cbc:CreditedQuantity" if is_credit else "cbc:InvoicedQuantity"
    for item in root.xpath("cac:InvoiceLine | cac:CreditNoteLine", namespaces=NS):
        facts.lines.append(
            DocLine(
                quantity=_dec(item, quantity_tag),
                price=_dec(item, "cac:Price/cbc:PriceAmount"),
                allowance=sum(
                    (
                        Decimal(a.text)
                        for a in item.xpath(
                            "cac:AllowanceCharge[cbc:ChargeIndicator='false']/cbc:Amount",
                            namespaces=NS,
                        )
                    ),
                    Decimal(0),
                ),
                net=_dec(item, "cbc:LineExtensionAmount"),
                category=_one(item, "cac:Item/cac:ClassifiedTaxCategory/cbc:ID") or "",
                rate=_maybe_dec(item, "cac:Item/cac:ClassifiedTaxCategory/cbc:Percent"),
            )
        )
    tax_total = root.xpath(f"cac:TaxTotal[cbc:TaxAmount/@currencyID='{currency}']", namespaces=NS)[
        0
    ]
    for sub in tax_total.xpath("cac:TaxSubtotal", namespaces=NS):
        facts.breakdown.append(
            DocBreakdown(
                category=_one(sub, "cac:TaxCategory/cbc:ID") or "",
                rate=_maybe_dec(sub, "cac:TaxCategory/cbc:Percent"),
                base=_dec(sub, "cbc:TaxableAmount"),
                tax=_dec(sub, "cbc:TaxAmount"),
                reason=_one(sub, "cac:TaxCategory/cbc:TaxExemptionReason"),
                reason_code=_one(sub, "cac:TaxCategory/cbc:TaxExemptionReasonCode"),
            )
        )
    money = "cac:LegalMonetaryTotal"
    facts.line_total = _dec(root, f"{money}/cbc:LineExtensionAmount")
    facts.tax_basis = _dec(root, f"{money}/cbc:TaxExclusiveAmount")
    facts.tax_total = _dec(tax_total, "cbc:TaxAmount")
    facts.grand_total = _dec(root, f"{money}/cbc:TaxInclusiveAmount")
    facts.prepaid = _dec(root, f"{money}/cbc:PrepaidAmount")
    facts.rounding = _dec(root, f"{money}/cbc:PayableRoundingAmount")
    facts.due = _dec(root, f"{money}/cbc:PayableAmount")
    facts.seller_vat = _one(
        root, "cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme/cbc:CompanyID"
    )
    facts.buyer_vat = _one(
        root, "cac:AccountingCustomerParty/cac:Party/cac:PartyTaxScheme/cbc:CompanyID"
    )
    facts.buyer_legal_id = _one(
        root, "cac:AccountingCustomerParty/cac:Party/cac:PartyLegalEntity/cbc:CompanyID"
    )
    facts.delivery_date = _one(root, "cac:Delivery/cbc:ActualDeliveryDate")
    facts.deliver_to_country = _one(
        root, "cac:Delivery/cac:DeliveryLocation/cac:Address/cac:Country/cbc:IdentificationCode"
    )
    facts.payment_code = _one(root, "cac:PaymentMeans/cbc:PaymentMeansCode")
    facts.payment_account = _one(root, "cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID")
    facts.due_date = _one(root, "cbc:DueDate")
    facts.payment_terms = _one(root, "cac:PaymentTerms/cbc:Note")
    facts.has_preceding = bool(root.xpath("cac:BillingReference", namespaces=NS))
    facts.preceding_number = _one(root, "cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID")
    return facts


def broken_rules(facts: DocFacts) -> list[str]:
    """The rules ``facts`` break, e.g. ``["BR-CO-15"]``; empty when it passes."""
    broken: list[str] = []

    def rule(name: str, holds: bool) -> None:
        if not holds and name not in broken:
            broken.append(name)

    rule("BR-16", bool(facts.lines))
    for line in facts.lines:
        expected = (line.quantity * line.price - line.allowance).quantize(CENT, ROUND_HALF_UP)
        rule("LINE-NET", line.net == expected)
        rule("BR-CO-04", bool(line.category))
        if line.category == "S":
            rule("BR-S-05", line.rate is not None and line.rate > 0)
        elif line.category == "O":
            rule("BR-O-05", line.rate is None)
        else:
            rule(f"BR-{line.category}-05", line.rate == 0)
    rule("BR-CO-10", facts.line_total == sum((line.net for line in facts.lines), Decimal(0)))
    rule("BR-CO-13", facts.tax_basis == facts.line_total)
    rule("BR-CO-14", facts.tax_total == sum((b.tax for b in facts.breakdown), Decimal(0)))
    rule("BR-CO-15", facts.grand_total == facts.tax_basis + facts.tax_total)
    rule("BR-CO-16", facts.due == facts.grand_total - facts.prepaid + facts.rounding)
    rule("BR-CO-18", bool(facts.breakdown))
    categories = {line.category for line in facts.lines}
    for breakdown in facts.breakdown:
        lines_base = sum(
            (
                line.net
                for line in facts.lines
                if line.category == breakdown.category and line.rate == breakdown.rate
            ),
            Decimal(0),
        )
        rule(f"BR-{breakdown.category}-08", breakdown.base == lines_base)
        if breakdown.rate is not None:
            expected_tax = (breakdown.base * breakdown.rate / 100).quantize(CENT, ROUND_HALF_UP)
            rule("BR-CO-17", breakdown.tax == expected_tax)
        if breakdown.category in ZERO_CATEGORIES:
            rule(f"BR-{breakdown.category}-09", breakdown.tax == 0)
            rule(f"BR-{breakdown.category}-10", bool(breakdown.reason or breakdown.reason_code))
        else:
            rule(f"BR-{breakdown.category}-10", not breakdown.reason and not breakdown.reason_code)
        if breakdown.category == "O":
            rule("BR-O-09", breakdown.rate is None)
    for category in categories - {"O"}:
        rule(f"BR-{category}-02", facts.seller_vat is not None)
    if "O" in categories:
        rule("BR-O-11", categories == {"O"})
    if "AE" in categories:
        rule("BR-AE-02", facts.buyer_vat is not None or facts.buyer_legal_id is not None)
    if "K" in categories:
        rule("BR-IC-02", facts.buyer_vat is not None)
        rule("BR-IC-11", facts.delivery_date is not None)
        rule("BR-IC-12", facts.deliver_to_country is not None)
    for vat_id in (facts.seller_vat, facts.buyer_vat):
        if vat_id is not None:
            rule("BR-CO-09", bool(VAT_ID.match(vat_id)))
    if facts.payment_code in ("30", "58"):
        rule("BR-61", bool(facts.payment_account))
    if facts.due > 0:
        rule("BR-CO-25", bool(facts.due_date or facts.payment_terms))
    if facts.has_preceding:
        rule("BR-55", bool(facts.preceding_number))
    return broken
