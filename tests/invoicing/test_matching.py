"""Payments from the bank matched to invoices and capital calls, as the books and the review queue show them.

Statements are CODA files written to the standard by `coda_write` (the camt.053 tests import the
same statements in their format) and imported through `statement_import`, as an administrator of
Liège who may import statements and decide on the capital calls of Liège's members.
"""

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, TypeVar

import pytest
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import translation

from activities.models import ThirdParty
from invoicing.bank.coda import coda_write
from invoicing.bank.data import LineData, StatementData
from invoicing.bank.statements import (
    ImportResult,
    statement_import,
    statement_line_allocate,
    statement_line_ignore,
)
from invoicing.models import (
    BankStatement,
    BankStatementLine,
    Invoice,
    InvoicePayment,
    InvoiceStatus,
    LineStatus,
)
from invoicing.services.payments import invoice_payment_record
from members.models import CapitalCall, CapitalCallStatus, Member, Office, Role, User
from members.services import capital_call_issue
from smartcoop.audit.models import AuditEntry
from smartcoop.errors import ConflictError, InvalidInput, PermissionDeniedError
from smartcoop.ledger.models import Leg, Transaction
from smartcoop.models import CooperativeEntity
from tests.conftest import BELGIAN_ENTITY
from tests.invoicing.conftest import line
from tests.support import waiting_on_a_lock

pytestmark = pytest.mark.django_db

OUR_IBAN = str(BELGIAN_ENTITY["iban"])
PAID_ON = date(2026, 3, 20)
T = TypeVar("T")


# --- helpers shared with the CODA, camt.053 and admin tests ------------------------------------------


@pytest.fixture
def importer(make_staff, office: Office, cooperative: CooperativeEntity) -> User:
    """An administrator of Liège: imports statements, decides on lines and on Liège's capital calls."""
    user: User = make_staff("compta@smartcoop.be", role=Role.ADMINISTRATOR, office=office)
    return user


def wrong_check_digits(reference: str) -> str:
    """The same communication with check digits that do not match its ten digits."""
    digits = "".join(char for char in reference if char.isdigit())
    wrong = f"{(int(digits[10:]) % 97) + 1:02d}"
    return f"+++{digits[:3]}/{digits[3:7]}/{digits[7:10]}{wrong}+++"


def paid(
    amount: str,
    communication: str = "",
    *,
    name: str = "THEATRE DE LA BALSAMINE",
    structured: bool | None = None,
    iban: str = "BE71096123456769",
) -> LineData:
    return LineData(
        amount=Decimal(amount),
        counterparty_name=name,
        counterparty_iban=iban,
        communication=communication,
        structured=communication.startswith("+++") and communication.endswith("+++")
        if structured is None
        else structured,
        booking_date=PAID_ON,
        value_date=PAID_ON,
    )


def statement(*lines: LineData, number: int = 1, opening: str = "1000.00", day: date = PAID_ON) -> StatementData:
    return StatementData(
        account_iban=OUR_IBAN,
        statement_id=f"{day.year}-{number:03d}",
        date=day,
        opening_balance=Decimal(opening),
        lines=list(lines),
        account_holder="SmartCoop",
        bic="GKCCBEBB",
        enterprise_number="0754316243",
    )


def import_coda(data: StatementData, actor: User | None, *, name: str = "statement.cod") -> ImportResult:
    return statement_import(content=coda_write(data), file_name=name, actor=actor)


def balance(code: str) -> Decimal:
    """An account's balance (debit minus credit), summed from its legs."""
    sums = Leg.objects.filter(account__code=code).aggregate(d=Sum("debit"), c=Sum("credit"))
    return (sums["d"] or Decimal(0)) - (sums["c"] or Decimal(0))


def only_line(result: ImportResult) -> BankStatementLine:
    (found,) = BankStatementLine.objects.filter(statement=result.statement)
    return found


