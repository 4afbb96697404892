"""The Factur-X XML of an invoice: a UN/CEFACT Cross Industry Invoice (D16B, as Factur-X 1.0
uses it) at the EN 16931 profile, element order as the official XSD wants it."""

from __future__ import annotations

from datetime import date
from typing import Final

from lxml import etree  # type: ignore[import-untyped, unused-ignore]

from comptoir.billing.documents import content
from comptoir.billing.documents.content import Party, PostalAddress
from comptoir.billing.invoices.models import Invoice, InvoiceLine

RSM: Final = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM: Final = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT: Final = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
QDT: Final = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
NSMAP: Final = {"rsm": RSM, "qdt": QDT, "ram": RAM, "udt": UDT}
SIREN_SCHEME: Final = "0002"
"""ISO 6523 ICD of the French SIREN (BT-30 scheme)."""


def _sub(
    parent: etree._Element, tag: str, text: str | None = None, **attributes: str
) -> etree._Element:
    prefix, _, name = tag.partition(":")
    element = etree.SubElement(parent, f"{{{NSMAP[prefix]}}}{name}", attributes)
    if text is not None:
        element.text = text
    return element


def _date(parent: etree._Element, tag: str, value: date, *, qualified: bool = False) -> None:
    holder = _sub(parent, tag)
    prefix = "qdt" if qualified else "udt"
    _sub(holder, f"{prefix}:DateTimeString", content.date_digits(value), format="102")


def cii_xml(invoice: Invoice) -> bytes:
    """The invoice (credit note, proforma) as a Factur-X EN 16931 CrossIndustryInvoice,
    UTF-8 with an XML declaration. It is valid against the Factur-X EN 16931 XSD; a draft
    that is not a proforma (no number or date yet) raises ``ValueError``."""
    root = etree.Element(f"{{{RSM}}}CrossIndustryInvoice", nsmap=NSMAP)
    context = _sub(root, "rsm:ExchangedDocumentContext")
    guideline = _sub(context, "ram:GuidelineSpecifiedDocumentContextParameter")
    _sub(guideline, "ram:ID", content.SPECIFICATION_ID)
    _header(_sub(root, "rsm:ExchangedDocument"), invoice)
    transaction = _sub(root, "rsm:SupplyChainTradeTransaction")
    for line in invoice.lines:
        _line(_sub(transaction, "ram:IncludedSupplyChainTradeLineItem"), invoice, line)
    _agreement(_sub(transaction, "ram:ApplicableHeaderTradeAgreement"), invoice)
    _delivery(_sub(transaction, "ram:ApplicableHeaderTradeDelivery"), invoice)
    _settlement(_sub(transaction, "ram:ApplicableHeaderTradeSettlement"), invoice)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def _header(document: etree._Element, invoice: Invoice) -> None:
    _sub(document, "ram:ID", content.document_number(invoice))
    _sub(document, "ram:TypeCode", content.type_code(invoice))
    _date(document, "ram:IssueDateTime", content.document_date(invoice))
    notes: list[tuple[str | None, str]] = []
    if invoice.note:
        notes.append((None, invoice.note))
    notes.extend(content.late_payment_notes(invoice))
    for subject, text in notes:
        note = _sub(document, "ram:IncludedNote")
        _sub(note, "ram:Content", text)
        if subject is not None:
            _sub(note, "ram:SubjectCode", subject)


