"""The only code that writes the ledger: `ledger_post` and `ledger_reverse`.

A posting is validated here (balanced, positive, whole cents, known accounts) for a clear message,
and again by PostgreSQL itself (migration 0002) for safety. Each posting carries an idempotency key
naming its business cause (`invoice:42:issue`): posting the same key again with the same legs
returns the transaction already there, so a retried task never posts twice; the same key with
other legs is a bug in the caller and raises IdempotencyConflict.

The header is inserted with `ON CONFLICT (key) DO NOTHING`: two concurrent postings of one key
never both insert (the second waits on the unique index, then finds the first), and no savepoint
is needed. The legs follow in one statement that resolves account codes by a join, so a posting
is two round trips. Lock order, which keeps concurrent postings from deadlocking, is the
trigger's business: it upserts totals sorted by account.
"""

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from smartcoop.ledger.errors import IdempotencyConflict, InvalidPosting
from smartcoop.ledger.models import Account, AnalyticAccount, Transaction
from smartcoop.money import MAX_AMOUNT, ZERO, is_cents


@dataclass(frozen=True)
class LegSpec:
    """One side of a posting: an account code of the chart, an amount, and an optional dimension."""

    account: str
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    analytic: AnalyticAccount | None = None


def books_memo(write: Callable[[], str]) -> str:
    """A memo written in the books' language (settings.BOOKS_LANGUAGE), whoever posts and in whatever
    language they work: the journal an accountant exports reads as one. `write` formats the memo
    (amounts included) inside that language."""
    with translation.override(settings.BOOKS_LANGUAGE):
        return write()


def debit(account: str, amount: Decimal, analytic: AnalyticAccount | None = None) -> LegSpec:
    return LegSpec(account=account, debit=amount, analytic=analytic)


def credit(account: str, amount: Decimal, analytic: AnalyticAccount | None = None) -> LegSpec:
    return LegSpec(account=account, credit=amount, analytic=analytic)


Row = tuple[str, int | None, Decimal, Decimal]  # account code, analytic id, debit, credit


def _rows(legs: Sequence[LegSpec]) -> list[Row]:
    if len(legs) < 2:
        raise InvalidPosting(_("A posting needs at least two legs."))
    rows: list[Row] = []
    for leg in legs:
        if not isinstance(leg.debit, Decimal) or not isinstance(leg.credit, Decimal):
            raise TypeError("ledger amounts are Decimal, never float")
        if leg.debit < 0 or leg.credit < 0 or (leg.debit > 0) == (leg.credit > 0):
            raise InvalidPosting(_("Each leg has either a positive debit or a positive credit."))
        if not (is_cents(leg.debit) and is_cents(leg.credit)):
            raise InvalidPosting(_("Amounts are in whole cents; round them with to_money first."))
        if max(leg.debit, leg.credit) > MAX_AMOUNT:
            raise InvalidPosting(_("An amount cannot exceed %(max)s.") % {"max": MAX_AMOUNT})
        analytic_id = leg.analytic.pk if leg.analytic is not None else None
        rows.append((leg.account, analytic_id, leg.debit, leg.credit))
    total_debit = sum((r[2] for r in rows), ZERO)
    total_credit = sum((r[3] for r in rows), ZERO)
    if total_debit != total_credit:
        raise InvalidPosting(
            _("This posting does not balance: debits %(debit)s, credits %(credit)s.")
            % {"debit": total_debit, "credit": total_credit}
        )
    return rows


def _same_legs(existing: Transaction, rows: list[Row]) -> bool:
    stored = Counter(existing.legs.values_list("account__code", "analytic_id", "debit", "credit"))
    return stored == Counter(rows)


_known_accounts: set[str] = set()


def _refuse_unknown_accounts(codes: set[str]) -> None:
    """Refused before anything is written, so the caller's transaction is left whole.

    The chart only grows (accounts are added by migrations, never removed), so the codes seen once
    are kept for the process; a code not seen yet costs one query.
    """
    if codes <= _known_accounts:
        return
    _known_accounts.update(Account.objects.filter(code__in=codes).values_list("code", flat=True))
    unknown = codes - _known_accounts
    if unknown:
        raise InvalidPosting(
            _("There is no account %(code)s in the chart of accounts.") % {"code": ", ".join(sorted(unknown))}
        )