def written() -> dict[str, int]:
    """How many rows the import writes, table by table."""
    return {
        "statements": BankStatement.objects.count(),
        "lines": BankStatementLine.objects.count(),
        "payments": InvoicePayment.objects.count(),
        "postings": Transaction.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


# --- matched by structured communication ----------------------------------------------------------


def test_exact_reference_pays_the_invoice_from_the_bank(make_invoice, client_be: ThirdParty, importer: User) -> None:
    invoice = make_invoice(client_be, line("Concert", "1", "1000"))
    bank_before = balance("550")

    result = import_coda(statement(paid("1210.00", invoice.reference)), importer)

    assert (result.created, result.lines, result.matched, result.to_review) == (True, 1, 1, 0)
    found = only_line(result)
    assert (found.status, found.unallocated, found.structured) == (LineStatus.MATCHED, Decimal("0.00"), True)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    payment = InvoicePayment.objects.get(invoice=invoice)
    assert (payment.statement_line_id, payment.amount, payment.paid_on) == (found.pk, Decimal("1210.00"), PAID_ON)
    assert payment.key == f"bank-line:{found.pk}:invoice:{invoice.pk}"
    assert balance("550") - bank_before == Decimal("1210.00")
    assert balance("499") == 0
    assert AuditEntry.objects.filter(action="bank_statement.imported", object_id=str(result.statement.pk)).exists()


def test_wrong_check_digits_are_only_a_suggestion(make_invoice, client_be: ThirdParty, importer: User) -> None:
    invoice = make_invoice(client_be, line("Concert", "1", "1000"))

    result = import_coda(statement(paid("1210.00", wrong_check_digits(invoice.reference))), importer)

    found = only_line(result)
    assert (found.status, found.unallocated) == (LineStatus.REVIEW, Decimal("1210.00"))
    assert list(found.suggested_invoices.all()) == [invoice]
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED
    assert not InvoicePayment.objects.exists()
    # The money is in the books all the same, waiting in suspense for an advisor.
    assert Transaction.objects.filter(key__startswith=f"bank-statement:{found.statement_id}:suspense:").exists()
    assert balance("499") == Decimal("-1210.00")


def test_amount_and_a_similar_name_go_to_review_with_the_invoice_suggested(
    make_invoice, client_be: ThirdParty, client_person: ThirdParty, importer: User
) -> None:
    invoice = make_invoice(client_be, line("Concert", "1", "1000"))
    make_invoice(client_person, line("Cours", "1", "1000"))  # the same amount, another client

    result = import_coda(
        statement(paid("1210.00", "Concert du 12 mars", name="THEATRE DE LA BALSAMINE ASBL")), importer
    )

    found = only_line(result)
    assert found.status == LineStatus.REVIEW
    assert list(found.suggested_invoices.all()) == [invoice]
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED


def test_partial_payment_is_allocated_and_the_invoice_partly_paid(
    make_invoice, client_be: ThirdParty, importer: User
) -> None:
    invoice = make_invoice(client_be, line("Concert", "1", "1000"))

    found = only_line(import_coda(statement(paid("605.00", invoice.reference)), importer))

    assert (found.status, found.unallocated) == (LineStatus.MATCHED, Decimal("0.00"))
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_open) == (InvoiceStatus.PARTLY_PAID, Decimal("605.00"))


def test_overpayment_pays_the_invoice_and_the_excess_waits_in_suspense(
    make_invoice, client_be: ThirdParty, importer: User
) -> None:
    invoice = make_invoice(client_be, line("Concert", "1", "1000"))
    other = make_invoice(client_be, line("Affiche", "1", "50"))

    found = only_line(import_coda(statement(paid("1300.00", invoice.reference)), importer))

    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    assert (found.status, found.unallocated) == (LineStatus.REVIEW, Decimal("90.00"))
    assert list(found.suggested_invoices.all()) == [other]  # the client's other open invoice
    assert balance("499") == Decimal("-90.00")


