"""Importing a bank statement, matching what it received, and the advisors' decisions on the rest.

`statement_import` reads a file (CODA or camt.053, told apart by its content), checks it whole, and
writes in ONE transaction the `BankStatement`, its `BankStatementLine`s, the payments it could
match and the postings. A file is imported once: its sha256 is unique, and so is (account,
statement id), so the same statement downloaded again, or sent in the other format with the same
id, changes nothing and is answered "already imported on ... by ...". Two imports of one file at
once meet on the unique index: the second waits for the first to commit, then answers the same.

Matching a credit line (money going out is recorded, never matched: the payment run, the refund
or the supplier's payment that sent it posted it already):

1. By structured communication, exact: the line's own (CODA's structured type 101/102, camt's
   SCOR/BBA reference), or every valid one written in a free text, in order (one payment for
   several invoices). All references of the statement are looked up in two queries (invoices,
   capital calls), never one per line. Each found invoice gets what is left of the line, up to
   its open amount, through `invoice_payment_record(..., statement_line=line)`: less than open
   is a partial payment; more leaves the excess `unallocated`, for an advisor.
   A capital call is paid by `capital_call_record_payment` when the line brings at least its
   amount and the importing user may decide on it (the members' policy: an advisor of the
   member's office). Otherwise, an accountant's import or a command run by no one, the call is a
   suggestion and an advisor records it from the queue: the import never acts with more rights
   than the person who runs it.
2. A communication whose check digits are wrong is never matched: the valid communications one
   typing slip away are looked up (same single query) and shown as suggestions.
3. Without a usable communication: the open invoices whose amount is the line's (one query,
   along the partial index `invoice_open_by_amount`) and whose client's name is similar to the
   payer's are suggested; the line waits for an advisor.

Postings: the payments matched are booked as a bank journal entry is, one posting per day of the
statement (`bank-statement:<id>:payments:<day>`: bank 550 to each issuer's receivable, with one
posting of the contributions they bring; `invoice_payments_record_many`), a capital call bank 550
to capital (the register's service). What is not allocated at import is booked bank 550 to
suspense 499, one posting per day (`bank-statement:<id>:suspense:<day>`; each line's part is its
`unallocated`), so the books show the bank's balance from the day of import. One posting per
payment cost a 10,000-line statement minutes; per day, seconds. An advisor's later allocation
settles the invoice from 499
(`invoice_payment_record(..., from_suspense=True)`); for a capital call, whose service posts from
the bank, 499 is cleared back to 550 (`bank-line:<id>:capital-call:<id>`). An ignored line's money
stays in 499 for the accountant to book (a refund to make, a transfer between own accounts).

`statement_line_allocate` and `statement_line_ignore` are the queue's decisions: under the line's
lock, keyed by the line and the invoice or call, so a decision sent twice is made once.
"""

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from activities.services.shared import _money
from invoicing.bank.camt053 import camt053_parse, is_camt053
from invoicing.bank.coda import coda_parse, is_coda
from invoicing.bank.data import StatementData
from invoicing.bank.names import similar_names
from invoicing.bank.references import is_valid, nearest_valid, reference_digits, reference_text, references_in
from invoicing.models import (
    OPEN_STATUSES,
    BankStatement,
    BankStatementLine,
    Invoice,
    InvoiceKind,
    InvoicePayment,
    InvoiceStatus,
    LineStatus,
    StatementFormat,
)
from invoicing.services.payments import BANK, SUSPENSE, Allocation, invoice_payment_record, invoice_payments_record_many
from members.models import CapitalCall, CapitalCallStatus, User
from members.services.capital_calls import capital_call_record_payment
from smartcoop.access import may, require
from smartcoop.audit.services import audit_record, changes, name_actions, snapshot
from smartcoop.errors import ConflictError, InvalidInput
from smartcoop.input_rules import PAYMENT
from smartcoop.ledger.services import books_memo, credit, debit, ledger_post
from smartcoop.models import CooperativeEntity
from smartcoop.money import ZERO, amount_text

name_actions(
    {
        "bank_statement.imported": gettext_lazy("Bank statement imported"),
        "bank_line.allocated": gettext_lazy("Bank payment allocated"),
        "bank_line.ignored": gettext_lazy("Bank payment ignored"),
    }
)

