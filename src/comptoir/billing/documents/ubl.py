"""The UBL 2.1 form of an invoice (``Invoice``) or credit note (``CreditNote``) under the
EN 16931 customization, element order as the OASIS UBL 2.1 XSD wants it."""

from __future__ import annotations

from typing import Final

from lxml import etree  # type: ignore[import-untyped, unused-ignore]

from comptoir.billing.documents import content
from comptoir.billing.documents.content import Party, PostalAddress
from comptoir.billing.invoices.models import Invoice, InvoiceLine

INVOICE_NS: Final = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CREDIT_NOTE_NS: Final = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CAC: Final = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC: Final = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
NAMESPACES: Final[dict[str | None, str]] = {"cac": CAC, "cbc": CBC}
SIREN_SCHEME: Final = "0002"


def _sub(
    parent: etree._Element, tag: str, text: str | None = None, **attributes: str
) -> etree._Element:
    prefix, _, name = tag.partition(":")
    element = etree.SubElement(parent, f"{{{NAMESPACES[prefix]}}}{name}", attributes)
    if text is not None:
        element.text = text
    return element


def ubl_xml(invoice: Invoice) -> bytes:
    """The invoice as a UBL 2.1 ``Invoice`` (a credit note as a ``CreditNote``) claiming
    EN 16931, UTF-8 with an XML declaration, valid against the UBL 2.1 XSD. A draft that is
    not a proforma (no number or date yet) raises ``ValueError``."""
    is_credit = invoice.kind == "credit_note"
    root_ns = CREDIT_NOTE_NS if is_credit else INVOICE_NS
    root_name = "CreditNote" if is_credit else "Invoice"
    namespaces: dict[str | None, str] = {None: root_ns, **NAMESPACES}
    root = etree.Element(f"{{{root_ns}}}{root_name}", nsmap=namespaces)
    currency = invoice.currency
    accounting_tax = content.accounting_tax_minor(invoice)

    _sub(root, "cbc:CustomizationID", content.SPECIFICATION_ID)
    number = content.document_number(invoice)
    _sub(root, "cbc:ID", number)
    _sub(root, "cbc:IssueDate", content.document_date(invoice).isoformat())
    if not is_credit and invoice.due_date is not None:
        _sub(root, "cbc:DueDate", invoice.due_date.isoformat())
    _sub(
        root,
        "cbc:CreditNoteTypeCode" if is_credit else "cbc:InvoiceTypeCode",
        content.type_code(invoice),
    )
    if invoice.note:
        _sub(root, "cbc:Note", invoice.note)
    for subject, text in content.late_payment_notes(invoice):
        _sub(root, "cbc:Note", f"#{subject}#{text}")
    _sub(root, "cbc:DocumentCurrencyCode", currency)
    if accounting_tax is not None:
        _sub(root, "cbc:TaxCurrencyCode", content.accounting_currency(invoice))
    reference = content.buyer_reference(invoice)
    if reference:
        _sub(root, "cbc:BuyerReference", reference)
        _sub(_sub(root, "cac:OrderReference"), "cbc:ID", reference)
    original = content.original_reference(invoice)
    if original is not None:
        cited = _sub(_sub(root, "cac:BillingReference"), "cac:InvoiceDocumentReference")
        _sub(cited, "cbc:ID", original[0])
        if original[1] is not None:
            _sub(cited, "cbc:IssueDate", original[1].isoformat())
    _party(_sub(root, "cac:AccountingSupplierParty"), content.seller_party(invoice))
    _party(_sub(root, "cac:AccountingCustomerParty"), content.buyer_party(invoice))
    _delivery(root, invoice)
    _payment(root, invoice, number)
    _taxes(root, invoice, accounting_tax)
    _monetary_total(root, invoice)
    for line in invoice.lines:
        _line(root, invoice, line, is_credit=is_credit)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def _address(parent: etree._Element, tag: str, address: PostalAddress) -> None:
    element = _sub(parent, tag)
    if address.lines:
        _sub(element, "cbc:StreetName", address.lines[0])
    if len(address.lines) > 1:
        _sub(element, "cbc:AdditionalStreetName", address.lines[1])
    if address.city:
        _sub(element, "cbc:CityName", address.city)
    if address.postcode:
        _sub(element, "cbc:PostalZone", address.postcode)
    if len(address.lines) > 2:
        _sub(_sub(element, "cac:AddressLine"), "cbc:Line", address.lines[2])
    _sub(_sub(element, "cac:Country"), "cbc:IdentificationCode", address.country)


