"""Each rule `ubl_problems` adds to peppol-ubl-validate catches the document that breaks it.

A valid e-invoice of ours is written, then broken in one place with lxml, the way a faulty
supplier's document (or a regression of ours) would be; the check must name the rule broken.
"""

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from lxml import etree
from weasyprint import HTML  # type: ignore[import-untyped]

from activities.models import ThirdParty
from invoicing.models import Invoice
from invoicing.services.invoices import credit_note_create, invoice_issue
from invoicing.ubl import invoice_ubl
from invoicing.ubl_rules import ubl_problems
from tests.invoicing.conftest import line

pytestmark = pytest.mark.django_db

NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
CBC = "{%s}" % NS["cbc"]  # noqa: UP031 -- a Clark-notation prefix, braces included
CAC = "{%s}" % NS["cac"]  # noqa: UP031

Mutation = Callable[[etree._Element], None]


@pytest.fixture(scope="module")
def pdf() -> bytes:
    # The rules do not read the PDF: one small real PDF serves every document of this module.
    return bytes(HTML(string="<p>Facture</p>").write_pdf())


def found(root: etree._Element, path: str) -> list[etree._Element]:
    result: Any = root.xpath(path, namespaces=NS)
    return [element for element in result if isinstance(element, etree._Element)]


def one(root: etree._Element, path: str) -> etree._Element:
    elements = found(root, path)
    assert elements, f"{path} is missing from the valid document"
    return elements[0]


def remove(path: str) -> Mutation:
    def mutate(root: etree._Element) -> None:
        for element in found(root, path):
            parent = element.getparent()
            assert parent is not None
            parent.remove(element)

    return mutate


def set_text(path: str, value: str) -> Mutation:
    def mutate(root: etree._Element) -> None:
        for element in found(root, path):
            element.text = value

    return mutate


def set_attribute(path: str, name: str, value: str) -> Mutation:
    def mutate(root: etree._Element) -> None:
        for element in found(root, path):
            element.set(name, value)

    return mutate


def insert_after(path: str, tag: str, value: str = "") -> Mutation:
    def mutate(root: etree._Element) -> None:
        anchor = one(root, path)
        element = etree.Element(tag)
        element.text = value or None
        anchor.addnext(element)

    return mutate


def notes(*written: str) -> Mutation:
    def mutate(root: etree._Element) -> None:
        for value in reversed(written):
            insert_after("cbc:InvoiceTypeCode", f"{CBC}Note", value)(root)

    return mutate


def rules_broken(content: bytes, *mutations: Mutation) -> set[str]:
    assert ubl_problems(content) == [], "the document must be valid before it is broken"
    root = etree.fromstring(content)
    for mutate in mutations:
        mutate(root)
    return {problem.rule for problem in ubl_problems(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))}


@pytest.fixture
def domestic(make_invoice, client_be, pdf) -> bytes:
    return invoice_ubl(make_invoice(client_be, line("Concert", "2", "500")), pdf=pdf)