MAX_SUGGESTIONS = 5
# A payment matched by amount alone (another name) is suggested only when few invoices share it.
AMOUNT_ONLY_SUGGESTIONS = 3


# --- reading a file ---------------------------------------------------------------------------------


def statement_read(content: bytes) -> tuple[str, StatementData]:
    """The format and the statement of a file, told apart by their content, or InvalidInput."""
    if not content.strip():
        raise InvalidInput.on("file", _("The file is empty."))
    if is_coda(content):
        return StatementFormat.CODA, coda_parse(content)
    if is_camt053(content):
        return StatementFormat.CAMT053, camt053_parse(content)
    if content.lstrip()[:1] == b"<":
        return StatementFormat.CAMT053, camt053_parse(content)  # it names what the XML is, or where it breaks
    if content[:1] == b"0":
        return StatementFormat.CODA, coda_parse(content)  # it names the record at fault
    raise InvalidInput.on(
        "file", _("This file is neither a CODA statement nor a camt.053 statement; ask the bank for one of those.")
    )


def _check_statement(data: StatementData) -> None:
    """The statement is of the cooperative's account, and its lines' dates are payment dates."""
    ours = {"".join(iban.split()).upper() for iban in CooperativeEntity.objects.values_list("iban", flat=True)}
    if data.account_iban not in ours:
        raise InvalidInput.on(
            "file",
            _("This statement is of account %(account)s, which is not the cooperative's (%(ours)s).")
            % {"account": data.account_iban, "ours": ", ".join(sorted(ours)) or "-"},
        )
    for number, line in enumerate(data.lines, start=1):
        try:
            PAYMENT.require(data.booking_date_of(line), field="file")
        except InvalidInput as refused:
            raise InvalidInput.on(
                "file", _("Line %(n)s of the statement: %(error)s") % {"n": number, "error": refused.message}
            ) from None


# --- the import -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    statement: BankStatement
    created: bool
    lines: int = 0
    matched: int = 0
    to_review: int = 0
    ignored: int = 0

    @property
    def message(self) -> str:
        statement = self.statement
        if not self.created:
            importer = statement.imported_by
            by = str(importer) if importer is not None else ""
            when = date_format(timezone.localtime(statement.imported_at), "SHORT_DATETIME_FORMAT")
            return (
                _("This statement (%(statement)s) was already imported on %(when)s by %(by)s; nothing was changed.")
                if by
                else _("This statement (%(statement)s) was already imported on %(when)s; nothing was changed.")
            ) % {"statement": statement.statement_id, "when": when, "by": by}
        return _(
            "Statement %(statement)s imported: %(lines)s line(s), %(matched)s matched, %(review)s to review,"
            " %(ignored)s paid out."
        ) % {
            "statement": statement.statement_id,
            "lines": self.lines,
            "matched": self.matched,
            "review": self.to_review,
            "ignored": self.ignored,
        }


def _already(statement: BankStatement) -> ImportResult:
    return ImportResult(statement=statement, created=False)


def _existing(digest: str, data: StatementData | None = None) -> BankStatement | None:
    found = Q(sha256=digest)
    if data is not None:
        found |= Q(account_iban=data.account_iban, statement_id=data.statement_id)
    return BankStatement.objects.filter(found).select_related("imported_by").first()


