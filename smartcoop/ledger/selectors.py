"""The ledger's reads: the only code outside the services that knows the ledger's tables.

A balance now is one indexed row of the maintained totals; a balance at a date sums days, never
legs. `BalanceTotals.net` is debits minus credits; `.normal` is the balance on the account's
natural side (credit for liabilities, equity and income), as an accountant reads it.

The books of an analytic account are read through `AccountGroup`s: accounts named by the start of
their code (a class of the chart, "6"; an account and its sub-accounts, "400"), read on one side.
What a group means (an Activity's *available* money, say) belongs to whoever owns the analytic
account; the ledger only adds up. The same groups are read three ways, which must agree:

- `analytic_group_totals`: from the maintained `Balance` rows, one query for any number of
  analytic accounts (a page, a list);
- `analytic_movements`: per transaction, newest first, a page at a time by keyset on (booking
  date, transaction) along the leg index (analytic, booking_date, transaction), so a page costs
  the same at 20 or 20,000 movements; `movement_cursor` reads the key a client sends back;
- `analytic_group_totals_from_legs`: recomputed from the legs themselves, for reconciliation.

`analytic_group_series` gives a group's balance at the end of each day, from the daily rows.
"""

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Protocol

from django.db import connection
from django.db.models import Q, QuerySet, Sum

from smartcoop.ledger.models import (
    CREDIT_NORMAL,
    Account,
    AccountBalance,
    AccountDailyMovement,
    AnalyticAccount,
    Balance,
    DailyMovement,
    Leg,
)
from smartcoop.money import ZERO


@dataclass(frozen=True)
class BalanceTotals:
    debit: Decimal
    credit: Decimal
    credit_normal: bool = False

    @property
    def net(self) -> Decimal:
        return self.debit - self.credit

    @property
    def normal(self) -> Decimal:
        return -self.net if self.credit_normal else self.net


def _account(account: Account | str) -> Account:
    return account if isinstance(account, Account) else Account.objects.get(code=account)


def _totals(row: Mapping[str, Any] | None, account: Account) -> BalanceTotals:
    if not row:
        return BalanceTotals(ZERO, ZERO, account.credit_normal)
    return BalanceTotals(row["debit"] or ZERO, row["credit"] or ZERO, account.credit_normal)


def account_balance(*, account: Account | str, at: date | None = None) -> BalanceTotals:
    """The balance of an account over all analytic accounts, now or at the end of a day."""
    if at is None and isinstance(account, str):
        # One query for the usual call by code: the totals row with its account's type.
        found = AccountBalance.objects.filter(account__code=account).values("debit", "credit", "account__type").first()
        if found is not None:
            return BalanceTotals(found["debit"], found["credit"], found["account__type"] in CREDIT_NORMAL)
    account = _account(account)
    if at is None:
        row = AccountBalance.objects.filter(account=account).values("debit", "credit").first()
        return _totals(row, account)
    days = AccountDailyMovement.objects.filter(account=account, booking_date__lte=at)
    return _totals(days.aggregate(debit=Sum("debit"), credit=Sum("credit")), account)


def analytic_balance(
    *, account: Account | str, analytic: AnalyticAccount | None, at: date | None = None
) -> BalanceTotals:
    """The balance of one account in the books of one analytic account (None: no dimension)."""
    account = _account(account)
    if at is None:
        row = Balance.objects.filter(account=account, analytic=analytic).values("debit", "credit").first()
        return _totals(row, account)
    days = DailyMovement.objects.filter(account=account, analytic=analytic, booking_date__lte=at)
    return _totals(days.aggregate(debit=Sum("debit"), credit=Sum("credit")), account)


def trial_balance(*, at: date | None = None) -> list[tuple[Account, BalanceTotals]]:
    """Every account with its totals; the nets of a sound ledger add up to zero."""
    accounts = {a.pk: a for a in Account.objects.all()}
    rows: Iterable[tuple[int, Decimal, Decimal]]
    if at is None:
        rows = AccountBalance.objects.values_list("account_id", "debit", "credit")
    else:
        rows = (
            AccountDailyMovement.objects.filter(Q(booking_date__lte=at))
            .values("account_id")
            .annotate(d=Sum("debit"), c=Sum("credit"))
            .values_list("account_id", "d", "c")
        )
    return sorted(
        ((accounts[pk], BalanceTotals(d, c, accounts[pk].credit_normal)) for pk, d, c in rows),
        key=lambda item: item[0].code,
    )