# --- Peppol's own rules ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mutation", "rule"),
    [
        (set_text("cbc:CustomizationID", "urn:cen.eu:en16931:2017"), "PEPPOL-EN16931-R004"),
        (set_text("cbc:ProfileID", "urn:fdc:peppol.eu:2017:poacc:billing:1.0"), "PEPPOL-EN16931-R007"),
        (remove("cbc:ProfileID"), "PEPPOL-EN16931-R001"),
        (set_text("cbc:InvoiceTypeCode", "325"), "PEPPOL-EN16931-P0100"),
        (notes("Une", "Deux"), "PEPPOL-EN16931-R002"),
        (remove("cbc:BuyerReference"), "PEPPOL-EN16931-R003"),
        (insert_after("cbc:DocumentCurrencyCode", f"{CBC}AccountingCost"), "PEPPOL-EN16931-R008"),
        (remove("cac:AccountingCustomerParty/cac:Party/cbc:EndpointID"), "PEPPOL-EN16931-R010"),
        (remove("cac:AccountingSupplierParty/cac:Party/cbc:EndpointID"), "PEPPOL-EN16931-R020"),
        (
            set_attribute("cac:AccountingCustomerParty/cac:Party/cbc:EndpointID", "schemeID", "9999"),
            "PEPPOL-EN16931-CL008",
        ),
        (set_attribute("cac:LegalMonetaryTotal/cbc:PayableAmount", "currencyID", "USD"), "PEPPOL-EN16931-R051"),
        (set_text("cac:PaymentMeans/cbc:PaymentMeansCode", "59"), "PEPPOL-EN16931-R061"),
        (remove("cbc:DueDate"), "BR-CO-25"),
        (set_text("cac:AccountingSupplierParty/cac:Party/cbc:EndpointID", "0754316244"), "PEPPOL-COMMON-R043"),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_a_broken_document_is_caught_by_the_rule_it_breaks(domestic, mutation, rule):
    assert rule in rules_broken(domestic, mutation)


def test_wrong_check_digits_of_an_enterprise_number_are_caught_wherever_they_are(domestic):
    root = etree.fromstring(domestic)
    for element in found(root, "//*[@schemeID='0208']"):
        element.text = "0403019262"  # 04030192 mod 97 = 36: the check digits are 61, not 62
    problems = [problem for problem in ubl_problems(etree.tostring(root)) if problem.rule == "PEPPOL-COMMON-R043"]
    # The seller's and buyer's electronic addresses and legal identifiers: four places, each named.
    assert len(problems) == 4
    assert all(problem.path for problem in problems)


def test_a_gln_with_a_wrong_check_digit_is_caught(domestic):
    good = rules_broken(
        domestic,
        set_attribute("cac:AccountingCustomerParty/cac:Party/cbc:EndpointID", "schemeID", "0088"),
        set_text("cac:AccountingCustomerParty/cac:Party/cbc:EndpointID", "5790000435975"),
    )
    assert "PEPPOL-COMMON-R040" not in good
    bad = rules_broken(
        domestic,
        set_attribute("cac:AccountingCustomerParty/cac:Party/cbc:EndpointID", "schemeID", "0088"),
        set_text("cac:AccountingCustomerParty/cac:Party/cbc:EndpointID", "5790000435976"),
    )
    assert "PEPPOL-COMMON-R040" in bad


def test_two_tax_totals_with_breakdowns_are_refused(domestic):
    def duplicate_tax_total(root: etree._Element) -> None:
        total = one(root, "cac:TaxTotal")
        total.addnext(etree.fromstring(etree.tostring(total)))

    assert "PEPPOL-EN16931-R053" in rules_broken(domestic, duplicate_tax_total)


def test_a_standard_rate_group_never_gives_an_exemption_reason(domestic):
    mutate = insert_after(
        "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:Percent", f"{CBC}TaxExemptionReason", "Vrij"
    )
    assert "BR-S-10" in rules_broken(domestic, mutate)


def test_standard_rate_needs_the_sellers_vat_number(domestic):
    assert "BR-S-02" in rules_broken(domestic, remove("cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme"))


# --- VAT categories ---------------------------------------------------------------------------------


@pytest.fixture
def reverse_charge(make_invoice, client_fr, pdf) -> bytes:
    return invoice_ubl(make_invoice(client_fr, line("Mixage", "8", "75", category="AE", rate="0")), pdf=pdf)


def test_reverse_charge_without_the_buyers_vat_number_is_caught(reverse_charge):
    broken = rules_broken(reverse_charge, remove("cac:AccountingCustomerParty/cac:Party/cac:PartyTaxScheme"))
    assert "BR-AE-02" in broken


def test_reverse_charge_without_the_sellers_vat_number_is_caught(reverse_charge):
    broken = rules_broken(reverse_charge, remove("cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme"))
    assert "BR-AE-02" in broken


def test_reverse_charge_line_at_a_rate_is_caught(reverse_charge):
    broken = rules_broken(
        reverse_charge, set_text("cac:InvoiceLine/cac:Item/cac:ClassifiedTaxCategory/cbc:Percent", "21")
    )
    assert "BR-AE-05" in broken


@pytest.fixture
def intra_community(make_invoice, client_fr, pdf) -> bytes:
    invoice = make_invoice(
        client_fr, line("Lampe", "2", "180", category="K", rate="0"), supply_kind="goods", supply_date=date(2026, 3, 6)
    )
    return invoice_ubl(invoice, pdf=pdf)


@pytest.mark.parametrize(
    ("mutation", "rule"),
    [
        (remove("cac:AccountingCustomerParty/cac:Party/cac:PartyTaxScheme"), "BR-IC-02"),
        (remove("cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme"), "BR-IC-02"),
        (remove("cac:Delivery/cbc:ActualDeliveryDate"), "BR-IC-11"),
        (remove("cac:Delivery/cac:DeliveryLocation"), "BR-IC-12"),
        (remove("cac:TaxTotal//cac:TaxCategory/*[starts-with(local-name(), 'TaxExemptionReason')]"), "BR-IC-10"),
        (set_text("cac:InvoiceLine//cac:ClassifiedTaxCategory/cbc:Percent", "6"), "BR-IC-05"),
        (set_text("cac:TaxTotal/cac:TaxSubtotal/cbc:TaxAmount", "1.00"), "BR-IC-09"),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_intra_community_supply_rules(intra_community, mutation, rule):
    assert rule in rules_broken(intra_community, mutation)


def test_intra_community_supply_over_a_period_needs_no_delivery_date(intra_community):
    def period_instead(root: etree._Element) -> None:
        remove("cac:Delivery/cbc:ActualDeliveryDate")(root)
        period = etree.Element(f"{CAC}InvoicePeriod")
        etree.SubElement(period, f"{CBC}StartDate").text = "2026-03-01"
        etree.SubElement(period, f"{CBC}EndDate").text = "2026-03-06"
        one(root, "cbc:BuyerReference").addnext(period)

    assert "BR-IC-11" not in rules_broken(intra_community, period_instead)


@pytest.fixture
def export(make_invoice, client_us, pdf) -> bytes:
    ThirdParty.objects.filter(pk=client_us.pk).update(peppol_id="0060:081466849")
    client_us.refresh_from_db()
    invoice = make_invoice(client_us, line("Ampli", "1", "2400", category="G", rate="0"), supply_kind="goods")
    return invoice_ubl(invoice, pdf=pdf)


def test_export_without_the_sellers_vat_number_is_caught(export):
    assert "BR-G-02" in rules_broken(export, remove("cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme"))


def test_export_without_its_exemption_reason_is_caught(export):
    broken = rules_broken(
        export,
        remove("cac:TaxTotal//cac:TaxCategory/cbc:TaxExemptionReason"),
        remove("cac:TaxTotal//cac:TaxCategory/cbc:TaxExemptionReasonCode"),
    )
    assert "BR-G-10" in broken


def test_exempt_supply_needs_the_sellers_vat_number(make_invoice, client_be, pdf):
    invoice = make_invoice(client_be, line("Concert", "1", "900", category="E", rate="0"), exemption_basis="art44-2-8")
    content = invoice_ubl(invoice, pdf=pdf)
    assert "BR-E-02" in rules_broken(content, remove("cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme"))
    assert "BR-E-05" in rules_broken(content, set_text("cac:InvoiceLine//cac:ClassifiedTaxCategory/cbc:Percent", "6"))


@pytest.fixture
def outside_scope(make_invoice, client_us, pdf) -> bytes:
    ThirdParty.objects.filter(pk=client_us.pk).update(peppol_id="0060:081466849")
    client_us.refresh_from_db()
    return invoice_ubl(make_invoice(client_us, line("Composition", "1", "1500", category="O", rate="0")), pdf=pdf)


def test_outside_the_scope_of_vat_with_a_vat_number_is_caught(outside_scope):
    def seller_vat(root: etree._Element) -> None:
        scheme = etree.fromstring(
            f'<cac:PartyTaxScheme xmlns:cac="{NS["cac"]}" xmlns:cbc="{NS["cbc"]}"><cbc:CompanyID>BE0754316243'
            "</cbc:CompanyID><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>"
        )
        one(root, "cac:AccountingSupplierParty/cac:Party/cac:PostalAddress").addnext(scheme)

    assert "BR-O-02" in rules_broken(outside_scope, seller_vat)


def test_outside_the_scope_of_vat_has_no_rate_and_no_vat(outside_scope):
    with_rate = insert_after("cac:InvoiceLine//cac:ClassifiedTaxCategory/cbc:ID", f"{CBC}Percent", "0")
    assert "BR-O-05" in rules_broken(outside_scope, with_rate)
    assert "BR-O-09" in rules_broken(outside_scope, set_text("cac:TaxTotal/cac:TaxSubtotal/cbc:TaxAmount", "5.00"))


# --- credit notes ------------------------------------------------------------------------------------


@pytest.fixture
def credit_note(make_invoice, client_be, holder, pdf) -> bytes:
    invoice = make_invoice(client_be, line("Concert", "1", "1000"))
    note: Invoice = invoice_issue(
        invoice=credit_note_create(invoice=invoice, reason="Annulé", actor=holder.user), actor=holder.user
    )
    return invoice_ubl(note, pdf=pdf)


def test_a_credit_note_must_name_the_invoice_it_credits(credit_note):
    assert "SMARTCOOP-CN-01" in rules_broken(credit_note, remove("cac:BillingReference"))


def test_a_credit_note_needs_a_due_date_or_terms(credit_note):
    assert "BR-CO-25" not in rules_broken(credit_note, remove("cac:PaymentTerms"))
    broken = rules_broken(credit_note, remove("cac:PaymentTerms"), remove("cac:PaymentMeans/cbc:PaymentDueDate"))
    assert "BR-CO-25" in broken


def test_a_credit_note_type_code_outside_the_profile_is_caught(credit_note):
    assert "PEPPOL-EN16931-P0101" in rules_broken(credit_note, set_text("cbc:CreditNoteTypeCode", "380"))


def test_every_problem_names_a_rule_and_says_what_it_asks(domestic):
    root = etree.fromstring(domestic)
    remove("cbc:BuyerReference")(root)
    (problem,) = [p for p in ubl_problems(etree.tostring(root)) if p.rule == "PEPPOL-EN16931-R003"]
    assert str(problem).startswith("PEPPOL-EN16931-R003: ")
    assert "buyer reference" in problem.message
