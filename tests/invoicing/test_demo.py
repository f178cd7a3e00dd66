"""The demo's invoices: one of each kind, issued through the services, some paid by an imported CODA file."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import Q
from django.utils import timezone

from activities.demo import pdf
from activities.models import ThirdParty
from invoicing.demo import CLIENTS, CREDITED, DISPUTED, INVOICES, PAYMENTS, STATEMENT_FILE
from invoicing.models import (
    BankStatement,
    BankStatementLine,
    Invoice,
    InvoiceKind,
    InvoicePayment,
    InvoiceState,
    InvoiceStatus,
    LineStatus,
)
from invoicing.ubl import EMAIL_SCHEME, buyer_endpoint, invoice_ubl
from invoicing.ubl_rules import ubl_problems
from smartcoop.ledger.models import Transaction
from smartcoop.ledger.verify import ledger_problems

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded() -> dict[str, Invoice]:
    call_command("seed_demo")
    return {invoice.buyer_reference: invoice for invoice in Invoice.objects.filter(kind=InvoiceKind.INVOICE)}


def categories(invoice: Invoice) -> set[tuple[str, Decimal]]:
    return {(line.vat_category, line.vat_rate) for line in invoice.lines.all()}


def test_every_kind_of_invoice_is_issued(seeded: dict[str, Invoice]) -> None:
    issued = [invoice for invoice in seeded.values() if invoice.status != InvoiceStatus.DRAFT]
    kinds = [categories(invoice) for invoice in issued]
    assert {("S", Decimal("21.00"))} in kinds, "domestic at 21 %"
    assert {("S", Decimal("21.00")), ("S", Decimal("6.00"))} in kinds, "mixed 6 and 21 %"
    assert any(("AE", Decimal("0.00")) in kind for kind in kinds), "reverse charge"
    assert any(("K", Decimal("0.00")) in kind for kind in kinds), "intra-Community supply of goods"
    assert any(("G", Decimal("0.00")) in kind for kind in kinds), "export"
    exempt = [invoice for invoice in issued if ("E", Decimal("0.00")) in categories(invoice)]
    assert [invoice.exemption_basis for invoice in exempt] == ["art44-2-8"]
    reverse_charge = next(invoice for invoice in issued if ("AE", Decimal("0.00")) in categories(invoice))
    assert reverse_charge.client_country in ("FR", "NL") and reverse_charge.client_vat_number
    export_countries = {invoice.client_country for invoice in issued if ("G", Decimal("0.00")) in categories(invoice)}
    assert export_countries & {"CH", "US"}
    note = Invoice.objects.get(kind=InvoiceKind.CREDIT_NOTE)
    assert note.credited_invoice == seeded[CREDITED]
    assert note.number is not None and note.number.startswith("NC")
    assert {invoice.language for invoice in issued} == {"fr", "nl", "en"}
    assert any(invoice.client_peppol_id.startswith("0208:") for invoice in issued)
    assert any(not invoice.client_peppol_id and invoice.client_email for invoice in issued)


def test_numbers_follow_the_issue_dates(seeded: dict[str, Invoice]) -> None:
    for series in ("F", "NC"):
        issued = list(Invoice.objects.filter(series=series).order_by("year", "sequence"))
        assert [invoice.issue_date for invoice in issued] == sorted(invoice.issue_date for invoice in issued)  # type: ignore[type-var]


def test_dates_spread_with_overdue_and_disputed(seeded: dict[str, Invoice]) -> None:
    today = timezone.localdate()
    states = {invoice.state for invoice in seeded.values()}
    assert {InvoiceState.OVERDUE, InvoiceState.ISSUED, InvoiceState.DRAFT, InvoiceState.DISPUTED} <= states
    assert seeded[DISPUTED].status == InvoiceStatus.DISPUTED
    oldest = min(invoice.issue_date for invoice in seeded.values() if invoice.issue_date is not None)
    assert oldest <= today - timedelta(days=60)


def invoicing_state() -> tuple[object, ...]:
    return (
        list(Invoice.objects.order_by("pk").values_list("pk", "number", "status", "amount_paid", "amount_credited")),
        InvoicePayment.objects.count(),
        BankStatement.objects.count(),
        BankStatementLine.objects.count(),
        ThirdParty.objects.count(),
        Transaction.objects.filter(Q(key__startswith="invoice") | Q(key__startswith="bank-line")).count(),
    )


def test_seeding_again_changes_nothing_even_weeks_later(seeded: dict[str, Invoice]) -> None:
    before = invoicing_state()
    call_command("seed_demo")
    assert invoicing_state() == before
    # Dates count back from the day the seed runs: weeks later, its statement file differs, and
    # is still not imported again.
    with time_machine.travel(timezone.now() + timedelta(days=45), tick=False):
        call_command("seed_demo")
    assert invoicing_state() == before
    assert ledger_problems() == []


def test_the_coda_file_pays_by_structured_communication_and_the_ledger_balances(
    seeded: dict[str, Invoice],
) -> None:
    statement = BankStatement.objects.get(file_name=STATEMENT_FILE)
    assert statement.format == "coda"
    assert statement.imported_by is not None and statement.imported_by.email == "marc.peeters@demo.smartcoop.be"
    for paid in PAYMENTS:
        invoice = seeded[paid.reference]
        invoice.refresh_from_db()
        if paid.slip:
            continue
        assert invoice.amount_paid > 0 and (invoice.amount_open > 0) == bool(paid.amount), paid.reference
        if paid.amount:
            assert invoice.status == InvoiceStatus.PARTLY_PAID
        else:  # paid in full, also the one a credit note settled in part before the client paid the rest
            assert invoice.status == InvoiceStatus.PAID, paid.reference
        assert invoice.payments.get().statement_line.statement == statement  # type: ignore[union-attr]
    partly = seeded["EP-OISEAUX-MEUSE"]
    partly.refresh_from_db()
    assert partly.amount_paid == Decimal("2000.00") and partly.amount_open > 0
    # What the credit note left: the client paid that, and the invoice is settled.
    credited = seeded[CREDITED]
    credited.refresh_from_db()
    assert credited.amount_credited > 0 and credited.amount_paid == credited.total_incl_vat - credited.amount_credited
    # Every posting of issues, credit notes, payments, contributions and suspense balances.
    assert ledger_problems() == []


def test_a_wrong_check_digit_waits_in_the_review_queue(seeded: dict[str, Invoice]) -> None:
    (slip,) = (paid for paid in PAYMENTS if paid.slip)
    meant = seeded[slip.reference]
    line = BankStatementLine.objects.get(
        statement__file_name=STATEMENT_FILE, counterparty_iban=CLIENTS["ramaekers"].iban
    )
    assert line.status == LineStatus.REVIEW
    assert line.unallocated == line.amount == meant.total_incl_vat
    assert meant.reference is not None and meant.reference not in line.communication
    # The invoice it was meant for is among the valid communications one typing slip away.
    assert meant in line.suggested_invoices.all()
    meant.refresh_from_db()
    assert meant.status == InvoiceStatus.ISSUED and not meant.payments.exists()
    # The money is on the bank's account, waiting in suspense (499) for the advisor.
    assert Transaction.objects.filter(key__startswith=f"bank-statement:{line.statement_id}:suspense:").exists()


def test_every_issued_document_is_a_valid_peppol_ubl(seeded: dict[str, Invoice]) -> None:
    documents = Invoice.objects.exclude(status=InvoiceStatus.DRAFT).select_related("entity", "credited_invoice")
    assert documents.count() == len([wanted for wanted in INVOICES if not wanted.draft]) + 1
    for document in documents:
        # A small PDF stands in for the rendered one: what is checked here is the UBL around it.
        content = invoice_ubl(document, pdf=pdf(f"Invoice {document.number}"))
        endpoint = buyer_endpoint(document)
        by_email = endpoint is not None and endpoint.scheme == EMAIL_SCHEME
        problems = [
            problem
            for problem in ubl_problems(content)
            # A client no Peppol scheme names (a private person, a company outside the EU) is given
            # by e-mail: the e-invoice is for the archive; the PDF goes by e-mail (invoicing.ubl).
            if not (problem.rule == "PEPPOL-EN16931-CL008" and by_email)
        ]
        assert problems == [], f"{document.number} ({document.client_name}): " + "; ".join(map(str, problems))
