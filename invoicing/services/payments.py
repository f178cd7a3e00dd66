"""Money received for an invoice, from the bank or recorded by an advisor.

`invoice_payment_record` allocates an amount to one invoice once per key (the cause: a statement
line, an advisor's entry), under the invoice's lock, never beyond what is still open: the caller
keeps the excess (a statement line's unallocated money waits in the suspense account 499 for an
advisor). It posts:

- bank (550) to the receivable (400), split like the receivable was at issue: the part excl. VAT on
  the issuer's analytic account, the rest without one. The part excl. VAT is the open excl. VAT in
  proportion to the open amount, and exactly what is left of it when the payment settles the
  invoice, so rounding never leaves a cent behind;
- the cooperative contribution on that part excl. VAT (turnover actually received), at the rate
  the invoice was issued with.

So the Activity's available money rises by what the client paid excl. VAT, less the contribution,
and an unpaid invoice never makes it spend what it does not have.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connection, transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from activities.services.contributions import ContributionPart, contribution_post, contributions_post
from activities.services.shared import _money
from invoicing.access import invoice_notify_users, invoices_notify_users
from invoicing.models import BankStatementLine, Invoice, InvoicePayment, InvoiceStatus, PaymentSource
from invoicing.services.invoices import RECEIVABLE, invoice_status_after
from members.models import User
from smartcoop.access import require
from smartcoop.audit.services import audit_entry, audit_record, audit_record_many, changes, name_actions, snapshot
from smartcoop.errors import ConflictError, InvalidInput
from smartcoop.input_rules import PAYMENT
from smartcoop.ledger.models import AnalyticAccount
from smartcoop.ledger.services import LegSpec, books_memo, credit, debit, ledger_post
from smartcoop.money import ZERO, amount_text, to_money
from smartcoop.notifications import notify

BANK, SUSPENSE = "550", "499"

name_actions({"invoice.payment_recorded": gettext_lazy("Payment received")})


def _payment_legs(invoice: Invoice, amount: Decimal, excl: Decimal, *, via: str) -> list[LegSpec]:
    legs = [debit(via, amount), credit(RECEIVABLE, excl, invoice.analytic)] if excl > 0 else [debit(via, amount)]
    if amount - excl > 0:
        legs.append(credit(RECEIVABLE, amount - excl))
    return legs


def _refuse_more_than_open(invoice: Invoice, amount: Decimal, open_amount: Decimal) -> None:
    if amount > open_amount:
        raise InvalidInput.on(
            "amount",
            _("Invoice %(number)s expects %(open)s; %(amount)s is more than that.")
            % {"number": invoice.number, "open": amount_text(max(open_amount, ZERO)), "amount": amount_text(amount)},
        )


def invoice_payment_record(
    *,
    invoice: Invoice,
    amount: Decimal,
    paid_on: date,
    key: str,
    actor: User | None,
    statement_line: BankStatementLine | None = None,
    from_suspense: bool = False,
) -> InvoicePayment:
    """Allocate `amount` to `invoice`, once per `key`; refuses more than the invoice still expects.

    `from_suspense`: the money was booked to 499 when its statement was imported (an advisor
    allocates it later), so the receivable is settled from 499 instead of the bank.
    """
    if actor is not None and statement_line is None:
        require(actor, "decide", invoice)
    amount = _money(amount, field="amount")
    PAYMENT.require(paid_on, field="paid_on")
    with transaction.atomic():
        locked = Invoice.objects.select_for_update().select_related("analytic").get(pk=invoice.pk)
        already = InvoicePayment.objects.filter(key=key).first()
        if already is not None:
            if already.invoice_id != locked.pk or already.amount != amount:
                raise ConflictError(_("This payment was already recorded with another amount."))
            return already
        if locked.is_credit_note or locked.status == InvoiceStatus.DRAFT:
            raise ConflictError(_("Payments are recorded on issued invoices."))
        open_amount = locked.amount_open
        _refuse_more_than_open(locked, amount, open_amount)
        excl_open = locked.total_excl_vat - locked.excl_settled
        excl = excl_open if amount == open_amount else to_money(excl_open * amount / open_amount)
        payment = InvoicePayment.objects.create(
            invoice=locked,
            amount=amount,
            paid_on=paid_on,
            source=PaymentSource.BANK if statement_line is not None else PaymentSource.MANUAL,
            statement_line=statement_line,
            key=key,
            recorded_by=actor,
        )
        posting = ledger_post(
            key=f"invoice-payment:{payment.pk}",
            date=paid_on,
            memo=books_memo(
                lambda: (
                    _("Payment of invoice %(number)s by %(client)s")
                    % {"number": locked.number, "client": locked.client_name}
                )
            ),
            legs=_payment_legs(locked, amount, excl, via=SUSPENSE if from_suspense else BANK),
            actor=actor,
        )
        _contribution(locked, excl=excl, payment=payment, actor=actor)
        stored = snapshot(locked, ["status", "amount_paid"])
        locked.amount_paid += amount
        locked.excl_settled += excl
        locked.status = invoice_status_after(locked)
        locked.save(update_fields=["amount_paid", "excl_settled", "status"])
        before, after = changes(stored, locked, ["status", "amount_paid"])
        audit_record(
            actor=actor,
            action="invoice.payment_recorded",
            target=locked,
            before=before,
            after=after,
            amount=amount,
            paid_on=paid_on,
            posting=posting.key,
            statement_line=statement_line.pk if statement_line is not None else None,
        )
        _tell_paid(locked, payment)
    return payment


def _contribution(invoice: Invoice, *, excl: Decimal, payment: InvoicePayment, actor: User | None) -> None:
    """The cooperative's contribution on the turnover received, at the rate the invoice was issued with."""
    contribution_post(
        analytic=invoice.analytic,
        rate=invoice.contribution_rate,
        base=excl,
        on="turnover",
        booked_on=payment.paid_on,
        key=f"invoice-payment:{payment.pk}:contribution",
        actor=actor,
        cause=invoice,
    )