def test_one_payment_for_two_invoices_named_in_a_free_communication(
    make_invoice, client_be: ThirdParty, importer: User
) -> None:
    first = make_invoice(client_be, line("Concert", "1", "1000"))
    second = make_invoice(client_be, line("Affiche", "1", "100"))
    text = f"Factures {first.reference} et {second.reference.strip('+')}"

    found = only_line(import_coda(statement(paid("1331.00", text)), importer))

    assert (found.status, found.structured) == (LineStatus.MATCHED, False)
    for invoice in (first, second):
        invoice.refresh_from_db()
        assert invoice.status == InvoiceStatus.PAID
    assert InvoicePayment.objects.filter(statement_line=found).count() == 2


def test_two_lines_for_one_invoice_pay_it_once_and_keep_the_rest(
    make_invoice, client_be: ThirdParty, importer: User
) -> None:
    invoice = make_invoice(client_be, line("Concert", "1", "1000"))

    result = import_coda(statement(paid("1210.00", invoice.reference), paid("1210.00", invoice.reference)), importer)

    first, second = BankStatementLine.objects.filter(statement=result.statement).order_by("sequence")
    assert (first.status, second.status) == (LineStatus.MATCHED, LineStatus.REVIEW)
    assert second.unallocated == Decimal("1210.00")
    assert list(second.suggested_invoices.all()) == [invoice]


def test_money_paid_out_is_recorded_and_never_matched(make_invoice, client_be: ThirdParty, importer: User) -> None:
    invoice = make_invoice(client_be, line("Concert", "1", "1000"))
    before = Transaction.objects.count()

    result = import_coda(statement(paid("-1210.00", invoice.reference, name="Fournisseur")), importer)

    found = only_line(result)
    assert (found.status, found.amount, found.unallocated) == (LineStatus.IGNORED, Decimal("-1210.00"), Decimal(0))
    assert result.ignored == 1
    assert Transaction.objects.count() == before  # the payment that sent it posted it
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED


# --- capital calls --------------------------------------------------------------------------------


@pytest.fixture
def call(make_member) -> CapitalCall:
    member: Member = make_member("Chloé", "Nouvelle")
    found: CapitalCall = capital_call_issue(member=member, quantity=2, on=PAID_ON - timedelta(days=5), actor=None)
    return found


def test_a_capital_call_is_paid_by_its_communication(call: CapitalCall, importer: User) -> None:
    found = only_line(import_coda(statement(paid("60.00", call.reference or "", name="CHLOE NOUVELLE")), importer))

    call.refresh_from_db()
    assert call.status == CapitalCallStatus.PAID
    assert (found.status, found.capital_call_id) == (LineStatus.MATCHED, call.pk)
    assert call.member.share_operations.get().quantity == 2
    assert balance("100") == Decimal("-60.00")


def test_a_capital_call_waits_for_an_advisor_when_no_one_may_record_it(
    call: CapitalCall, importer: User, advisor: User
) -> None:
    found = only_line(import_coda(statement(paid("60.00", call.reference or "")), None))

    call.refresh_from_db()
    assert (call.status, found.status) == (CapitalCallStatus.OPEN, LineStatus.REVIEW)
    assert list(found.suggested_calls.all()) == [call]
    assert balance("499") == Decimal("-60.00")

    statement_line_allocate(line=found, capital_call=call, actor=advisor)

    call.refresh_from_db()
    found.refresh_from_db()
    assert (call.status, found.status, found.capital_call_id) == (CapitalCallStatus.PAID, LineStatus.MATCHED, call.pk)
    # The register posted the money from the bank: suspense is cleared back, the bank counted once.
    assert (balance("499"), balance("100")) == (Decimal("0.00"), Decimal("-60.00"))


# --- importing once -------------------------------------------------------------------------------


def test_the_same_statement_imported_twice_changes_nothing(make_invoice, client_be: ThirdParty, importer: User) -> None:
    invoice = make_invoice(client_be, line("Concert", "1", "1000"))
    data = statement(paid("1210.00", invoice.reference), paid("20.00", "Don"))
    import_coda(data, importer)
    before = written()

    again = import_coda(data, importer, name="the-same-again.cod")

    assert written() == before
    assert again.created is False
    with translation.override("en"):
        assert "already imported on" in again.message
        assert str(importer) in again.message