def statement_import(*, content: bytes, file_name: str, actor: User | None) -> ImportResult:
    """Import a statement file once: lines, matched payments and postings in one transaction."""
    if actor is not None:
        require(actor, "import", BankStatement, message=_("Only staff who may import bank statements can do this."))
    digest = hashlib.sha256(content).hexdigest()
    known = _existing(digest)
    if known is not None:
        return _already(known)
    kind, data = statement_read(content)
    _check_statement(data)
    known = _existing(digest, data)
    if known is not None:
        return _already(known)
    with transaction.atomic():
        try:
            with transaction.atomic():  # an import of the same file at once waits here, then fails
                statement = BankStatement.objects.create(
                    format=kind,
                    account_iban=data.account_iban,
                    statement_id=data.statement_id,
                    statement_date=data.date,
                    opening_balance=data.opening_balance,
                    closing_balance=data.closing_balance,
                    file_name=file_name[:200],
                    sha256=digest,
                    imported_by=actor,
                )
        except IntegrityError:
            known = _existing(digest, data)
            if known is None:  # pragma: no cover -- the unique index said it exists
                raise
            return _already(known)
        lines = BankStatementLine.objects.bulk_create(
            BankStatementLine(
                statement=statement,
                sequence=number,
                booking_date=data.booking_date_of(line),
                value_date=line.value_date,
                amount=line.amount,
                counterparty_name=line.counterparty_name[:200],
                counterparty_iban=line.counterparty_iban[:34],
                communication=line.communication[:400],
                structured=line.structured,
                bank_reference=line.bank_reference[:60],
                unallocated=max(line.amount, ZERO),
            )
            for number, line in enumerate(data.lines, start=1)
        )
        counts = _Matcher(statement=statement, lines=lines, actor=actor).run()
        audit_record(
            actor=actor,
            action="bank_statement.imported",
            target=statement,
            after={
                "statement_id": statement.statement_id,
                "opening_balance": statement.opening_balance,
                "closing_balance": statement.closing_balance,
            },
            format=kind,
            file_name=statement.file_name,
            lines=len(lines),
            matched=counts["matched"],
            to_review=counts["to_review"],
            paid_out=counts["paid_out"],
        )
    return ImportResult(
        statement=statement,
        created=True,
        lines=len(lines),
        matched=counts["matched"],
        to_review=counts["to_review"],
        ignored=counts["paid_out"],
    )


@dataclass
class _Outcome:
    """What matching decided for one line, written in bulk once every line is decided."""

    notes: list[str] = field(default_factory=list)
    invoices: list[int] = field(default_factory=list)
    calls: list[int] = field(default_factory=list)
    allocated: bool = False

    def suggest_invoice(self, invoice_id: int) -> None:
        if invoice_id not in self.invoices:
            self.invoices.append(invoice_id)

    def suggest_call(self, call_id: int) -> None:
        if call_id not in self.calls:
            self.calls.append(call_id)