def _insert_legs(cursor: CursorWrapper, *, transaction_id: int, booking_date: date, rows: list[Row]) -> None:
    """One statement for all legs, account codes resolved by the join (no cache to go stale)."""
    values = ", ".join(["(%s, %s::bigint, %s::numeric, %s::numeric)"] * len(rows))
    # Only placeholders are formatted into the statement; every value is a parameter.
    cursor.execute(
        "INSERT INTO ledger_leg (transaction_id, account_id, analytic_id, booking_date, debit, credit)"  # noqa: S608
        " SELECT %s, a.id, v.analytic_id, %s, v.debit, v.credit"
        f" FROM (VALUES {values}) AS v(code, analytic_id, debit, credit)"
        " JOIN ledger_account a ON a.code = v.code",
        [transaction_id, booking_date, *(value for row in rows for value in row)],
    )
    if cursor.rowcount != len(rows):
        known = set(Account.objects.filter(code__in=[r[0] for r in rows]).values_list("code", flat=True))
        unknown = ", ".join(sorted({r[0] for r in rows} - known))
        # Raised inside the posting's atomic block: the header goes too.
        raise InvalidPosting(_("There is no account %(code)s in the chart of accounts.") % {"code": unknown})


def ledger_post(
    *,
    key: str,
    date: date,
    memo: str,
    legs: Sequence[LegSpec],
    actor: AbstractBaseUser | None,
    reverses: Transaction | None = None,
) -> Transaction:
    """Post a balanced transaction once per key; return it (or the one already posted)."""
    if not key or len(key) > 200:
        raise InvalidPosting(_("A posting needs a key of at most 200 characters naming its cause."))
    rows = _rows(legs)
    _refuse_unknown_accounts({row[0] for row in rows})
    now = timezone.now()
    # No savepoint inside the caller's transaction: a failed posting fails the caller's whole
    # transaction anyway, and thousands of savepoints in one transaction (a bank statement's
    # payments) overflow PostgreSQL's subtransaction cache, which slows every later statement.
    with transaction.atomic(savepoint=False):
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO ledger_transaction (key, booking_date, memo, actor_id, created_at, reverses_id)"
                " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (key) DO NOTHING RETURNING id",
                [key, date, memo[:500], actor.pk if actor else None, now, reverses.pk if reverses else None],
            )
            inserted = cursor.fetchone()
            if inserted is not None:
                _insert_legs(cursor, transaction_id=inserted[0], booking_date=date, rows=rows)
        existing = Transaction.objects.get(key=key) if inserted is None else None
    # Refused out of the block: it wrote nothing, and the caller may show the refusal and go on.
    if existing is not None:
        if existing.booking_date != date or not _same_legs(existing, rows):
            raise IdempotencyConflict(
                _("The operation %(key)s was already posted with other amounts or another date.") % {"key": key}
            )
        return existing
    assert inserted is not None
    return Transaction(
        id=inserted[0],
        key=key,
        booking_date=date,
        memo=memo[:500],
        # By key: the ledger knows the user model only as settings.AUTH_USER_MODEL.
        actor_id=actor.pk if actor else None,
        created_at=now,
        reverses=reverses,
    )


def ledger_reverse(
    *, transaction: Transaction, reason: str, actor: AbstractBaseUser | None, date: date | None = None
) -> Transaction:
    """Post the mirror of `transaction` (debits become credits), once; corrections are made this way."""
    if transaction.reverses_id is not None:
        raise InvalidPosting(_("A reversal cannot itself be reversed: post the right entry instead."))
    existing = Transaction.objects.filter(reverses=transaction).first()
    if existing is not None:
        return existing  # reversing twice is asking for the same reversal
    legs = [
        LegSpec(account=code, debit=leg_credit, credit=leg_debit, analytic=analytic)
        for code, leg_debit, leg_credit, analytic in (
            (leg.account.code, leg.debit, leg.credit, leg.analytic)
            for leg in transaction.legs.select_related("account", "analytic")
        )
    ]
    return ledger_post(
        key=f"reversal:{transaction.pk}",
        date=date or timezone.localdate(),
        memo=books_memo(lambda: _("Reversal of %(key)s: %(reason)s") % {"key": transaction.key, "reason": reason}),
        legs=legs,
        actor=actor,
        reverses=transaction,
    )