def test_a_statement_downloaded_again_with_another_creation_date_is_the_same_statement(importer: User) -> None:
    data = statement(paid("20.00", "Don"))
    first = import_coda(data, importer)
    # Another file (another header date): the account and the statement number are the same.
    content = coda_write(data).replace(b"0000020032600005", b"0000021032600005", 1)
    again = statement_import(content=content, file_name="again.cod", actor=importer)
    assert (again.created, again.statement.pk) == (False, first.statement.pk)


def test_a_statement_of_another_account_is_refused_and_nothing_written(importer: User) -> None:
    data = StatementData(
        account_iban="BE71096123456769", statement_id="2026-001", date=PAID_ON, opening_balance=Decimal("0.00")
    )
    before = written()
    with pytest.raises(InvalidInput) as refused:
        statement_import(content=coda_write(data), file_name="other.cod", actor=importer)
    assert "BE71096123456769" in str(refused.value.message)
    assert written() == before


def test_only_who_may_import_imports(advisor: User) -> None:
    with pytest.raises(PermissionDeniedError):
        import_coda(statement(paid("20.00", "Don")), advisor)


def _in_threads(count: int, work: Callable[[int], T]) -> list[T]:
    def run(index: int) -> T:
        try:
            return work(index)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return [future.result(timeout=60) for future in [pool.submit(run, index) for index in range(count)]]


@pytest.mark.django_db(transaction=True)
def test_two_imports_of_one_file_at_once_make_one_statement(
    make_invoice, client_be: ThirdParty, importer: User
) -> None:
    """The first import holds the statement's unique index; the second waits on it, then finds it."""
    from invoicing.bank import statements

    invoice = make_invoice(client_be, line("Concert", "1", "1000"))
    content = coda_write(statement(paid("1210.00", invoice.reference)))
    inside = threading.Event()
    matcher_run = statements._Matcher.run

    def held_run(self: Any) -> dict[str, int]:
        """The first import, its statement inserted, stays open until the second waits on the index."""
        counts = matcher_run(self)
        inside.set()
        deadline = time.monotonic() + 30
        while not waiting_on_a_lock():
            assert time.monotonic() < deadline, "the second import never waited"
            time.sleep(0.02)
        return counts

    def work(index: int) -> ImportResult:
        if index == 1:
            assert inside.wait(30)
        return statement_import(content=content, file_name=f"{index}.cod", actor=importer)

    statements._Matcher.run = held_run  # type: ignore[method-assign]
    try:
        first, second = _in_threads(2, work)
    finally:
        statements._Matcher.run = matcher_run  # type: ignore[method-assign]

    assert (first.created, second.created) == (True, False)
    assert second.statement.pk == first.statement.pk
    assert BankStatement.objects.count() == 1
    assert InvoicePayment.objects.count() == 1
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID


@pytest.mark.django_db(transaction=True)
def test_an_import_waits_for_a_payment_recorded_meanwhile_and_pays_only_what_is_left(
    make_invoice, client_be: ThirdParty, importer: User, advisor: User
) -> None:
    """The invoices a statement pays are locked before their open amounts are read."""
    invoice = make_invoice(client_be, line("Concert", "1", "1000"))
    content = coda_write(statement(paid("1210.00", invoice.reference)))
    locked = threading.Event()

    def advisor_records_a_payment(_index: int) -> str:
        with transaction.atomic():
            Invoice.objects.select_for_update().get(pk=invoice.pk)
            locked.set()
            deadline = time.monotonic() + 30
            while not waiting_on_a_lock():  # the import now waits on the invoice
                assert time.monotonic() < deadline, "the import never waited"
                time.sleep(0.02)
            invoice_payment_record(
                invoice=invoice, amount=Decimal("1000.00"), paid_on=PAID_ON, key="advisor:cash", actor=advisor
            )
        return "recorded"

    def bank_import(_index: int) -> ImportResult:
        assert locked.wait(30)
        return statement_import(content=content, file_name="late.cod", actor=importer)

    def work(index: int) -> Any:
        return advisor_records_a_payment(index) if index == 0 else bank_import(index)

    _recorded, result = _in_threads(2, work)

    found = only_line(result)
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_paid) == (InvoiceStatus.PAID, Decimal("1210.00"))
    assert (found.status, found.unallocated) == (LineStatus.REVIEW, Decimal("1000.00"))