# --- the books of analytic accounts, by groups of accounts ----------------------------------------


@dataclass(frozen=True)
class AccountGroup:
    """The accounts whose code starts with one of `prefixes`, read on the credit side if `credit_normal`."""

    prefixes: tuple[str, ...]
    credit_normal: bool = False

    def __post_init__(self) -> None:
        if not self.prefixes or not all(self.prefixes):
            raise ValueError("an account group names at least one non-empty code prefix")

    def holds(self, code: str) -> bool:
        return code.startswith(self.prefixes)

    def condition(self) -> Q:
        """The group as a filter on rows that have an account (legs, balances, daily rows)."""
        condition = Q()
        for prefix in self.prefixes:
            condition |= Q(account__code__startswith=prefix)
        return condition


AccountGroups = Mapping[str, AccountGroup]
GroupTotals = dict[str, BalanceTotals]


def _empty(groups: AccountGroups) -> GroupTotals:
    return {name: BalanceTotals(ZERO, ZERO, group.credit_normal) for name, group in groups.items()}


def analytic_group_totals(*, analytic_ids: Collection[int], groups: AccountGroups) -> dict[int, GroupTotals]:
    """Each group's totals now in the books of each analytic account, from the maintained balances.

    One query whatever the number of analytic accounts: an analytic account has a row per account
    it ever touched (a handful), summed into the groups here."""
    sums: dict[int, dict[str, list[Decimal]]] = {pk: {name: [ZERO, ZERO] for name in groups} for pk in analytic_ids}
    rows = Balance.objects.filter(analytic_id__in=list(sums)).values_list(
        "analytic_id", "account__code", "debit", "credit"
    )
    for analytic_id, code, row_debit, row_credit in rows:
        for name, group in groups.items():
            if group.holds(code):
                sums[analytic_id][name][0] += row_debit
                sums[analytic_id][name][1] += row_credit
    return {
        pk: {name: BalanceTotals(d, c, groups[name].credit_normal) for name, (d, c) in by_group.items()}
        for pk, by_group in sums.items()
    }


def _group_sums(groups: AccountGroups) -> dict[str, Any]:
    """The debit and credit aggregates of each group, in the order of `groups`: two per group."""
    sums: dict[str, Any] = {}
    for index, group in enumerate(groups.values()):
        sums[f"g{index}_d"] = Sum("debit", filter=group.condition(), default=ZERO)
        sums[f"g{index}_c"] = Sum("credit", filter=group.condition(), default=ZERO)
    return sums


def analytic_group_totals_from_legs(*, analytic_ids: Collection[int], groups: AccountGroups) -> dict[int, GroupTotals]:
    """The same totals as `analytic_group_totals`, summed from the legs themselves (one grouped query).

    Slow by design: it reads every leg of those analytic accounts. Reconciliation compares the two
    to prove that what is read in constant time is what the legs hold."""
    totals = {pk: _empty(groups) for pk in analytic_ids}
    sums = _group_sums(groups)
    rows = (
        Leg.objects.filter(analytic_id__in=list(totals))
        .order_by()
        .values("analytic_id")
        .annotate(**sums)
        .values_list("analytic_id", *sums)
    )
    for analytic_id, *by_group in rows:
        totals[analytic_id] = {
            name: BalanceTotals(by_group[2 * index], by_group[2 * index + 1], group.credit_normal)
            for index, (name, group) in enumerate(groups.items())
        }
    return totals


@dataclass(frozen=True)
class AnalyticMovement:
    """One ledger transaction seen from one analytic account: its legs there, summed by group."""

    transaction_id: int
    booking_date: date
    memo: str
    key: str
    totals: GroupTotals


MovementKey = tuple[date, int]  # (booking date, transaction id) of a movement


def _prefix_filter(group: AccountGroup, names: list[str], params: dict[str, Any]) -> str:
    """A FILTER condition on `a.code` for the group; the prefixes themselves go in as parameters."""
    tests = []
    for prefix in group.prefixes:
        name = f"p{len(names)}"
        names.append(name)
        params[name] = prefix
        tests.append(f"starts_with(a.code, %({name})s)")
    return " OR ".join(tests)


