"""Invoice numbers under concurrent issuing, and money paths that two people hit at once.

Numbers must be unique and gapless per series and year (DESIGN.md, invariant 2): the counter row is
locked by the issuing transaction, so a rolled-back issue gives its number back. The race tests force
the interleaving they claim: one connection holds the lock, the test waits until pg_stat_activity
shows the other blocked on it, then releases.
"""

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, transaction

from invoicing.issuers import activity_issuer
from invoicing.models import Invoice, InvoiceCounter, InvoiceStatus
from invoicing.services.invoices import InvoiceData, credit_note_create, invoice_draft_create, invoice_issue
from invoicing.services.payments import invoice_payment_record
from smartcoop.errors import InvalidInput
from smartcoop.ledger.models import Transaction
from tests.invoicing.conftest import ISSUED_ON, line
from tests.support import waiting_on_a_lock


def _in_threads(functions: list[Callable[[], Any]]) -> list[Any]:
    def run(function: Callable[[], Any]) -> Any:
        try:
            return function()
        except Exception as error:  # noqa: BLE001 -- the test reads what each thread met
            return error
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(functions)) as pool:
        futures = [pool.submit(run, function) for function in functions]
        return [future.result(timeout=120) for future in futures]


def _wait_until_blocked() -> None:
    deadline = time.monotonic() + 30
    while not waiting_on_a_lock():
        assert time.monotonic() < deadline, "the other transaction never waited on the lock"
        time.sleep(0.02)


@pytest.mark.django_db(transaction=True)
def test_invoices_issued_at_once_get_consecutive_numbers_without_gap_or_duplicate(activity, holder, client_be):
    drafts = [
        invoice_draft_create(
            issuer=activity_issuer(activity),
            data=InvoiceData(client=client_be, lines=[line(price=str(100 + index))]),
            actor=holder.user,
        )
        for index in range(12)
    ]
    start = threading.Barrier(len(drafts), timeout=60)

    def issuer(draft: Invoice) -> Callable[[], str]:
        def issue() -> str:
            start.wait()
            issued = invoice_issue(invoice=draft, actor=holder.user, on=ISSUED_ON)
            return issued.number or ""

        return issue

    numbers = _in_threads([issuer(draft) for draft in drafts])

    assert all(isinstance(number, str) for number in numbers), numbers
    assert sorted(numbers) == [f"F2026-{sequence:06d}" for sequence in range(1, 13)]
    assert InvoiceCounter.objects.get(series="F", year=2026).last == 12


@pytest.mark.django_db(transaction=True)
def test_an_issue_that_fails_gives_its_number_back(activity, holder, client_be, client_person):
    good = invoice_draft_create(
        issuer=activity_issuer(activity), data=InvoiceData(client=client_be, lines=[line()]), actor=holder.user
    )
    # A draft whose client lost the VAT number reverse charge needs: refused at issue, after the
    # counter would have been taken if the checks came later.
    bad = invoice_draft_create(
        issuer=activity_issuer(activity), data=InvoiceData(client=client_be, lines=[line()]), actor=holder.user
    )
    bad.lines.update(vat_category="AE", vat_rate=Decimal(0))
    bad.client = client_person
    bad.save(update_fields=["client"])
    with pytest.raises(InvalidInput):
        invoice_issue(invoice=bad, actor=holder.user, on=ISSUED_ON)
    assert invoice_issue(invoice=good, actor=holder.user, on=ISSUED_ON).number == "F2026-000001"
    bad.refresh_from_db()
    assert bad.status == InvoiceStatus.DRAFT and bad.number is None


@pytest.mark.django_db(transaction=True)
def test_a_second_issue_waits_for_the_counter_and_takes_the_next_number(activity, holder, client_be):
    first, second = (
        invoice_draft_create(
            issuer=activity_issuer(activity), data=InvoiceData(client=client_be, lines=[line()]), actor=holder.user
        )
        for _ in range(2)
    )
    counter_held, released = threading.Event(), threading.Event()

    def hold_counter() -> str:
        with transaction.atomic():
            issued = invoice_issue(invoice=first, actor=holder.user, on=ISSUED_ON)
            counter_held.set()
            _wait_until_blocked()  # the second issue waits on the counter row
            released.set()
            return issued.number or ""

    def issue_second() -> str:
        assert counter_held.wait(30)
        return invoice_issue(invoice=second, actor=holder.user, on=ISSUED_ON).number or ""

    numbers = _in_threads([hold_counter, issue_second])
    assert numbers == ["F2026-000001", "F2026-000002"]
    assert released.is_set()


@pytest.mark.django_db(transaction=True)
def test_two_credit_notes_at_once_never_credit_more_than_the_invoice(make_invoice, client_be, holder):
    invoice = make_invoice(client_be, line(price="1000"))
    notes = [
        credit_note_create(invoice=invoice, reason="Annulation", actor=holder.user, lines=[line(price="700")])
        for _ in range(2)
    ]
    start = threading.Barrier(2, timeout=30)

    def issuer(note: Invoice) -> Callable[[], Any]:
        def issue() -> Any:
            start.wait()
            return invoice_issue(invoice=note, actor=holder.user, on=ISSUED_ON)

        return issue

    results = _in_threads([issuer(note) for note in notes])

    issued = [result for result in results if isinstance(result, Invoice)]
    refused = [result for result in results if isinstance(result, InvalidInput)]
    assert len(issued) == 1 and len(refused) == 1, results
    invoice.refresh_from_db()
    assert invoice.amount_credited == Decimal("847.00")


@pytest.mark.django_db(transaction=True)
def test_a_payment_waits_for_another_on_the_same_invoice_and_never_exceeds_it(make_invoice, client_be, advisor):
    invoice = make_invoice(client_be, line(price="1000"))  # 1,210.00 due
    held, second_started = threading.Event(), threading.Event()

    def first_payment() -> Any:
        with transaction.atomic():
            payment = invoice_payment_record(
                invoice=invoice, amount=Decimal("1000.00"), paid_on=date(2026, 3, 20), key="bank:1", actor=advisor
            )
            held.set()
            assert second_started.wait(30)
            _wait_until_blocked()  # the second payment waits on the invoice's row lock
            return payment

    def second_payment() -> Any:
        assert held.wait(30)
        second_started.set()
        return invoice_payment_record(
            invoice=invoice, amount=Decimal("1000.00"), paid_on=date(2026, 3, 20), key="bank:2", actor=advisor
        )

    first, second = _in_threads([first_payment, second_payment])

    assert not isinstance(first, Exception), first
    assert isinstance(second, InvalidInput), "the second payment read what the first left open"
    invoice.refresh_from_db()
    assert invoice.amount_paid == Decimal("1000.00")
    assert invoice.status == InvoiceStatus.PARTLY_PAID


@pytest.mark.django_db(transaction=True)
def test_the_same_payment_retried_at_once_is_recorded_once(make_invoice, client_be, advisor):
    invoice = make_invoice(client_be, line(price="1000"))
    start = threading.Barrier(3, timeout=30)

    def pay() -> Any:
        start.wait()
        return invoice_payment_record(
            invoice=invoice, amount=Decimal("500.00"), paid_on=date(2026, 3, 20), key="bank:7", actor=advisor
        ).pk

    results = _in_threads([pay, pay, pay])
    assert len(set(results)) == 1, results
    invoice.refresh_from_db()
    assert invoice.amount_paid == Decimal("500.00")
    assert Transaction.objects.filter(key__startswith="invoice-payment:").count() == 2  # payment + contribution
