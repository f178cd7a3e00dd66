"""Reading balances: one indexed row for a balance now, a sum of days for a balance at a date.

`BalanceTotals.net` is debits minus credits; `.normal` is the balance on the account's natural
side (credit for liabilities, equity and income), as an accountant reads it.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Q, Sum

from smartcoop.ledger.models import (
    CREDIT_NORMAL,
    Account,
    AccountBalance,
    AccountDailyMovement,
    AnalyticAccount,
    Balance,
    DailyMovement,
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


def analytic_net_by_account(*, analytic: AnalyticAccount) -> dict[str, Decimal]:
    """Every account's net (debit minus credit) in one analytic account's books."""
    rows = Balance.objects.filter(analytic=analytic).values_list("account__code", "debit", "credit")
    return {code: d - c for code, d, c in rows}


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