@dataclass(frozen=True)
class Allocation:
    """One statement line's money for one invoice, as the import decided it."""

    invoice: Invoice  # locked by the caller; the same object for every allocation to one invoice
    amount: Decimal
    key: str
    statement_line: BankStatementLine


def invoice_payments_record_many(
    *, allocations: Sequence[Allocation], key: str, booked_on: date, memo: str, actor: User | None
) -> list[InvoicePayment]:
    """The payments a bank statement settles, recorded at once, inside the import's transaction.

    The same allocations, splits and contributions as `invoice_payment_record` one by one, but
    booked as a bank journal entry is: one posting for the statement's payments (bank to each
    issuer's receivable), one for the contributions they bring, the invoices updated in one
    statement. Thousands of payments then cost seconds, not minutes (tests/perf/test_bank_import.py).
    The caller locked the invoices (in primary-key order) and imports a statement once, so a retry
    finds the postings by their keys and the payments by theirs.
    """
    if not allocations:
        return []
    known = set(InvoicePayment.objects.filter(key__in=[a.key for a in allocations]).values_list("key", flat=True))
    if known:
        if known == {a.key for a in allocations}:
            return list(InvoicePayment.objects.filter(key__in=known).order_by("pk"))
        raise ConflictError(_("Some of these payments were already recorded."))
    before: dict[int, dict[str, object]] = {}
    payments: list[InvoicePayment] = []
    receivable: dict[int, tuple[AnalyticAccount, Decimal]] = {}
    vat_part = ZERO
    contributions: list[ContributionPart] = []
    for allocation in allocations:
        invoice, amount = allocation.invoice, _money(allocation.amount, field="amount")
        if invoice.is_credit_note or invoice.status == InvoiceStatus.DRAFT:
            raise ConflictError(_("Payments are recorded on issued invoices."))
        open_amount = invoice.amount_open
        _refuse_more_than_open(invoice, amount, open_amount)
        before.setdefault(invoice.pk, snapshot(invoice, ["status", "amount_paid"]))
        excl_open = invoice.total_excl_vat - invoice.excl_settled
        excl = excl_open if amount == open_amount else to_money(excl_open * amount / open_amount)
        analytic = AnalyticAccount(pk=invoice.analytic_id)
        held = receivable.get(invoice.analytic_id, (analytic, ZERO))
        receivable[invoice.analytic_id] = (held[0], held[1] + excl)
        vat_part += amount - excl
        contributions.append(ContributionPart(analytic=analytic, rate=invoice.contribution_rate, base=excl))
        invoice.amount_paid += amount
        invoice.excl_settled += excl
        invoice.status = invoice_status_after(invoice)
        payments.append(
            InvoicePayment(
                invoice=invoice,
                amount=amount,
                paid_on=allocation.statement_line.booking_date,
                source=PaymentSource.BANK,
                statement_line=allocation.statement_line,
                key=allocation.key,
                recorded_by=actor,
            )
        )
    total = sum((payment.amount for payment in payments), ZERO)
    legs = [
        debit(BANK, total),
        *(credit(RECEIVABLE, excl, analytic) for analytic, excl in receivable.values() if excl > 0),
    ]
    if vat_part > 0:
        legs.append(credit(RECEIVABLE, vat_part))
    with transaction.atomic(savepoint=False):
        InvoicePayment.objects.bulk_create(payments, batch_size=2000)
        posting = ledger_post(key=key, date=booked_on, memo=memo, legs=legs, actor=actor)
        first = allocations[0].statement_line.statement
        contributions_post(
            parts=contributions,
            on="turnover",
            booked_on=booked_on,
            key=f"{key}:contribution",
            actor=actor,
            cause=first,
        )
        invoices = {allocation.invoice.pk: allocation.invoice for allocation in allocations}
        _update_invoices(list(invoices.values()))
        audit_record_many(
            audit_entry(
                actor=actor,
                action="invoice.payment_recorded",
                target=payment.invoice,
                before=before[payment.invoice.pk],
                after={"status": payment.invoice.status, "amount_paid": payment.invoice.amount_paid},
                amount=payment.amount,
                paid_on=payment.paid_on,
                posting=posting.key,
                statement_line=payment.statement_line_id,
            )
            for payment in payments
        )
        readers = invoices_notify_users(list(invoices.values()))
        for payment in payments:
            _tell_paid(payment.invoice, payment, readers.get(payment.invoice.pk, []))
    return payments


