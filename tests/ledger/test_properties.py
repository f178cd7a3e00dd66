"""Whatever balanced postings and reversals happen, the maintained totals are the sums of the legs.

Each hypothesis example runs in its own `transaction.atomic()` block rolled back at its end, so
examples never see each other's rows (the `db` fixture opens one transaction for the whole test
function, not one per example). The deferred balance check therefore never fires here; that is
fine because every posting goes through `ledger_post`, which refuses an unbalanced one first, and
the check itself is proven with real commits in test_database_rules.py.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smartcoop.ledger.models import AccountBalance, AnalyticAccount, Balance, DailyMovement, Transaction
from smartcoop.ledger.selectors import account_balance, analytic_balance, trial_balance
from smartcoop.ledger.services import LegSpec, ledger_post, ledger_reverse
from smartcoop.ledger.verify import ledger_problems

pytestmark = pytest.mark.django_db

ACCOUNTS = ["400", "451", "550", "620", "700"]
ANALYTICS = 3  # None (no dimension) or one of three analytic accounts
FIRST_DAY = date(2025, 1, 1)
DAYS = 6


@dataclass(frozen=True)
class Posting:
    day: int
    legs: tuple[tuple[str, int | None, int, int], ...]  # account code, analytic index, debit cents, credit cents


@dataclass(frozen=True)
class Reversal:
    target: int  # index among the postings made so far (modulo their number)
    day: int


@st.composite
def postings(draw: st.DrawFn) -> Posting:
    size = draw(st.integers(2, 5))
    # At least 5 cents each, so the total can always be cut into up to four positive credits.
    debits = draw(st.lists(st.integers(5, 1_000_000), min_size=1, max_size=size - 1))
    credits_count = size - len(debits)
    total = sum(debits)
    # Credits split the debits' total at distinct cut points: positive, and balanced by construction.
    cuts = sorted(
        draw(st.lists(st.integers(1, total - 1), min_size=credits_count - 1, max_size=credits_count - 1, unique=True))
    )
    credits = [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]
    sides = [(amount, 0) for amount in debits] + [(0, amount) for amount in credits]
    legs = tuple(
        (draw(st.sampled_from(ACCOUNTS)), draw(st.none() | st.integers(0, ANALYTICS - 1)), d, c) for d, c in sides
    )
    return Posting(day=draw(st.integers(0, DAYS - 1)), legs=legs)


operations = st.lists(
    st.one_of(postings(), st.builds(Reversal, target=st.integers(0, 1000), day=st.integers(0, DAYS - 1))),
    min_size=1,
    max_size=12,
)


def _cents(value: int) -> Decimal:
    return Decimal(value).scaleb(-2)


def _sums(rows: list[tuple[int | None, Decimal, Decimal]]) -> tuple[Decimal, Decimal]:
    return sum((d for _, d, _ in rows), Decimal(0)), sum((c for _, _, c in rows), Decimal(0))


def _grouped(columns: str) -> dict[tuple[object, ...], tuple[Decimal, Decimal]]:
    """The legs summed by `columns`, straight from ledger_leg: the truth the totals must match."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns}, sum(debit), sum(credit) FROM ledger_leg GROUP BY {columns}"  # noqa: S608 - constants
        )
        return {tuple(row[:-2]): (row[-2], row[-1]) for row in cursor.fetchall()}


def _legs_by_day() -> list[tuple[int, int | None, date, Decimal, Decimal]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT account_id, analytic_id, booking_date, sum(debit), sum(credit) FROM ledger_leg GROUP BY 1, 2, 3"
        )
        rows: list[tuple[int, int | None, date, Decimal, Decimal]] = cursor.fetchall()
    return rows


def _check_invariants(analytics: list[AnalyticAccount]) -> None:
    assert sum((totals.net for _, totals in trial_balance()), Decimal(0)) == 0

    assert {(row.account_id,): (row.debit, row.credit) for row in AccountBalance.objects.all()} == _grouped(
        "account_id"
    )
    assert {(row.account_id, row.analytic_id): (row.debit, row.credit) for row in Balance.objects.all()} == _grouped(
        "account_id, analytic_id"
    )
    assert {
        (row.account_id, row.analytic_id, row.booking_date): (row.debit, row.credit)
        for row in DailyMovement.objects.all()
    } == _grouped("account_id, analytic_id, booking_date")

    by_day = _legs_by_day()
    codes = dict(AccountBalance.objects.values_list("account_id", "account__code"))
    # From the day before the first possible posting to the day after the last.
    for offset in range(-1, DAYS + 1):
        at = FIRST_DAY + timedelta(days=offset)
        assert sum((totals.net for _, totals in trial_balance(at=at)), Decimal(0)) == 0
        for account_id, code in codes.items():
            upto = [(n, d, c) for a, n, day, d, c in by_day if a == account_id and day <= at]
            totals = account_balance(account=code, at=at)
            assert (totals.debit, totals.credit) == _sums(upto), (code, at)
            for analytic in [None, *analytics]:
                analytic_id = analytic.pk if analytic is not None else None
                totals = analytic_balance(account=code, analytic=analytic, at=at)
                assert (totals.debit, totals.credit) == _sums([r for r in upto if r[0] == analytic_id]), (
                    code,
                    analytic_id,
                    at,
                )


@settings(
    max_examples=30,
    deadline=None,
    database=None,  # no example database written into the working tree
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=operations)
def test_any_balanced_postings_and_reversals_keep_every_total_equal_to_the_legs(
    operations: list[Posting | Reversal],
) -> None:
    with transaction.atomic():
        analytics = [AnalyticAccount.objects.create(code=f"prop:{i}", name=f"Property {i}") for i in range(ANALYTICS)]
        posted: list[Transaction] = []  # postings only: reversing a reversal is refused by design
        for number, operation in enumerate(operations):
            day = FIRST_DAY + timedelta(days=operation.day)
            if isinstance(operation, Posting):
                legs = [
                    LegSpec(
                        account=code,
                        debit=_cents(d),
                        credit=_cents(c),
                        analytic=analytics[a] if a is not None else None,
                    )
                    for code, a, d, c in operation.legs
                ]
                posted.append(ledger_post(key=f"prop:{number}", date=day, memo="property", legs=legs, actor=None))
            elif posted:
                # Reversing one twice returns the first reversal: the invariants must still hold.
                ledger_reverse(
                    transaction=posted[operation.target % len(posted)], reason="property", actor=None, date=day
                )
        _check_invariants(analytics)
        # ledger_verify's own recomputation (every maintained table, per-account days included).
        assert ledger_problems() == []
        transaction.set_rollback(True)
