"""The demo's invoices: one of each kind, issued through the services, some paid by an imported CODA file."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from invoicing.demo import CREDITED, DISPUTED
from invoicing.models import Invoice, InvoiceKind, InvoiceState, InvoiceStatus
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


def test_seeding_again_changes_nothing(seeded: dict[str, Invoice]) -> None:
    before = list(Invoice.objects.order_by("pk").values_list("pk", "number", "status", "amount_paid"))
    call_command("seed_demo")
    assert list(Invoice.objects.order_by("pk").values_list("pk", "number", "status", "amount_paid")) == before
    assert ledger_problems() == []