class _Matcher:
    """Matches the credit lines of one statement, with a fixed number of queries for the lookups."""

    def __init__(self, *, statement: BankStatement, lines: list[BankStatementLine], actor: User | None) -> None:
        self.statement = statement
        self.lines = lines
        self.actor = actor
        self.outcomes: dict[int, _Outcome] = {line.pk: _Outcome() for line in lines}
        self.open_left: dict[int, Decimal] = {}
        self.allocations: list[Allocation] = []

    def run(self) -> dict[str, int]:
        credits = [line for line in self.lines if line.amount > 0]
        found = {line.pk: self._references(line) for line in credits}
        nearest = {
            line.pk: {digits: nearest_valid(digits) for digits, valid in found[line.pk] if not valid}
            for line in credits
        }
        exact = {reference_text(digits) for refs in found.values() for digits, valid in refs if valid}
        near = {reference_text(c) for cands in nearest.values() for found_near in cands.values() for c in found_near}
        # What the lines pay is locked (in primary-key order, as every payment locks an invoice) so
        # the open amounts read here stay true until the import commits; suggestions are only read.
        invoices = {
            invoice.reference: invoice
            for invoice in _invoices().filter(reference__in=exact).order_by("pk").select_for_update(of=("self",))
        }
        invoices |= {invoice.reference: invoice for invoice in _invoices().filter(reference__in=near - exact)}
        calls = {
            call.reference: call
            for call in CapitalCall.objects.filter(reference__in=exact).order_by("pk").select_for_update()
        }
        calls |= {call.reference: call for call in CapitalCall.objects.filter(reference__in=near - exact)}
        for invoice in invoices.values():
            self.open_left[invoice.pk] = invoice.amount_open
        for line in credits:
            self._by_reference(line, found[line.pk], nearest[line.pk], invoices, calls)
        self._record_payments()
        self._by_amount_and_name([line for line in credits if not self.outcomes[line.pk].allocated])
        self._others_of_the_client(
            [line for line in credits if line.unallocated > 0 and self.outcomes[line.pk].allocated]
        )
        return self._write(credits)

    def _record_payments(self) -> None:
        """The payments matched by reference, booked at once: one posting per day of the statement."""
        by_day: dict[date, list[Allocation]] = defaultdict(list)
        for allocation in self.allocations:
            by_day[allocation.statement_line.booking_date].append(allocation)
        statement = self.statement
        for day, allocations in sorted(by_day.items()):
            invoice_payments_record_many(
                allocations=allocations,
                key=f"bank-statement:{statement.pk}:payments:{day.isoformat()}",
                booked_on=day,
                memo=books_memo(
                    lambda: _("Payments received, statement %(statement)s") % {"statement": statement.statement_id}
                ),
                actor=self.actor,
            )

    @staticmethod
    def _references(line: BankStatementLine) -> list[tuple[str, bool]]:
        if line.structured:
            digits = reference_digits(line.communication)
            return [(digits, is_valid(digits))] if digits else []
        return [(found.digits, found.valid) for found in references_in(line.communication)]

    def _by_reference(
        self,
        line: BankStatementLine,
        found: list[tuple[str, bool]],
        nearest: dict[str, list[str]],
        invoices: dict[str | None, Invoice],
        calls: dict[str | None, CapitalCall],
    ) -> None:
        outcome = self.outcomes[line.pk]
        for digits, valid in found:
            reference = reference_text(digits)
            if not valid:
                near = [reference_text(c) for c in nearest.get(digits, [])]
                hits = [r for r in near if r in invoices or r in calls]
                for hit in hits:
                    if hit in invoices:
                        outcome.suggest_invoice(invoices[hit].pk)
                    else:
                        outcome.suggest_call(calls[hit].pk)
                outcome.notes.append(
                    _("The communication %(reference)s has wrong check digits: %(what)s.")
                    % {
                        "reference": reference,
                        "what": _("suggested %(found)s") % {"found": ", ".join(hits)}
                        if hits
                        else _("no near communication is ours"),
                    }
                )
            elif reference in invoices:
                self._pay_invoice(line, invoices[reference])
            elif reference in calls:
                self._pay_call(line, calls[reference])
            else:
                outcome.notes.append(
                    _("No invoice or capital call has the communication %(reference)s.") % {"reference": reference}
                )

    def _pay_invoice(self, line: BankStatementLine, invoice: Invoice) -> None:
        outcome = self.outcomes[line.pk]
        left = self.open_left.get(invoice.pk, ZERO)
        if line.unallocated <= 0:
            outcome.suggest_invoice(invoice.pk)
            return
        if invoice.status not in OPEN_STATUSES or left <= 0:
            outcome.suggest_invoice(invoice.pk)
            outcome.notes.append(
                _("Invoice %(number)s is %(status)s: nothing is left to pay on it.")
                % {"number": invoice.number, "status": invoice.get_status_display()}
            )
            return
        amount = min(line.unallocated, left)
        self.allocations.append(
            Allocation(
                invoice=invoice, amount=amount, key=f"bank-line:{line.pk}:invoice:{invoice.pk}", statement_line=line
            )
        )
        self.open_left[invoice.pk] = left - amount
        line.unallocated -= amount
        outcome.allocated = True
        if amount < left:
            outcome.notes.append(
                _("%(amount)s paid on invoice %(number)s, which expected %(open)s.")
                % {"amount": amount_text(amount), "number": invoice.number, "open": amount_text(left)}
            )
        else:
            outcome.notes.append(_("Invoice %(number)s paid.") % {"number": invoice.number})

    def _pay_call(self, line: BankStatementLine, call: CapitalCall) -> None:
        outcome = self.outcomes[line.pk]
        outcome.suggest_call(call.pk)
        if call.status != CapitalCallStatus.OPEN:
            outcome.notes.append(
                _("The capital call %(reference)s is %(status)s.")
                % {"reference": call.reference, "status": call.get_status_display()}
            )
        elif line.unallocated < call.amount:
            outcome.notes.append(
                _("The capital call %(reference)s asks %(amount)s; %(left)s is not enough.")
                % {
                    "reference": call.reference,
                    "amount": amount_text(call.amount),
                    "left": amount_text(line.unallocated),
                }
            )
        elif self.actor is None or not may(self.actor, "decide", call):
            outcome.notes.append(
                _("The capital call %(reference)s waits for an advisor of the member's office to record it.")
                % {"reference": call.reference}
            )
        else:
            capital_call_record_payment(call=call, paid_on=line.booking_date, actor=self.actor)
            call.status = CapitalCallStatus.PAID
            line.capital_call = call
            line.unallocated -= call.amount
            outcome.allocated = True
            outcome.calls.remove(call.pk)
            outcome.notes.append(_("Capital call %(reference)s paid.") % {"reference": call.reference})

    def _by_amount_and_name(self, lines: list[BankStatementLine]) -> None:
        amounts = {line.amount for line in lines}
        if not amounts:
            return
        by_amount: dict[Decimal, list[Invoice]] = defaultdict(list)
        # Along the partial index invoice_open_by_amount: the open invoices of these amounts only.
        for invoice in Invoice.objects.filter(
            status__in=OPEN_STATUSES, total_incl_vat__in=amounts, kind=InvoiceKind.INVOICE
        ).only(*_INVOICE_FIELDS):
            by_amount[invoice.total_incl_vat].append(invoice)
        for line in lines:
            outcome = self.outcomes[line.pk]
            same = [invoice for invoice in by_amount.get(line.amount, []) if invoice.amount_open == line.amount]
            named = [invoice for invoice in same if similar_names(line.counterparty_name, invoice.client_name)]
            if named:
                for invoice in named[:MAX_SUGGESTIONS]:
                    outcome.suggest_invoice(invoice.pk)
                outcome.notes.append(
                    _("Same amount and a similar name: %(numbers)s; an advisor confirms.")
                    % {"numbers": ", ".join(str(invoice.number) for invoice in named[:MAX_SUGGESTIONS])}
                )
            elif same and len(same) <= AMOUNT_ONLY_SUGGESTIONS:
                for invoice in same:
                    outcome.suggest_invoice(invoice.pk)
                outcome.notes.append(
                    _("Same amount, another name: %(numbers)s.")
                    % {"numbers": ", ".join(str(invoice.number) for invoice in same)}
                )
            elif not outcome.notes:
                outcome.notes.append(_("No communication of ours and no open invoice of this amount."))

    def _others_of_the_client(self, lines: list[BankStatementLine]) -> None:
        """Paid more than it owed: the client's other open invoices are where the rest may go."""
        paid = {
            payment.statement_line_id: payment.invoice.client_id
            for payment in InvoicePayment.objects.filter(statement_line__in=lines).select_related("invoice")
        }
        clients = set(paid.values())
        if not clients:
            return
        others: dict[int, list[int]] = defaultdict(list)
        for invoice_id, client_id in (
            Invoice.objects.filter(client_id__in=clients, status__in=OPEN_STATUSES, kind=InvoiceKind.INVOICE)
            .order_by("due_date", "pk")
            .values_list("pk", "client_id")
        ):
            others[client_id].append(invoice_id)
        for line in lines:
            outcome = self.outcomes[line.pk]
            outcome.notes.append(
                _("%(amount)s more than the invoices expected is not allocated.")
                % {"amount": amount_text(line.unallocated)}
            )
            for invoice_id in others.get(paid.get(line.pk, 0), [])[:MAX_SUGGESTIONS]:
                outcome.suggest_invoice(invoice_id)

    def _write(self, credits: list[BankStatementLine]) -> dict[str, int]:
        now = timezone.now()
        counts = {"matched": 0, "to_review": 0, "paid_out": 0}
        for line in self.lines:
            outcome = self.outcomes[line.pk]
            if line.amount <= 0:
                line.status = LineStatus.IGNORED
                line.match_note = str(_("Money paid out: booked by the payment that sent it."))
                counts["paid_out"] += 1
            elif line.unallocated == 0:
                line.status = LineStatus.MATCHED
                line.decided_at = now
                counts["matched"] += 1
            else:
                line.status = LineStatus.REVIEW
                counts["to_review"] += 1
            if line.amount > 0:
                line.match_note = " ".join(outcome.notes)[:300]
        _update_lines(self.lines)
        _to_suspense(self.statement, [line for line in credits if line.unallocated > 0], actor=self.actor)
        Invoices = BankStatementLine.suggested_invoices.through
        Invoices.objects.bulk_create(
            (
                Invoices(bankstatementline_id=line_id, invoice_id=invoice_id)
                for line_id, outcome in self.outcomes.items()
                for invoice_id in outcome.invoices
            ),
            batch_size=5000,
        )
        Calls = BankStatementLine.suggested_calls.through
        Calls.objects.bulk_create(
            (
                Calls(bankstatementline_id=line_id, capitalcall_id=call_id)
                for line_id, outcome in self.outcomes.items()
                for call_id in outcome.calls
            ),
            batch_size=5000,
        )
        return counts


