"""The e-invoice: an issued invoice or credit note as a UBL 2.1 document of Peppol BIS Billing 3.0.

`invoice_ubl(invoice)` writes what the invoice said when it was issued, never what happened after:
the same bytes however often it is asked (the Peppol outbox, the API, the export command). So the
amount due (BT-115) is the total incl. VAT and there is no paid amount (BT-113): BR-CO-16's paid
amount is what the buyer paid *in advance*, before the document existed, and an invoice of ours is
never issued against a deposit; a payment received later changes the invoice's status, not the
document the client holds.

The document follows EN 16931 as Peppol restricts it (CIUS
`urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0`, process
`urn:fdc:peppol.eu:2017:poacc:billing:01:1.0`):

- elements in the order of the OASIS UBL 2.1 schemas (Invoice and CreditNote differ: a credit note
  has no DueDate of its own, its due date is PaymentMeans/PaymentDueDate), none empty
  (PEPPOL-EN16931-R008), amounts with two decimals in EUR;
- the seller is the cooperative: its Belgian enterprise number as electronic address and legal
  identifier (scheme 0208), its VAT number; the Activity's trade name as trading name (BT-28);
- the buyer's electronic address (BT-49, PEPPOL-EN16931-R010) is, in this order: the Peppol
  identifier stored on the client, its Belgian enterprise number (0208), its VAT number under its
  country's scheme of Peppol's Electronic Address Scheme list. A client none of these name (a
  private person, a company outside the EU) has no address in that list; their e-mail is then given
  with scheme EM, as EN 16931's list of the same name allows, and `ubl_problems` says so
  (PEPPOL-EN16931-CL008): such a client receives the PDF by e-mail, never through Peppol;
- the buyer reference (BT-10) is the client's own reference, else its purchase order, else the
  invoice number (a credit note's, else those of the invoice it credits), so PEPPOL-EN16931-R003
  always holds and the client can quote something;
- one VAT breakdown per category and rate from `invoicing.vat.totals` (the figures of the PDF and
  of the ledger), with the exemption's VATEX code and mention, in the invoice's language, for the
  categories that charge none (E, AE, K, G, O); a document outside the scope of VAT (O) carries
  neither party's VAT number and no rate (BR-O-02, BR-O-05);
- delivery: the date of supply (BT-72) or the invoicing period (BG-14), and for goods the country
  they go to (BT-80, needed by an intra-Community supply: BR-IC-12);
- payment by credit transfer (UNCL4461 code 30) to the cooperative's account with the structured
  communication as remittance information; a credit note is set off against the invoice it
  credits (code 97, clearing between partners), which it names in BillingReference;
- the PDF travels inside, as the supporting document (BG-24) the buyer's reader shows.
"""

import base64
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _
from lxml import etree

from invoicing import vat
from invoicing.models import Invoice, InvoiceLine, InvoiceStatus
from smartcoop.models import CooperativeEntity
from smartcoop.money import to_money

CUSTOMIZATION_ID = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE_ID = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
CURRENCY = "EUR"

NS_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
NS_CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"

INVOICE_TYPE = "380"  # UNCL1001: commercial invoice
CREDIT_NOTE_TYPE = "381"  # UNCL1001: credit note
CREDIT_TRANSFER = "30"  # UNCL4461
CLEARING_BETWEEN_PARTNERS = "97"  # UNCL4461: amounts two partners owe each other, set off
BELGIAN_ENTERPRISE = "0208"
EMAIL_SCHEME = "EM"

# Peppol's Electronic Address Scheme for a VAT number, by the country of the client (ISO 3166), the
# value being the VAT number with its prefix. Source: Peppol BIS Billing 3.0 code list "eas"
# (docs.peppol.eu/poacc/billing/3.0/codelist/eas/). Countries whose list entry is not the VAT number
# (Denmark 0184 CVR, Sweden 0007 organisation number, Norway 0192) are derived in `_vat_endpoint`.
VAT_SCHEMES = {
    "AT": "9914",
    "BE": "9925",
    "BG": "9926",
    "CY": "9928",
    "CZ": "9929",
    "DE": "9930",
    "EE": "9931",
    "ES": "9920",
    "FI": "0213",
    "FR": "9957",
    "GB": "9932",
    "GR": "9933",
    "HR": "9934",
    "HU": "9910",
    "IE": "9935",
    "IT": "0211",
    "LT": "9937",
    "LU": "9938",
    "LV": "9939",
    "MT": "9943",
    "NL": "9944",
    "PL": "9945",
    "PT": "9946",
    "RO": "9947",
    "SI": "9949",
    "SK": "9950",
    "CH": "9927",
}

