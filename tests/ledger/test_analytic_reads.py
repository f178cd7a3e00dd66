"""The books of an analytic account, read by groups of accounts: what every domain app builds its figures on.

A worked example: a workshop's analytic account receives a grant, books a sale, is paid for it and
approves an expense it has not paid yet. Its groups are read from the maintained balances, from
its movements and from the legs themselves, and the three must agree.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from smartcoop.ledger.models import AnalyticAccount
from smartcoop.ledger.selectors import (
    AccountGroup,
    BalanceTotals,
    analytic_group_series,
    analytic_group_totals,
    analytic_group_totals_from_legs,
    analytic_movements,
    movement_cursor,
    movement_cursor_text,
)
from smartcoop.ledger.services import credit, debit, ledger_post

pytestmark = pytest.mark.django_db

D = Decimal
ZERO = D("0.00")

# Generic groups, as an owner of analytic accounts would define them.
GROUPS = {
    "result": AccountGroup(prefixes=("6", "7"), credit_normal=True),
    "clients": AccountGroup(prefixes=("400",)),
    "to pay": AccountGroup(prefixes=("44", "45", "48"), credit_normal=True),
}


@pytest.fixture
def workshop() -> AnalyticAccount:
    books = AnalyticAccount.objects.create(code="ACT-0007", name="Atelier bois")
    postings = [
        ("grant", date(2025, 3, 1), [debit("550", D("500.00"), books), credit("740", D("500.00"), books)]),
        (
            "sale",
            date(2025, 3, 3),
            [debit("400", D("121.00"), books), credit("700", D("100.00"), books), credit("451", D("21.00"))],
        ),
        ("paid", date(2025, 3, 3), [debit("550", D("121.00")), credit("400", D("121.00"), books)]),
        ("expense", date(2025, 3, 5), [debit("6121", D("40.00"), books), credit("489", D("40.00"), books)]),
    ]
    for key, day, legs in postings:
        ledger_post(key=f"workshop:{key}", date=day, memo=key, legs=legs, actor=None)
    return books


def test_an_analytic_accounts_groups_are_the_same_from_its_balances_its_legs_and_its_movements(
    workshop: AnalyticAccount,
) -> None:
    totals = analytic_group_totals(analytic_ids=[workshop.pk], groups=GROUPS)[workshop.pk]

    # Result: 500.00 granted + 100.00 sold - 40.00 spent; the client paid; 40.00 is still to pay.
    assert {name: t.normal for name, t in totals.items()} == {
        "result": D("560.00"),
        "clients": ZERO,
        "to pay": D("40.00"),
    }
    assert analytic_group_totals_from_legs(analytic_ids=[workshop.pk], groups=GROUPS)[workshop.pk] == totals
    movements = analytic_movements(analytic_id=workshop.pk, groups=GROUPS)
    for name, group in GROUPS.items():
        summed = sum((m.totals[name].normal for m in movements), ZERO)
        assert summed == totals[name].normal, name
        assert all(m.totals[name].credit_normal == group.credit_normal for m in movements)


def test_an_analytic_account_without_legs_reads_zero_in_every_group(workshop: AnalyticAccount) -> None:
    empty = AnalyticAccount.objects.create(code="ACT-0008", name="Studio")
    zero = {
        "result": BalanceTotals(ZERO, ZERO, credit_normal=True),
        "clients": BalanceTotals(ZERO, ZERO),
        "to pay": BalanceTotals(ZERO, ZERO, credit_normal=True),
    }

    assert analytic_group_totals(analytic_ids=[empty.pk], groups=GROUPS) == {empty.pk: zero}
    assert analytic_group_totals_from_legs(analytic_ids=[empty.pk], groups=GROUPS) == {empty.pk: zero}
    assert analytic_movements(analytic_id=empty.pk, groups=GROUPS) == []


def test_the_groups_of_many_analytic_accounts_cost_one_query(workshop: AnalyticAccount) -> None:
    others = [AnalyticAccount.objects.create(code=f"ACT-01{n:02}", name=f"Activity {n}") for n in range(20)]
    for other in others:
        ledger_post(
            key=f"grant:{other.pk}",
            date=date(2025, 3, 1),
            memo="grant",
            legs=[debit("550", D("10.00"), other), credit("740", D("10.00"), other)],
            actor=None,
        )
    ids = [workshop.pk, *(o.pk for o in others)]

    with CaptureQueriesContext(connection) as from_balances:
        totals = analytic_group_totals(analytic_ids=ids, groups=GROUPS)
    with CaptureQueriesContext(connection) as from_legs:
        recomputed = analytic_group_totals_from_legs(analytic_ids=ids, groups=GROUPS)

    assert (len(from_balances), len(from_legs)) == (1, 1)
    assert totals == recomputed
    assert [totals[o.pk]["result"].normal for o in others] == [D("10.00")] * 20


def test_movements_come_newest_first_a_page_at_a_time_each_with_its_effect(workshop: AnalyticAccount) -> None:
    first = analytic_movements(analytic_id=workshop.pk, groups=GROUPS, limit=2)
    rest = analytic_movements(
        analytic_id=workshop.pk, groups=GROUPS, before=movement_cursor(movement_cursor_text(first[-1])), limit=2
    )

    assert [m.key for m in first + rest] == ["workshop:expense", "workshop:paid", "workshop:sale", "workshop:grant"]
    # The payment moves the client's debt only: the bank leg carries no analytic account.
    paid = first[1]
    assert paid.totals["clients"] == BalanceTotals(ZERO, D("121.00"))
    assert paid.totals["result"].normal == ZERO
    # VAT is booked without the analytic account: the sale's effect on the client is its full 121.00.
    sale = rest[0]
    assert (sale.totals["clients"].normal, sale.totals["result"].normal) == (D("121.00"), D("100.00"))


@pytest.mark.parametrize(
    "raw",
    [
        "",
        None,
        "2025-03-05",
        "2025-03-05_",
        "_12",
        "2025-13-01_12",
        "2025-03-05_x",
        "2025-03-05_0",
        f"2025-03-05_{2**63}",
    ],
)
def test_a_movement_cursor_that_is_not_one_is_not_read(raw: str | None) -> None:
    assert movement_cursor(raw) is None


def test_a_groups_balance_at_the_end_of_each_day(workshop: AnalyticAccount) -> None:
    series = analytic_group_series(
        analytic_id=workshop.pk, group=GROUPS["result"], start=date(2025, 3, 2), end=date(2025, 3, 5)
    )

    assert series == [
        (date(2025, 3, 2), D("500.00")),  # the grant, before the window, opens it
        (date(2025, 3, 3), D("600.00")),
        (date(2025, 3, 4), D("600.00")),
        (date(2025, 3, 5), D("560.00")),
    ]