def _update_lines(lines: list[BankStatementLine]) -> None:
    """Every line's decision in one statement: bulk_update's CASE over thousands of rows costs
    seconds; a join with the decisions passed as arrays costs milliseconds."""
    table = BankStatementLine._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS line SET status = v.status, match_note = v.note, unallocated = v.unallocated,"  # noqa: S608 -- the model's own table name
            " decided_at = v.decided_at, capital_call_id = v.call"
            " FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::numeric[], %s::timestamptz[], %s::bigint[])"
            " AS v(id, status, note, unallocated, decided_at, call) WHERE line.id = v.id",
            [
                [line.pk for line in lines],
                [line.status for line in lines],
                [line.match_note for line in lines],
                [line.unallocated for line in lines],
                [line.decided_at for line in lines],
                [line.capital_call_id for line in lines],
            ],
        )


def _invoices() -> QuerySet[Invoice]:
    """Issued invoices (not credit notes), with what matching reads of them."""
    return Invoice.objects.filter(kind=InvoiceKind.INVOICE).exclude(status=InvoiceStatus.DRAFT).only(*_INVOICE_FIELDS)


# Everything the payments read too (the split, the contribution, who is told): a deferred field
# would be loaded by one query per invoice.
_INVOICE_FIELDS = (
    "id", "number", "reference", "status", "kind", "client_id", "client_name", "total_incl_vat", "amount_paid",
    "amount_credited", "amount_written_off", "total_excl_vat", "excl_settled", "analytic_id", "contribution_rate",
    "activity_id", "created_by_id",
)  # fmt: skip