# Categories that charge no VAT and say why (BT-120, BT-121); S and Z must not (BR-S-10, BR-Z-10).
EXEMPT_CATEGORIES = frozenset({"E", "AE", "K", "G", "O"})


@dataclass(frozen=True)
class Endpoint:
    """An electronic address (BT-34, BT-49): a scheme of the EAS list and the identifier in it."""

    scheme: str
    value: str

    def __str__(self) -> str:
        return f"{self.scheme}:{self.value}"


def _digits(value: str) -> str:
    return "".join(char for char in value if char.isdigit())


def seller_endpoint(entity: CooperativeEntity) -> Endpoint:
    """The cooperative's Peppol address: its Belgian enterprise number (what it is registered under)."""
    return Endpoint(BELGIAN_ENTERPRISE, _digits(entity.enterprise_number))


def parse_participant(identifier: str) -> Endpoint | None:
    """A stored Peppol identifier "scheme:value" (0208:0403019261); None when it is not one."""
    scheme, _sep, value = identifier.strip().partition(":")
    if not scheme or not value.strip():
        return None
    return Endpoint(scheme.strip(), value.strip())


def _vat_endpoint(country: str, vat_number: str) -> Endpoint | None:
    number = vat_number.strip().upper()
    if country == "DK" and number.startswith("DK"):
        return Endpoint("0184", number)
    if country == "SE" and number.startswith("SE") and len(number) == 14:
        return Endpoint("0007", number[2:12])  # SE + organisation number + 01
    if country == "NO" and number.startswith("NO"):
        return Endpoint("0192", _digits(number)[:9])
    scheme = VAT_SCHEMES.get(country)
    return Endpoint(scheme, number) if scheme else None


def buyer_endpoint(invoice: Invoice) -> Endpoint | None:
    """Where the client receives e-invoices, from what the invoice recorded of it when issued."""
    stored = parse_participant(invoice.client_peppol_id)
    if stored is not None:
        return stored
    country = invoice.client_country.upper()
    if country == "BE" and invoice.client_enterprise_number:
        return Endpoint(BELGIAN_ENTERPRISE, _digits(invoice.client_enterprise_number))
    if invoice.client_vat_number:
        endpoint = _vat_endpoint(country, invoice.client_vat_number)
        if endpoint is not None:
            return endpoint
    if invoice.client_email:
        return Endpoint(EMAIL_SCHEME, invoice.client_email)
    return None


# --- writing -------------------------------------------------------------------------------------


def _amount(value: Decimal) -> str:
    return f"{to_money(value):.2f}"


def _figure(value: Decimal) -> str:
    """A quantity or a price without trailing zeros beyond the cents (2.5, 1000.00, 12.3456)."""
    if value == value.quantize(Decimal("0.01")):
        return f"{value.quantize(Decimal('0.01')):f}"
    return f"{value.normalize():f}"


def _rate(value: Decimal) -> str:
    return f"{vat.to_rate(value):.2f}"


class _Writer:
    """Appends UBL elements by their prefixed name (cbc:ID), never an empty one."""

    def __init__(self, root_name: str, namespace: str) -> None:
        # The document's own namespace as the default one, as Peppol's examples write it.
        nsmap: Any = {None: namespace, "cac": CAC, "cbc": CBC}
        self.root = etree.Element(f"{{{namespace}}}{root_name}", nsmap=nsmap)

    @staticmethod
    def qname(name: str) -> str:
        prefix, local = name.split(":")
        return f"{{{CAC if prefix == 'cac' else CBC}}}{local}"

    def group(self, parent: etree._Element, name: str) -> etree._Element:
        return etree.SubElement(parent, self.qname(name))

    def value(self, parent: etree._Element, name: str, text: object, **attributes: str) -> etree._Element | None:
        written = "" if text is None else str(text).strip()
        if not written:
            return None  # PEPPOL-EN16931-R008: an empty element is refused; absent is what empty means
        element = etree.SubElement(parent, self.qname(name), attrib=attributes)
        element.text = written
        return element

    def amount(self, parent: etree._Element, name: str, value: Decimal) -> None:
        self.value(parent, name, _amount(value), currencyID=CURRENCY)


