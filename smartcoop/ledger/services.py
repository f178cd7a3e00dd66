"""The only code that writes the ledger: `ledger_post` and `ledger_reverse`.

A posting is validated here (balanced, positive, whole cents, known accounts) for a clear message,
and again by PostgreSQL itself (migration 0002) for safety. Each posting carries an idempotency key
naming its business cause (`invoice:42:issue`): posting the same key again with the same legs
returns the transaction already there, so a retried task never posts twice; the same key with
other legs is a bug in the caller and raises IdempotencyConflict.

The header is inserted with `ON CONFLICT (key) DO NOTHING`: two concurrent postings of one key
never both insert (the second waits on the unique index, then finds the first), and no savepoint
is needed, which keeps a posting at two round trips.
"""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from members.models import User
from smartcoop.ledger.errors import IdempotencyConflict, InvalidPosting
from smartcoop.ledger.models import Account, AnalyticAccount, Leg, Transaction
from smartcoop.money import ZERO, is_cents


@dataclass(frozen=True)
class LegSpec:
    """One side of a posting: an account code of the chart, an amount, and an optional dimension."""

    account: str
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    analytic: AnalyticAccount | None = None


def debit(account: str, amount: Decimal, analytic: AnalyticAccount | None = None) -> LegSpec:
    return LegSpec(account=account, debit=amount, analytic=analytic)


def credit(account: str, amount: Decimal, analytic: AnalyticAccount | None = None) -> LegSpec:
    return LegSpec(account=account, credit=amount, analytic=analytic)


_account_ids: dict[str, int] = {}


def _account_id(code: str) -> int:
    """Account ids by code, read once per process (accounts are added by migrations only)."""
    if code not in _account_ids:
        _account_ids.update(Account.objects.values_list("code", "id"))
        if code not in _account_ids:
            raise InvalidPosting(_("There is no account %(code)s in the chart of accounts.") % {"code": code})
    return _account_ids[code]


Row = tuple[int, int | None, Decimal, Decimal]


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
        analytic_id = leg.analytic.pk if leg.analytic is not None else None
        rows.append((_account_id(leg.account), analytic_id, leg.debit, leg.credit))
    total_debit = sum((r[2] for r in rows), ZERO)
    total_credit = sum((r[3] for r in rows), ZERO)
    if total_debit != total_credit:
        raise InvalidPosting(
            _("This posting does not balance: debits %(debit)s, credits %(credit)s.")
            % {"debit": total_debit, "credit": total_credit}
        )
    # Inserted in (account, analytic) order: the balance rows are then locked in the same order
    # by every posting, so concurrent postings queue instead of deadlocking.
    return sorted(rows, key=lambda r: (r[0], r[1] or 0, r[2], r[3]))


def _same_legs(existing: Transaction, rows: list[Row]) -> bool:
    stored = Counter(existing.legs.values_list("account_id", "analytic_id", "debit", "credit"))
    return stored == Counter(rows)


def ledger_post(
    *,
    key: str,
    date: date,
    memo: str,
    legs: Sequence[LegSpec],
    actor: User | None,
    reverses: Transaction | None = None,
) -> Transaction:
    """Post a balanced transaction once per key; return it (or the one already posted)."""
    if not key or len(key) > 200:
        raise InvalidPosting(_("A posting needs a key of at most 200 characters naming its cause."))
    rows = _rows(legs)
    now = timezone.now()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO ledger_transaction (key, booking_date, memo, actor_id, created_at, reverses_id)"
                " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (key) DO NOTHING RETURNING id",
                [key, date, memo[:500], actor.pk if actor else None, now, reverses.pk if reverses else None],
            )
            inserted = cursor.fetchone()
        if inserted is None:
            existing = Transaction.objects.get(key=key)
            if existing.booking_date != date or not _same_legs(existing, rows):
                raise IdempotencyConflict(
                    _("The operation %(key)s was already posted with other amounts or another date.") % {"key": key}
                )
            return existing
        posted = Transaction(
            id=inserted[0], key=key, booking_date=date, memo=memo[:500], actor=actor, created_at=now, reverses=reverses
        )
        Leg.objects.bulk_create(
            Leg(
                transaction_id=posted.pk,
                account_id=account_id,
                analytic_id=analytic_id,
                booking_date=date,
                debit=amount_debit,
                credit=amount_credit,
            )
            for account_id, analytic_id, amount_debit, amount_credit in rows
        )
    return posted


def ledger_reverse(
    *, transaction: Transaction, reason: str, actor: User | None, date: date | None = None
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
        memo=_("Reversal of %(key)s: %(reason)s") % {"key": transaction.key, "reason": reason},
        legs=legs,
        actor=actor,
        reverses=transaction,
    )