def _suspense_memo(statement_id: str, count: int) -> str:
    return books_memo(
        lambda: (
            _("Bank payments to allocate, statement %(statement)s: %(count)s lines")
            % {"statement": statement_id, "count": count}
        )
    )


def _to_suspense(statement: BankStatement, lines: list[BankStatementLine], *, actor: User | None) -> None:
    """What no invoice took waits in 499 for an advisor, one posting per day of the statement, so the
    books show the bank's balance from the day it arrived (each line's part is its `unallocated`)."""
    by_day: dict[date, Decimal] = defaultdict(Decimal)
    counts: dict[date, int] = defaultdict(int)
    for line in lines:
        by_day[line.booking_date] += line.unallocated
        counts[line.booking_date] += 1
    for day, amount in sorted(by_day.items()):
        ledger_post(
            key=f"bank-statement:{statement.pk}:suspense:{day.isoformat()}",
            date=day,
            memo=_suspense_memo(statement.statement_id, counts[day]),
            legs=[debit(BANK, amount), credit(SUSPENSE, amount)],
            actor=actor,
        )


# --- the advisors' decisions ------------------------------------------------------------------------


def statement_line_allocate(
    *,
    line: BankStatementLine,
    actor: User,
    invoices: Sequence[tuple[Invoice, Decimal]] = (),
    capital_call: CapitalCall | None = None,
) -> BankStatementLine:
    """Allocate a line's money waiting in suspense to invoices (amounts) and or a capital call; once."""
    require(actor, "decide", line, message=_("Only an advisor may allocate a bank payment."))
    if not invoices and capital_call is None:
        raise InvalidInput.on("invoices", _("Choose at least one invoice, or a capital call."))
    wanted: dict[int, tuple[Invoice, Decimal]] = {}
    for index, (invoice, amount) in enumerate(invoices):
        _money(amount, field=f"invoices.{index}.amount")
        if invoice.pk in wanted:
            raise InvalidInput.on(
                f"invoices.{index}", _("Invoice %(number)s is chosen twice.") % {"number": invoice.number}
            )
        wanted[invoice.pk] = (invoice, amount)
    with transaction.atomic():
        locked = BankStatementLine.objects.select_for_update().get(pk=line.pk)
        if locked.amount <= 0:
            raise ConflictError(_("Money paid out is not allocated to invoices."))
        if locked.status == LineStatus.IGNORED:
            raise ConflictError(_("This payment was ignored; it is no longer allocated."))
        stored = snapshot(locked, ["status", "unallocated"])
        to_pay = _not_yet_paid(locked, wanted)
        call = _call_to_pay(locked, capital_call)
        total = sum((amount for _invoice, amount in to_pay), ZERO) + (call.amount if call is not None else ZERO)
        if total == 0:
            return locked  # the same decision again: made already
        if total > locked.unallocated:
            raise InvalidInput.on(
                "amount",
                _("You allocate %(total)s, but only %(left)s of this payment is not allocated yet.")
                % {"total": amount_text(total), "left": amount_text(locked.unallocated)},
            )
        for invoice, amount in to_pay:
            invoice_payment_record(
                invoice=invoice,
                amount=amount,
                paid_on=locked.booking_date,
                key=f"bank-line:{locked.pk}:invoice:{invoice.pk}",
                actor=actor,
                statement_line=locked,
                from_suspense=True,
            )
        if call is not None:
            _pay_call_from_suspense(locked, call, actor=actor)
        locked.unallocated -= total
        if locked.unallocated == 0:
            locked.status = LineStatus.MATCHED
        locked.decided_at = timezone.now()
        locked.decided_by = actor
        locked.save(update_fields=["unallocated", "status", "decided_at", "decided_by", "capital_call"])
        before, after = changes(stored, locked, ["status", "unallocated"])
        audit_record(
            actor=actor,
            action="bank_line.allocated",
            target=locked,
            before=before,
            after=after,
            invoices={str(invoice.number): amount for invoice, amount in to_pay},
            capital_call=call.reference if call is not None else None,
        )
    return locked