# --- the advisor's decisions ----------------------------------------------------------------------


def test_an_allocation_from_the_queue_settles_from_suspense_and_a_retry_changes_nothing(
    make_invoice, client_be: ThirdParty, client_person: ThirdParty, importer: User, advisor: User
) -> None:
    first = make_invoice(client_be, line("Concert", "1", "1000"))
    second = make_invoice(client_person, line("Cours", "1", "100"))
    found = only_line(import_coda(statement(paid("1331.00", "Paiement factures mars")), importer))
    bank = balance("550")

    def allocate() -> BankStatementLine:
        return statement_line_allocate(
            line=found,
            invoices=[(first, Decimal("1210.00")), (second, Decimal("121.00"))],
            actor=advisor,
        )

    allocate()
    counted = written()
    allocate()

    assert written() == counted
    found.refresh_from_db()
    assert (found.status, found.unallocated, found.decided_by) == (LineStatus.MATCHED, Decimal("0.00"), advisor)
    assert balance("499") == 0
    assert balance("550") == bank  # the bank was counted at import; the allocation moves 499 only
    for invoice in (first, second):
        invoice.refresh_from_db()
        assert invoice.status == InvoiceStatus.PAID
    assert AuditEntry.objects.filter(action="bank_line.allocated").count() == 1


def test_an_allocation_beyond_what_is_left_is_refused_and_nothing_written(
    make_invoice, client_be: ThirdParty, importer: User, advisor: User
) -> None:
    invoice = make_invoice(client_be, line("Concert", "1", "1000"))
    found = only_line(import_coda(statement(paid("100.00", "acompte")), importer))
    before = written()

    with pytest.raises(InvalidInput) as refused:
        statement_line_allocate(line=found, invoices=[(invoice, Decimal("150.00"))], actor=advisor)

    assert "amount" in refused.value.fields
    assert written() == before


def test_the_same_invoice_with_another_amount_is_a_conflict(
    make_invoice, client_be: ThirdParty, importer: User, advisor: User
) -> None:
    invoice = make_invoice(client_be, line("Concert", "1", "1000"))
    found = only_line(import_coda(statement(paid("100.00", "acompte")), importer))
    statement_line_allocate(line=found, invoices=[(invoice, Decimal("60.00"))], actor=advisor)
    with pytest.raises(ConflictError):
        statement_line_allocate(line=found, invoices=[(invoice, Decimal("40.00"))], actor=advisor)


def test_ignoring_needs_a_reason_and_keeps_the_money_in_suspense(importer: User, advisor: User) -> None:
    found = only_line(import_coda(statement(paid("20.00", "Remboursement trop-perçu", name="PROXIMUS")), importer))
    with pytest.raises(InvalidInput):
        statement_line_ignore(line=found, reason="  ", actor=advisor)

    statement_line_ignore(line=found, reason="Remboursement d'un fournisseur", actor=advisor)
    statement_line_ignore(line=found, reason="Remboursement d'un fournisseur", actor=advisor)

    found.refresh_from_db()
    assert (found.status, found.match_note) == (LineStatus.IGNORED, "Remboursement d'un fournisseur")
    assert balance("499") == Decimal("-20.00")
    assert AuditEntry.objects.filter(action="bank_line.ignored").count() == 1
    with pytest.raises(ConflictError):
        statement_line_allocate(line=found, invoices=[(Invoice(pk=1), Decimal("1.00"))], actor=advisor)


def test_an_accountant_imports_but_does_not_decide(make_staff, importer: User) -> None:
    accountant: User = make_staff("accountant@smartcoop.be", role=Role.ACCOUNTANT)
    found = only_line(import_coda(statement(paid("20.00", "Don")), accountant))
    with pytest.raises(PermissionDeniedError):
        statement_line_ignore(line=found, reason="Don", actor=accountant)