# The page is the newest distinct (date, transaction) pairs of the analytic account's legs, read
# along the leg index; only then are those transactions' headers and legs joined.
_MOVEMENTS_SQL = """
WITH page AS (
    SELECT DISTINCT booking_date, transaction_id
    FROM ledger_leg
    WHERE analytic_id = %(analytic)s {keyset}
    ORDER BY booking_date DESC, transaction_id DESC
    LIMIT %(limit)s
)
SELECT t.id, t.booking_date, t.memo, t.key{sums}
FROM page
JOIN ledger_transaction t ON t.id = page.transaction_id
JOIN ledger_leg l ON l.transaction_id = t.id AND l.analytic_id = %(analytic)s
JOIN ledger_account a ON a.id = l.account_id
GROUP BY t.id, t.booking_date, t.memo, t.key
ORDER BY t.booking_date DESC, t.id DESC
"""


def analytic_movements(
    *, analytic_id: int, groups: AccountGroups, before: MovementKey | None = None, limit: int = 50
) -> list[AnalyticMovement]:
    """One page of an analytic account's movements, newest first; `before` is the key of the last one seen."""
    params: dict[str, Any] = {"analytic": analytic_id, "limit": limit}
    names: list[str] = []
    sums = ""
    for group in groups.values():
        condition = _prefix_filter(group, names, params)
        sums += f",\n    COALESCE(SUM(l.debit) FILTER (WHERE {condition}), 0)"
        sums += f",\n    COALESCE(SUM(l.credit) FILTER (WHERE {condition}), 0)"
    keyset = ""
    if before is not None:
        keyset = "AND (booking_date, transaction_id) < (%(before_date)s, %(before_id)s)"
        params.update(before_date=before[0], before_id=before[1])
    with connection.cursor() as cursor:
        # Only constant text and parameter placeholders are formatted into the statement.
        cursor.execute(_MOVEMENTS_SQL.format(keyset=keyset, sums=sums), params)
        rows = cursor.fetchall()
    return [
        AnalyticMovement(
            transaction_id=row[0],
            booking_date=row[1],
            memo=row[2],
            key=row[3],
            totals={
                name: BalanceTotals(row[4 + 2 * index], row[5 + 2 * index], group.credit_normal)
                for index, (name, group) in enumerate(groups.items())
            },
        )
        for row in rows
    ]


# A transaction id is a bigint: a larger one in a hand-typed cursor would be a database error.
_MAX_TRANSACTION_ID = 2**63 - 1


class _Keyed(Protocol):
    @property
    def booking_date(self) -> date: ...

    @property
    def transaction_id(self) -> int: ...


def movement_cursor(raw: str | None) -> MovementKey | None:
    """The keyset cursor `YYYY-MM-DD_<transaction id>` of the last movement seen; None if it is not one."""
    day, _sep, transaction_id = (raw or "").partition("_")
    try:
        cursor = date.fromisoformat(day), int(transaction_id)
    except ValueError:
        return None
    return cursor if 0 < cursor[1] <= _MAX_TRANSACTION_ID else None


def movement_cursor_text(movement: _Keyed) -> str:
    return f"{movement.booking_date.isoformat()}_{movement.transaction_id}"


def analytic_group_series(
    *, analytic_id: int, group: AccountGroup, start: date, end: date
) -> list[tuple[date, Decimal]]:
    """The group's balance (on its normal side) at the end of each day from `start` to `end`."""
    rows: QuerySet[DailyMovement] = DailyMovement.objects.filter(group.condition(), analytic_id=analytic_id)
    before = rows.filter(booking_date__lt=start).aggregate(d=Sum("debit"), c=Sum("credit"))
    running = BalanceTotals(before["d"] or ZERO, before["c"] or ZERO, group.credit_normal).normal
    by_day: dict[date, Decimal] = {}
    window = rows.filter(booking_date__gte=start, booking_date__lte=end)
    # A year of daily rows: the side is applied per row here, not through a BalanceTotals each.
    side = -1 if group.credit_normal else 1
    for day, day_debit, day_credit in window.values_list("booking_date", "debit", "credit"):
        by_day[day] = by_day.get(day, ZERO) + side * (day_debit - day_credit)
    series: list[tuple[date, Decimal]] = []
    for offset in range((end - start).days + 1):
        day = start + timedelta(days=offset)
        running += by_day.get(day, ZERO)
        series.append((day, running))
    return series
