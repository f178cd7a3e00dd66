"""Issuing, crediting and paying an invoice, as the Activity's books and the ledger show it."""

from datetime import date
from decimal import Decimal

import pytest

from activities.selectors import activity_books
from invoicing.models import InvoiceStatus
from invoicing.services.invoices import credit_note_create, invoice_issue
from invoicing.services.payments import invoice_payment_record
from smartcoop.errors import InvalidInput
from smartcoop.ledger.models import Transaction
from tests.invoicing.conftest import ISSUED_ON, line

pytestmark = pytest.mark.django_db


def test_issued_invoice_is_numbered_frozen_and_counted_as_incoming(make_invoice, client_be, activity):
    invoice = make_invoice(client_be, line("Concert", "2", "500"), line("Affiche", "10", "3.15", rate="6"))
    assert invoice.number == "F2026-000001"
    assert invoice.status == InvoiceStatus.ISSUED
    assert invoice.total_excl_vat == Decimal("1031.50")
    assert invoice.total_vat == Decimal("210.00") + Decimal("1.89")
    assert invoice.reference.startswith("+++")
    assert invoice.client_name == "Théâtre de la Balsamine"
    books = activity_books(activity=activity)
    assert books.incoming == Decimal("1031.50")
    assert books.available == Decimal("0.00")
    second = make_invoice(client_be)
    assert second.number == "F2026-000002"


def test_payment_makes_money_available_less_contribution(make_invoice, client_be, activity, advisor):
    invoice = make_invoice(client_be, line("Concert", "1", "1000"))
    invoice_payment_record(
        invoice=invoice, amount=Decimal("605.00"), paid_on=date(2026, 3, 20), key="t:1", actor=advisor
    )
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PARTLY_PAID
    invoice_payment_record(
        invoice=invoice, amount=Decimal("605.00"), paid_on=date(2026, 3, 21), key="t:2", actor=advisor
    )
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    books = activity_books(activity=activity)
    assert books.incoming == Decimal("0.00")
    assert books.available == Decimal("1000.00") - Decimal("65.00")
    # retried: nothing more
    invoice_payment_record(
        invoice=invoice, amount=Decimal("605.00"), paid_on=date(2026, 3, 21), key="t:2", actor=advisor
    )
    assert Transaction.objects.filter(key__startswith="invoice-payment:").count() == 4


def test_credit_note_never_exceeds_what_it_credits(make_invoice, client_be, holder, activity):
    invoice = make_invoice(client_be, line("Concert", "1", "1000"))
    note = credit_note_create(
        invoice=invoice, reason="Concert annulé", actor=holder.user, lines=[line("Concert", "1", "400")]
    )
    note = invoice_issue(invoice=note, actor=holder.user, on=ISSUED_ON)
    assert note.number == "NC2026-000001"
    invoice.refresh_from_db()
    assert invoice.amount_credited == Decimal("484.00")
    with pytest.raises(InvalidInput):
        credit_note_create(invoice=invoice, reason="Encore", actor=holder.user, lines=[line("Concert", "1", "600.01")])
    rest = invoice_issue(
        invoice=credit_note_create(invoice=invoice, reason="Tout", actor=holder.user), actor=holder.user, on=ISSUED_ON
    )
    assert rest.total_excl_vat == Decimal("600.00")
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.CREDITED
    assert activity_books(activity=activity).incoming == Decimal("0.00")
    assert activity_books(activity=activity).available == Decimal("0.00")


def test_reverse_charge_needs_the_clients_vat_number(make_invoice, client_person):
    with pytest.raises(InvalidInput):
        make_invoice(client_person, line(category="AE", rate="0"))


def test_reverse_charge_to_an_eu_company(make_invoice, client_fr):
    invoice = make_invoice(client_fr, line(category="AE", rate="0"))
    assert invoice.total_vat == Decimal("0.00")
    assert invoice.total_incl_vat == Decimal("1000.00")


def test_a_rate_that_does_not_exist_is_refused(make_invoice, client_be):
    with pytest.raises(InvalidInput) as refused:
        make_invoice(client_be, line(rate="19"))
    assert "lines.0.vat_rate" in refused.value.fields


def test_an_invoice_credited_in_part_then_paid_reads_paid(make_invoice, client_be, holder, advisor):
    invoice = make_invoice(client_be, line("Concert", "1", "1000"))
    note = credit_note_create(invoice=invoice, reason="Remise", actor=holder.user, lines=[line("Concert", "1", "100")])
    invoice_issue(invoice=note, actor=holder.user, on=ISSUED_ON)
    invoice_payment_record(
        invoice=invoice, amount=Decimal("1089.00"), paid_on=date(2026, 3, 20), key="t:rest", actor=advisor
    )
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_open) == (InvoiceStatus.PAID, Decimal("0.00"))


def test_the_activity_tells_its_invoices_and_payments_in_the_members_language(
    make_invoice, client_be, holder, advisor, activity
):
    from activities.selectors import activity_movements

    invoice = make_invoice(client_be, line("Concert", "1", "1000"))
    invoice_payment_record(
        invoice=invoice, amount=Decimal("1210.00"), paid_on=date(2026, 3, 20), key="t:all", actor=advisor
    )
    told = [movement.description for movement in activity_movements(activity=activity, language="en")]
    assert f"Invoice {invoice.number} to Théâtre de la Balsamine" in told
    assert f"Payment of invoice {invoice.number} by Théâtre de la Balsamine" in told
    assert "Cooperative contribution on turnover" in told