def _party(holder: etree._Element, party: Party) -> None:
    element = _sub(holder, "cac:Party")
    if party.email:
        _sub(element, "cbc:EndpointID", party.email, schemeID="EM")
    if party.siret:
        _sub(_sub(element, "cac:PartyIdentification"), "cbc:ID", party.siret, schemeID="0009")
    if party.trade_name:
        _sub(_sub(element, "cac:PartyName"), "cbc:Name", party.trade_name)
    _address(element, "cac:PostalAddress", party.address)
    if party.vat_number:
        scheme = _sub(element, "cac:PartyTaxScheme")
        _sub(scheme, "cbc:CompanyID", party.vat_number)
        _sub(_sub(scheme, "cac:TaxScheme"), "cbc:ID", "VAT")
    legal = _sub(element, "cac:PartyLegalEntity")
    _sub(legal, "cbc:RegistrationName", party.name)
    if party.siren:
        _sub(legal, "cbc:CompanyID", party.siren, schemeID=SIREN_SCHEME)
    if party.legal_form:
        _sub(legal, "cbc:CompanyLegalForm", party.legal_form)
    if party.phone or party.email:
        contact = _sub(element, "cac:Contact")
        if party.phone:
            _sub(contact, "cbc:Telephone", party.phone)
        if party.email:
            _sub(contact, "cbc:ElectronicMail", party.email)


def _delivery(root: etree._Element, invoice: Invoice) -> None:
    address = content.delivery_address(invoice)
    if address is None and invoice.delivery_date is None:
        return
    delivery = _sub(root, "cac:Delivery")
    if invoice.delivery_date is not None:
        _sub(delivery, "cbc:ActualDeliveryDate", invoice.delivery_date.isoformat())
    if address is not None:
        _address(_sub(delivery, "cac:DeliveryLocation"), "cac:Address", address)
        if invoice.buyer_name:
            party = _sub(delivery, "cac:DeliveryParty")
            _sub(_sub(party, "cac:PartyName"), "cbc:Name", invoice.buyer_name)


def _payment(root: etree._Element, invoice: Invoice, number: str) -> None:
    means = content.payment_means(invoice)
    if means is not None:
        element = _sub(root, "cac:PaymentMeans")
        _sub(element, "cbc:PaymentMeansCode", means.code)
        _sub(element, "cbc:PaymentID", number)
        if means.iban:
            account = _sub(element, "cac:PayeeFinancialAccount")
            _sub(account, "cbc:ID", means.iban)
            if means.account_name:
                _sub(account, "cbc:Name", means.account_name)
            if means.bic:
                _sub(_sub(account, "cac:FinancialInstitutionBranch"), "cbc:ID", means.bic)
    _sub(_sub(root, "cac:PaymentTerms"), "cbc:Note", content.payment_terms_text(invoice))