def _update_invoices(invoices: list[Invoice]) -> None:
    """What each paid invoice now expects, in one statement (bulk_update's CASE is slow at thousands)."""
    table = Invoice._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS invoice SET amount_paid = v.paid, excl_settled = v.excl, status = v.status"  # noqa: S608 -- the model's own table
            " FROM unnest(%s::bigint[], %s::numeric[], %s::numeric[], %s::text[]) AS v(id, paid, excl, status)"
            " WHERE invoice.id = v.id",
            [
                [invoice.pk for invoice in invoices],
                [invoice.amount_paid for invoice in invoices],
                [invoice.excl_settled for invoice in invoices],
                [invoice.status for invoice in invoices],
            ],
        )


def _tell_paid(invoice: Invoice, payment: InvoicePayment, users: Sequence[User] | None = None) -> None:
    subject = (
        gettext_noop("Invoice %(number)s is paid")
        if invoice.status == InvoiceStatus.PAID
        else gettext_noop("Payment received on invoice %(number)s")
    )
    link = reverse("invoicing:invoice", args=[invoice.pk])
    for user in invoice_notify_users(invoice) if users is None else users:
        notify(
            user=user,
            key=f"invoice-payment:{payment.pk}:{user.pk}",
            subject=subject,
            template="invoice_paid",
            context={
                "number": invoice.number or "",
                "client": invoice.client_name,
                "amount": payment.amount,
                "open": invoice.amount_open,
                "settled": invoice.amount_open <= 0,
                "paid_on": payment.paid_on,
            },
            link=link,
        )