def _exemption(category: str, invoice: Invoice) -> vat.Exemption | None:
    if category not in EXEMPT_CATEGORIES:
        return None
    return vat.exemption_for(category, invoice.exemption_basis)


def _tax_category(
    w: _Writer, parent: etree._Element, name: str, *, category: str, rate: Decimal, invoice: Invoice, reason: bool
) -> None:
    element = w.group(parent, name)
    w.value(element, "cbc:ID", category)
    if category != "O":  # BR-O-05: a supply outside the scope of VAT has no rate at all
        w.value(element, "cbc:Percent", _rate(rate))
    exemption = _exemption(category, invoice) if reason else None
    if exemption is not None:
        w.value(element, "cbc:TaxExemptionReasonCode", exemption.code)
        w.value(element, "cbc:TaxExemptionReason", str(exemption.mention))
    w.value(w.group(element, "cac:TaxScheme"), "cbc:ID", "VAT")


def _address(
    w: _Writer, parent: etree._Element, *, street: str, city: str, postal_code: str, country: str
) -> etree._Element:
    address = w.group(parent, "cac:PostalAddress")
    w.value(address, "cbc:StreetName", street)
    w.value(address, "cbc:CityName", city)
    w.value(address, "cbc:PostalZone", postal_code)
    w.value(w.group(address, "cac:Country"), "cbc:IdentificationCode", country.upper())
    return address


def _tax_scheme(w: _Writer, parent: etree._Element, vat_number: str) -> None:
    if not vat_number:
        return
    scheme = w.group(parent, "cac:PartyTaxScheme")
    w.value(scheme, "cbc:CompanyID", vat_number)
    w.value(w.group(scheme, "cac:TaxScheme"), "cbc:ID", "VAT")


def _seller(w: _Writer, invoice: Invoice, entity: CooperativeEntity, *, outside_scope: bool) -> None:
    party = w.group(w.group(w.root, "cac:AccountingSupplierParty"), "cac:Party")
    endpoint = seller_endpoint(entity)
    w.value(party, "cbc:EndpointID", endpoint.value, schemeID=endpoint.scheme)
    w.value(w.group(party, "cac:PartyName"), "cbc:Name", invoice.trade_name or entity.name)
    _address(w, party, street=entity.street, city=entity.city, postal_code=entity.postal_code, country=entity.country)
    if not outside_scope:  # BR-O-02: no seller VAT number on a document outside the scope of VAT
        _tax_scheme(w, party, entity.vat_number)
    legal = w.group(party, "cac:PartyLegalEntity")
    w.value(legal, "cbc:RegistrationName", entity.name)
    w.value(legal, "cbc:CompanyID", _digits(entity.enterprise_number), schemeID=BELGIAN_ENTERPRISE)


def _buyer(w: _Writer, invoice: Invoice, *, outside_scope: bool) -> None:
    party = w.group(w.group(w.root, "cac:AccountingCustomerParty"), "cac:Party")
    endpoint = buyer_endpoint(invoice)
    if endpoint is not None:
        w.value(party, "cbc:EndpointID", endpoint.value, schemeID=endpoint.scheme)
    w.value(w.group(party, "cac:PartyName"), "cbc:Name", invoice.client_name)
    _address(
        w,
        party,
        street=invoice.client_street,
        city=invoice.client_city,
        postal_code=invoice.client_postal_code,
        country=invoice.client_country,
    )
    if not outside_scope:
        _tax_scheme(w, party, invoice.client_vat_number)
    legal = w.group(party, "cac:PartyLegalEntity")
    w.value(legal, "cbc:RegistrationName", invoice.client_name)
    if invoice.client_country.upper() == "BE" and invoice.client_enterprise_number:
        w.value(legal, "cbc:CompanyID", _digits(invoice.client_enterprise_number), schemeID=BELGIAN_ENTERPRISE)
    if invoice.client_email:
        w.value(w.group(party, "cac:Contact"), "cbc:ElectronicMail", invoice.client_email)


def _delivery(w: _Writer, invoice: Invoice) -> None:
    goods = invoice.supply_kind == "goods"
    if invoice.supply_date is None and not goods:
        return
    delivery = w.group(w.root, "cac:Delivery")
    w.value(delivery, "cbc:ActualDeliveryDate", invoice.supply_date and invoice.supply_date.isoformat())
    if goods and invoice.client_country:
        # Where the goods go (BT-80): the client's country, the only delivery address we know.
        location = w.group(w.group(delivery, "cac:DeliveryLocation"), "cac:Address")
        w.value(w.group(location, "cac:Country"), "cbc:IdentificationCode", invoice.client_country.upper())