def _not_yet_paid(line: BankStatementLine, wanted: dict[int, tuple[Invoice, Decimal]]) -> list[tuple[Invoice, Decimal]]:
    """The allocations not made yet; one made already with the same amount is the same decision."""
    keys = {f"bank-line:{line.pk}:invoice:{pk}": pk for pk in wanted}
    made = {payment.key: payment for payment in InvoicePayment.objects.filter(key__in=keys)}
    to_pay = []
    for key, pk in keys.items():
        invoice, amount = wanted[pk]
        if key not in made:
            to_pay.append((invoice, amount))
        elif made[key].amount != amount:
            raise ConflictError(
                _("%(amount)s of this payment went to invoice %(number)s already.")
                % {"amount": amount_text(made[key].amount), "number": invoice.number}
            )
    return to_pay


def _call_to_pay(line: BankStatementLine, call: CapitalCall | None) -> CapitalCall | None:
    if call is None or line.capital_call_id == call.pk:
        return None
    if line.capital_call_id is not None:
        raise ConflictError(_("This payment paid another capital call already."))
    return call


def _pay_call_from_suspense(line: BankStatementLine, call: CapitalCall, *, actor: User) -> None:
    """The register's service posts the call's money from the bank; it waited in suspense: moved back."""
    capital_call_record_payment(call=call, paid_on=line.booking_date, actor=actor)
    ledger_post(
        key=f"bank-line:{line.pk}:capital-call:{call.pk}",
        date=line.booking_date,
        memo=books_memo(lambda: _("Capital call %(reference)s paid from suspense") % {"reference": call.reference}),
        legs=[debit(SUSPENSE, call.amount), credit(BANK, call.amount)],
        actor=actor,
    )
    line.capital_call = call


def statement_line_ignore(*, line: BankStatementLine, reason: str, actor: User) -> BankStatementLine:
    """Not a payment for an invoice or a call (a refund, a transfer of our own): set aside, with why."""
    require(actor, "decide", line, message=_("Only an advisor may decide on a bank payment."))
    reason = " ".join(reason.split())
    if not reason:
        raise InvalidInput.on(
            "reason", _("Say why this payment is ignored: the accountant books it according to your reason.")
        )
    with transaction.atomic():
        locked = BankStatementLine.objects.select_for_update().get(pk=line.pk)
        if locked.status == LineStatus.IGNORED:
            return locked
        if locked.status == LineStatus.MATCHED:
            raise ConflictError(_("This payment is allocated already; it cannot be ignored."))
        stored = snapshot(locked, ["status", "match_note"])
        locked.status = LineStatus.IGNORED
        locked.match_note = reason[:300]
        locked.decided_at = timezone.now()
        locked.decided_by = actor
        locked.save(update_fields=["status", "match_note", "decided_at", "decided_by"])
        before, after = changes(stored, locked, ["status", "match_note"])
        audit_record(
            actor=actor, action="bank_line.ignored", target=locked, before=before, after=after, left=locked.unallocated
        )
    return locked