def _taxes(root: etree._Element, invoice: Invoice, accounting_tax: int | None) -> None:
    currency = invoice.currency
    total = _sub(root, "cac:TaxTotal")
    _sub(
        total,
        "cbc:TaxAmount",
        content.amount(content.totals(invoice)[1], currency),
        currencyID=currency,
    )
    for line in content.tax_lines(invoice):
        subtotal = _sub(total, "cac:TaxSubtotal")
        _sub(
            subtotal,
            "cbc:TaxableAmount",
            content.amount(line.base_minor, currency),
            currencyID=currency,
        )
        _sub(
            subtotal, "cbc:TaxAmount", content.amount(line.tax_minor, currency), currencyID=currency
        )
        category = _sub(subtotal, "cac:TaxCategory")
        _sub(category, "cbc:ID", line.category)
        if line.has_rate:
            _sub(category, "cbc:Percent", content.percent(line.rate))
        if line.exemption_code:
            _sub(category, "cbc:TaxExemptionReasonCode", line.exemption_code)
        if line.exemption_reason:
            _sub(category, "cbc:TaxExemptionReason", line.exemption_reason)
        _sub(_sub(category, "cac:TaxScheme"), "cbc:ID", "VAT")
    if accounting_tax is not None:
        target = content.accounting_currency(invoice)
        in_accounting = _sub(root, "cac:TaxTotal")
        _sub(
            in_accounting,
            "cbc:TaxAmount",
            content.amount(accounting_tax, target),
            currencyID=target,
        )


def _monetary_total(root: etree._Element, invoice: Invoice) -> None:
    currency = invoice.currency
    net, _tax, gross = content.totals(invoice)
    line_total = sum(content.line_net(invoice, line) for line in invoice.lines)
    total = _sub(root, "cac:LegalMonetaryTotal")
    for tag, minor in (
        ("cbc:LineExtensionAmount", line_total),
        ("cbc:TaxExclusiveAmount", net),
        ("cbc:TaxInclusiveAmount", gross),
    ):
        _sub(total, tag, content.amount(minor, currency), currencyID=currency)
    prepaid = content.prepaid_minor(invoice)
    if prepaid:
        _sub(total, "cbc:PrepaidAmount", content.amount(prepaid, currency), currencyID=currency)
    rounding = content.rounding_minor(invoice)
    if rounding:
        _sub(
            total,
            "cbc:PayableRoundingAmount",
            content.amount(rounding, currency),
            currencyID=currency,
        )
    _sub(
        total,
        "cbc:PayableAmount",
        content.amount(content.due_minor(invoice), currency),
        currencyID=currency,
    )


def _line(root: etree._Element, invoice: Invoice, line: InvoiceLine, *, is_credit: bool) -> None:
    currency = invoice.currency
    element = _sub(root, "cac:CreditNoteLine" if is_credit else "cac:InvoiceLine")
    _sub(element, "cbc:ID", str(line.position))
    _sub(
        element,
        "cbc:CreditedQuantity" if is_credit else "cbc:InvoicedQuantity",
        content.quantity(line.quantity),
        unitCode=line.unit_code,
    )
    _sub(
        element,
        "cbc:LineExtensionAmount",
        content.amount(content.line_net(invoice, line), currency),
        currencyID=currency,
    )
    discount = content.line_discount(invoice, line)
    if discount:
        allowance = _sub(element, "cac:AllowanceCharge")
        _sub(allowance, "cbc:ChargeIndicator", "false")
        _sub(allowance, "cbc:AllowanceChargeReasonCode", "95")
        _sub(allowance, "cbc:AllowanceChargeReason", "Discount")
        _sub(allowance, "cbc:Amount", content.amount(discount, currency), currencyID=currency)
    item = _sub(element, "cac:Item")
    _sub(item, "cbc:Name", line.title)
    if line.sku:
        _sub(_sub(item, "cac:SellersItemIdentification"), "cbc:ID", line.sku)
    category = _sub(item, "cac:ClassifiedTaxCategory")
    _sub(category, "cbc:ID", line.vat_category)
    if line.vat_category != content.NO_RATE_CATEGORY:
        _sub(category, "cbc:Percent", content.percent(line.vat_rate))
    _sub(_sub(category, "cac:TaxScheme"), "cbc:ID", "VAT")
    price = _sub(element, "cac:Price")
    _sub(
        price,
        "cbc:PriceAmount",
        content.amount(content.line_price(invoice, line), currency),
        currencyID=currency,
    )