def _line(item: etree._Element, invoice: Invoice, line: InvoiceLine) -> None:
    currency = invoice.currency
    document = _sub(item, "ram:AssociatedDocumentLineDocument")
    _sub(document, "ram:LineID", str(line.position))
    product = _sub(item, "ram:SpecifiedTradeProduct")
    if line.sku:
        _sub(product, "ram:SellerAssignedID", line.sku)
    _sub(product, "ram:Name", line.title)
    agreement = _sub(item, "ram:SpecifiedLineTradeAgreement")
    price = _sub(agreement, "ram:NetPriceProductTradePrice")
    _sub(price, "ram:ChargeAmount", content.amount(content.line_price(invoice, line), currency))
    delivery = _sub(item, "ram:SpecifiedLineTradeDelivery")
    _sub(delivery, "ram:BilledQuantity", content.quantity(line.quantity), unitCode=line.unit_code)
    settlement = _sub(item, "ram:SpecifiedLineTradeSettlement")
    tax = _sub(settlement, "ram:ApplicableTradeTax")
    _sub(tax, "ram:TypeCode", "VAT")
    _sub(tax, "ram:CategoryCode", line.vat_category)
    if line.vat_category != content.NO_RATE_CATEGORY:
        _sub(tax, "ram:RateApplicablePercent", content.percent(line.vat_rate))
    discount = content.line_discount(invoice, line)
    if discount:
        allowance = _sub(settlement, "ram:SpecifiedTradeAllowanceCharge")
        indicator = _sub(allowance, "ram:ChargeIndicator")
        _sub(indicator, "udt:Indicator", "false")
        _sub(allowance, "ram:ActualAmount", content.amount(discount, currency))
        _sub(allowance, "ram:ReasonCode", "95")  # UNTDID 5189: discount
        _sub(allowance, "ram:Reason", "Discount")
    summation = _sub(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation")
    _sub(
        summation, "ram:LineTotalAmount", content.amount(content.line_net(invoice, line), currency)
    )


def _address(parent: etree._Element, address: PostalAddress) -> None:
    postal = _sub(parent, "ram:PostalTradeAddress")
    if address.postcode:
        _sub(postal, "ram:PostcodeCode", address.postcode)
    for tag, text in zip(
        ("ram:LineOne", "ram:LineTwo", "ram:LineThree"), address.lines[:3], strict=False
    ):
        _sub(postal, tag, text)
    if address.city:
        _sub(postal, "ram:CityName", address.city)
    _sub(postal, "ram:CountryID", address.country)


def _party(parent: etree._Element, tag: str, party: Party) -> None:
    element = _sub(parent, tag)
    _sub(element, "ram:Name", party.name)
    if party.siren or party.trade_name:
        legal = _sub(element, "ram:SpecifiedLegalOrganization")
        if party.siren:
            _sub(legal, "ram:ID", party.siren, schemeID=SIREN_SCHEME)
        if party.trade_name:
            _sub(legal, "ram:TradingBusinessName", party.trade_name)
    if party.phone:
        contact = _sub(element, "ram:DefinedTradeContact")
        phone = _sub(contact, "ram:TelephoneUniversalCommunication")
        _sub(phone, "ram:CompleteNumber", party.phone)
    _address(element, party.address)
    if party.email:
        uri = _sub(element, "ram:URIUniversalCommunication")
        _sub(uri, "ram:URIID", party.email, schemeID="EM")
    if party.vat_number:
        registration = _sub(element, "ram:SpecifiedTaxRegistration")
        _sub(registration, "ram:ID", party.vat_number, schemeID="VA")


def _agreement(agreement: etree._Element, invoice: Invoice) -> None:
    reference = content.buyer_reference(invoice)
    if reference:
        _sub(agreement, "ram:BuyerReference", reference)
    _party(agreement, "ram:SellerTradeParty", content.seller_party(invoice))
    _party(agreement, "ram:BuyerTradeParty", content.buyer_party(invoice))
    if reference:
        order = _sub(agreement, "ram:BuyerOrderReferencedDocument")
        _sub(order, "ram:IssuerAssignedID", reference)


def _delivery(delivery: etree._Element, invoice: Invoice) -> None:
    address = content.delivery_address(invoice)
    if address is not None:
        ship_to = _sub(delivery, "ram:ShipToTradeParty")
        if invoice.buyer_name:
            _sub(ship_to, "ram:Name", invoice.buyer_name)
        _address(ship_to, address)
    if invoice.delivery_date is not None:
        event = _sub(delivery, "ram:ActualDeliverySupplyChainEvent")
        _date(event, "ram:OccurrenceDateTime", invoice.delivery_date)


def _settlement(settlement: etree._Element, invoice: Invoice) -> None:
    currency = invoice.currency
    accounting_tax = content.accounting_tax_minor(invoice)
    if accounting_tax is not None:
        _sub(settlement, "ram:TaxCurrencyCode", content.accounting_currency(invoice))
    _sub(settlement, "ram:InvoiceCurrencyCode", currency)
    means = content.payment_means(invoice)
    if means is not None:
        element = _sub(settlement, "ram:SpecifiedTradeSettlementPaymentMeans")
        _sub(element, "ram:TypeCode", means.code)
        if means.iban:
            account = _sub(element, "ram:PayeePartyCreditorFinancialAccount")
            _sub(account, "ram:IBANID", means.iban)
            if means.account_name:
                _sub(account, "ram:AccountName", means.account_name)
        if means.bic:
            bank = _sub(element, "ram:PayeeSpecifiedCreditorFinancialInstitution")
            _sub(bank, "ram:BICID", means.bic)
    for line in content.tax_lines(invoice):
        tax = _sub(settlement, "ram:ApplicableTradeTax")
        _sub(tax, "ram:CalculatedAmount", content.amount(line.tax_minor, currency))
        _sub(tax, "ram:TypeCode", "VAT")
        if line.exemption_reason:
            _sub(tax, "ram:ExemptionReason", line.exemption_reason)
        _sub(tax, "ram:BasisAmount", content.amount(line.base_minor, currency))
        _sub(tax, "ram:CategoryCode", line.category)
        if line.exemption_code:
            _sub(tax, "ram:ExemptionReasonCode", line.exemption_code)
        if invoice.vat_on_debits and line.tax_minor:
            _sub(tax, "ram:DueDateTypeCode", "5")  # UNTDID 2475: VAT due on the invoice date
        if line.has_rate:
            _sub(tax, "ram:RateApplicablePercent", content.percent(line.rate))
    terms = _sub(settlement, "ram:SpecifiedTradePaymentTerms")
    _sub(terms, "ram:Description", content.payment_terms_text(invoice))
    if invoice.due_date is not None and invoice.kind != "credit_note":
        _date(terms, "ram:DueDateDateTime", invoice.due_date)
    _summation(settlement, invoice, accounting_tax)
    original = content.original_reference(invoice)
    if original is not None:
        referenced = _sub(settlement, "ram:InvoiceReferencedDocument")
        _sub(referenced, "ram:IssuerAssignedID", original[0])
        if original[1] is not None:
            _date(referenced, "ram:FormattedIssueDateTime", original[1], qualified=True)


def _summation(settlement: etree._Element, invoice: Invoice, accounting_tax: int | None) -> None:
    currency = invoice.currency
    net, tax, gross = content.totals(invoice)
    summation = _sub(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    line_total = sum(content.line_net(invoice, line) for line in invoice.lines)
    _sub(summation, "ram:LineTotalAmount", content.amount(line_total, currency))
    _sub(summation, "ram:TaxBasisTotalAmount", content.amount(net, currency))
    _sub(summation, "ram:TaxTotalAmount", content.amount(tax, currency), currencyID=currency)
    if accounting_tax is not None:
        target = content.accounting_currency(invoice)
        _sub(
            summation,
            "ram:TaxTotalAmount",
            content.amount(accounting_tax, target),
            currencyID=target,
        )
    rounding = content.rounding_minor(invoice)
    if rounding:
        _sub(summation, "ram:RoundingAmount", content.amount(rounding, currency))
    _sub(summation, "ram:GrandTotalAmount", content.amount(gross, currency))
    prepaid = content.prepaid_minor(invoice)
    if prepaid:
        _sub(summation, "ram:TotalPrepaidAmount", content.amount(prepaid, currency))
    _sub(summation, "ram:DuePayableAmount", content.amount(content.due_minor(invoice), currency))