def _payment(
    w: _Writer, invoice: Invoice, entity: CooperativeEntity, credited: Invoice | None, issued_on: date
) -> None:
    means = w.group(w.root, "cac:PaymentMeans")
    if credited is None:
        w.value(means, "cbc:PaymentMeansCode", CREDIT_TRANSFER)
        w.value(means, "cbc:PaymentID", invoice.reference)
        account = w.group(means, "cac:PayeeFinancialAccount")
        w.value(account, "cbc:ID", "".join(entity.iban.split()))
        w.value(account, "cbc:Name", entity.name)
        if entity.bic:
            w.value(w.group(account, "cac:FinancialInstitutionBranch"), "cbc:ID", entity.bic)
        return
    # A credit note is settled by setting it off against the invoice: nothing is transferred to it.
    w.value(means, "cbc:PaymentMeansCode", CLEARING_BETWEEN_PARTNERS)
    w.value(means, "cbc:PaymentDueDate", (invoice.due_date or issued_on).isoformat())
    terms = w.group(w.root, "cac:PaymentTerms")
    w.value(terms, "cbc:Note", _("Set off against invoice %(number)s.") % {"number": credited.number})


def _lines(invoice: Invoice) -> list[InvoiceLine]:
    return list(invoice.lines.order_by("position"))


def _figures(lines: Sequence[InvoiceLine]) -> vat.Totals:
    return vat.totals(
        [
            vat.LineAmount(
                quantity=line.quantity,
                unit_price=line.unit_price,
                vat_category=line.vat_category,
                vat_rate=line.vat_rate,
            )
            for line in lines
        ]
    )


def _pdf(invoice: Invoice) -> bytes:
    from invoicing.documents import invoice_pdf_bytes

    return invoice_pdf_bytes(invoice)


def _buyer_reference(invoice: Invoice, credited: Invoice | None) -> str:
    """BT-10: the client's reference, else its order; a credit note repeats its invoice's, else names it."""
    own = invoice.buyer_reference or invoice.purchase_order
    if own or credited is None:
        return own or invoice.number or ""
    return credited.buyer_reference or credited.purchase_order or credited.number or ""


def _header(w: _Writer, invoice: Invoice, credited: Invoice | None, issued_on: date) -> None:
    root = w.root
    w.value(root, "cbc:CustomizationID", CUSTOMIZATION_ID)
    w.value(root, "cbc:ProfileID", PROFILE_ID)
    w.value(root, "cbc:ID", invoice.number)
    w.value(root, "cbc:IssueDate", issued_on.isoformat())
    if credited is None:
        w.value(root, "cbc:DueDate", invoice.due_date and invoice.due_date.isoformat())
        w.value(root, "cbc:InvoiceTypeCode", INVOICE_TYPE)
    else:
        w.value(root, "cbc:CreditNoteTypeCode", CREDIT_NOTE_TYPE)
    # One note at most (PEPPOL-EN16931-R002): a credit note says why it credits.
    note = " ".join(part for part in (invoice.credit_reason if credited else "", invoice.note) if part)
    w.value(root, "cbc:Note", note)
    w.value(root, "cbc:DocumentCurrencyCode", CURRENCY)
    w.value(root, "cbc:BuyerReference", _buyer_reference(invoice, credited))
    if invoice.period_start and invoice.period_end:
        period = w.group(root, "cac:InvoicePeriod")
        w.value(period, "cbc:StartDate", invoice.period_start.isoformat())
        w.value(period, "cbc:EndDate", invoice.period_end.isoformat())
    if invoice.purchase_order:
        w.value(w.group(root, "cac:OrderReference"), "cbc:ID", invoice.purchase_order)
    if credited is not None:
        reference = w.group(w.group(root, "cac:BillingReference"), "cac:InvoiceDocumentReference")
        w.value(reference, "cbc:ID", credited.number)
        w.value(reference, "cbc:IssueDate", credited.issue_date and credited.issue_date.isoformat())


def _attachment(w: _Writer, invoice: Invoice, credited: Invoice | None, pdf: bytes) -> None:
    document = w.group(w.root, "cac:AdditionalDocumentReference")
    w.value(document, "cbc:ID", invoice.number)
    title = _("Credit note %(number)s") if credited else _("Invoice %(number)s")
    w.value(document, "cbc:DocumentDescription", title % {"number": invoice.number})
    w.value(
        w.group(document, "cac:Attachment"),
        "cbc:EmbeddedDocumentBinaryObject",
        base64.b64encode(pdf).decode("ascii"),
        mimeCode="application/pdf",
        filename=f"{invoice.number}.pdf",
    )


def _totals(w: _Writer, invoice: Invoice, figures: vat.Totals) -> None:
    tax_total = w.group(w.root, "cac:TaxTotal")
    w.amount(tax_total, "cbc:TaxAmount", figures.total_vat)
    for group in figures.groups:
        subtotal = w.group(tax_total, "cac:TaxSubtotal")
        w.amount(subtotal, "cbc:TaxableAmount", group.base)
        w.amount(subtotal, "cbc:TaxAmount", group.vat)
        _tax_category(
            w, subtotal, "cac:TaxCategory", category=group.category, rate=group.rate, invoice=invoice, reason=True
        )
    totals = w.group(w.root, "cac:LegalMonetaryTotal")
    w.amount(totals, "cbc:LineExtensionAmount", figures.total_excl_vat)
    w.amount(totals, "cbc:TaxExclusiveAmount", figures.total_excl_vat)
    w.amount(totals, "cbc:TaxInclusiveAmount", figures.total_incl_vat)
    w.amount(totals, "cbc:PayableAmount", figures.total_incl_vat)


def _invoice_lines(
    w: _Writer, invoice: Invoice, lines: Sequence[InvoiceLine], figures: vat.Totals, *, credit_note: bool
) -> None:
    line_name, quantity_name = (
        ("cac:CreditNoteLine", "cbc:CreditedQuantity") if credit_note else ("cac:InvoiceLine", "cbc:InvoicedQuantity")
    )
    for line, net in zip(lines, figures.lines_net, strict=True):
        element = w.group(w.root, line_name)
        w.value(element, "cbc:ID", line.position)
        w.value(element, quantity_name, _figure(line.quantity), unitCode=line.unit)
        w.amount(element, "cbc:LineExtensionAmount", net)
        item = w.group(element, "cac:Item")
        w.value(item, "cbc:Name", line.description)
        _tax_category(
            w,
            item,
            "cac:ClassifiedTaxCategory",
            category=line.vat_category,
            rate=line.vat_rate,
            invoice=invoice,
            reason=False,
        )
        w.value(w.group(element, "cac:Price"), "cbc:PriceAmount", _figure(line.unit_price), currencyID=CURRENCY)


def invoice_ubl(invoice: Invoice, *, pdf: bytes | None = None) -> bytes:
    """The issued `invoice` (or credit note) as a UBL 2.1 document, its PDF inside (`pdf`, or its own)."""
    if invoice.status == InvoiceStatus.DRAFT or not invoice.number or invoice.issue_date is None:
        raise ValueError("only an issued invoice or credit note has an e-invoice")
    entity = invoice.entity
    credited = invoice.credited_invoice if invoice.is_credit_note else None
    lines = _lines(invoice)
    figures = _figures(lines)
    outside_scope = any(group.category == "O" for group in figures.groups)
    attachment = _pdf(invoice) if pdf is None else pdf

    with translation.override(invoice.language):
        w = _Writer("Invoice", NS_INVOICE) if credited is None else _Writer("CreditNote", NS_CREDIT_NOTE)
        _header(w, invoice, credited, invoice.issue_date)
        _attachment(w, invoice, credited, attachment)
        _seller(w, invoice, entity, outside_scope=outside_scope)
        _buyer(w, invoice, outside_scope=outside_scope)
        _delivery(w, invoice)
        _payment(w, invoice, entity, credited, invoice.issue_date)
        _totals(w, invoice, figures)
        _invoice_lines(w, invoice, lines, figures, credit_note=credited is not None)
    return etree.tostring(w.root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


_FILE_NAME = re.compile(r"[^A-Za-z0-9._-]")


def ubl_file_name(invoice: Invoice) -> str:
    """The document's file name: its number (F2026-000001.xml)."""
    return f"{_FILE_NAME.sub('_', invoice.number or str(invoice.pk))}.xml"
