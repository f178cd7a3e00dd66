"""Reading an Activity's books from the ledger, and who may see which Activity.

Every leg an Activity causes carries its analytic account, except VAT (the cooperative's business
with the State). Its three figures are read from the ledger's maintained totals (`Balance`, one row
per account), never stored apart, so they always equal the sum of the legs:

- incoming: what clients still owe on issued invoices (the Activity's part of 400, excl. VAT);
- committed: what was approved but not yet paid out (its credit balances on 44x, 45x, 48x);
- available: its result (classes 7 minus 6) less what is still incoming: the money it may spend.

A movement is one ledger transaction seen from the Activity: its effect on each figure. Pages of
movements are read by keyset on (booking date, transaction), newest first, along the leg index
(analytic, booking_date, transaction), so a page costs the same at 20 or 20,000 movements.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from activities.models import Activity, ActivityHolder, ActivityThirdParty, HolderRole, ThirdParty
from members.models import User
from members.selectors import sees_every_office
from smartcoop.ledger.models import Balance, DailyMovement
from smartcoop.money import ZERO

# Account code prefixes, as the Belgian chart groups them.
RESULT_PREFIXES = ("6", "7")
RECEIVABLE_PREFIXES = ("400",)
PAYABLE_PREFIXES = ("44", "45", "48")


@dataclass(frozen=True)
class ActivityBooks:
    available: Decimal
    committed: Decimal
    incoming: Decimal


def _books_from_nets(nets: dict[str, Decimal]) -> ActivityBooks:
    result = -sum((n for code, n in nets.items() if code.startswith(RESULT_PREFIXES)), ZERO)
    incoming = sum((n for code, n in nets.items() if code.startswith(RECEIVABLE_PREFIXES)), ZERO)
    committed = -sum((n for code, n in nets.items() if code.startswith(PAYABLE_PREFIXES)), ZERO)
    return ActivityBooks(available=result - incoming, committed=committed, incoming=incoming)


def activity_books(*, activity: Activity) -> ActivityBooks:
    """The Activity's available, committed and incoming money now (one indexed query)."""
    rows = Balance.objects.filter(analytic_id=activity.analytic_id).values_list("account__code", "debit", "credit")
    return _books_from_nets({code: d - c for code, d, c in rows})


def activities_books(*, activities: list[Activity]) -> dict[int, ActivityBooks]:
    """The figures of many Activities in one query (for lists)."""
    by_analytic = {a.analytic_id: a.pk for a in activities}
    nets: dict[int, dict[str, Decimal]] = {pk: {} for pk in by_analytic.values()}
    rows = Balance.objects.filter(analytic_id__in=by_analytic).values_list(
        "analytic_id", "account__code", "debit", "credit"
    )
    for analytic_id, code, d, c in rows:
        nets[by_analytic[analytic_id]][code] = d - c
    return {pk: _books_from_nets(n) for pk, n in nets.items()}


@dataclass(frozen=True)
class Movement:
    transaction_id: int
    booking_date: date
    memo: str
    key: str
    available: Decimal
    committed: Decimal
    incoming: Decimal


# Effects per transaction, from the Activity's legs only. The CASE lists mirror the prefixes above.
_MOVEMENTS_SQL = """
WITH page AS (
    SELECT DISTINCT booking_date, transaction_id
    FROM ledger_leg
    WHERE analytic_id = %(analytic)s {keyset}
    ORDER BY booking_date DESC, transaction_id DESC
    LIMIT %(limit)s
)
SELECT t.id, t.booking_date, t.memo, t.key,
    COALESCE(SUM(l.credit - l.debit) FILTER (
        WHERE a.code LIKE '6%%' OR a.code LIKE '7%%' OR a.code LIKE '400%%'), 0),
    COALESCE(SUM(l.credit - l.debit) FILTER (
        WHERE a.code LIKE '44%%' OR a.code LIKE '45%%' OR a.code LIKE '48%%'), 0),
    COALESCE(SUM(l.debit - l.credit) FILTER (WHERE a.code LIKE '400%%'), 0)
FROM page
JOIN ledger_transaction t ON t.id = page.transaction_id
JOIN ledger_leg l ON l.transaction_id = t.id AND l.analytic_id = %(analytic)s
JOIN ledger_account a ON a.id = l.account_id
GROUP BY t.id, t.booking_date, t.memo, t.key
ORDER BY t.booking_date DESC, t.id DESC
"""


def activity_movements(
    *, activity: Activity, before: tuple[date, int] | None = None, limit: int = 50
) -> list[Movement]:
    """One page of movements, newest first; `before` is the (date, transaction id) of the last row seen."""
    params: dict[str, Any] = {"analytic": activity.analytic_id, "limit": limit}
    keyset = ""
    if before is not None:
        keyset = "AND (booking_date, transaction_id) < (%(before_date)s, %(before_id)s)"
        params.update(before_date=before[0], before_id=before[1])
    with connection.cursor() as cursor:
        cursor.execute(_MOVEMENTS_SQL.format(keyset=keyset), params)
        return [Movement(*row) for row in cursor.fetchall()]


# A transaction id is a bigint: a larger one in a hand-typed cursor would be a database error.
_MAX_TRANSACTION_ID = 2**63 - 1


def movement_cursor(raw: str | None) -> tuple[date, int] | None:
    """The keyset cursor `YYYY-MM-DD_<transaction id>` of the last movement seen; None if it is not one."""
    day, _sep, transaction_id = (raw or "").partition("_")
    try:
        cursor = date.fromisoformat(day), int(transaction_id)
    except ValueError:
        return None
    return cursor if 0 < cursor[1] <= _MAX_TRANSACTION_ID else None


def movement_cursor_text(movement: "Movement") -> str:
    return f"{movement.booking_date.isoformat()}_{movement.transaction_id}"


def activity_all_movements(*, activity: Activity, page: int = 5000) -> Iterator[Movement]:
    """Every movement, newest first, read a page at a time (for the CSV download)."""
    before: tuple[date, int] | None = None
    while True:
        rows = activity_movements(activity=activity, before=before, limit=page)
        yield from rows
        if len(rows) < page:
            return
        before = (rows[-1].booking_date, rows[-1].transaction_id)


def activity_balance_series(
    *, activity: Activity, days: int = 365, today: date | None = None
) -> list[tuple[date, Decimal]]:
    """The available balance at the end of each day of the last `days` days (for the chart)."""
    end = today or timezone.localdate()
    start = end - timedelta(days=days - 1)
    rows = _available_rows(activity)
    before = rows.filter(booking_date__lt=start).aggregate(c=Sum("credit"), d=Sum("debit"))
    opening = (before["c"] or ZERO) - (before["d"] or ZERO)
    by_day: dict[date, Decimal] = {}
    window = rows.filter(booking_date__gte=start, booking_date__lte=end)
    for day, day_credit, day_debit in window.values_list("booking_date", "credit", "debit"):
        by_day[day] = by_day.get(day, ZERO) + day_credit - day_debit
    series: list[tuple[date, Decimal]] = []
    running = opening
    for offset in range(days):
        day = start + timedelta(days=offset)
        running += by_day.get(day, ZERO)
        series.append((day, running))
    return series


def _available_rows(activity: Activity) -> QuerySet[DailyMovement]:
    """The daily rows that move the available balance (credit minus debit on 6, 7 and 400)."""
    prefixes = Q()
    for prefix in (*RESULT_PREFIXES, *RECEIVABLE_PREFIXES):
        prefixes |= Q(account__code__startswith=prefix)
    return DailyMovement.objects.filter(prefixes, analytic_id=activity.analytic_id)


# --- who sees what ----------------------------------------------------------------------------


def activities_of(user: User | AnonymousUser) -> QuerySet[Activity]:
    """The Activities a member holds (any role)."""
    if not user.is_authenticated:
        return Activity.objects.none()
    return Activity.objects.filter(holders__member__user=user).distinct()


def activities_within_reach(user: User | AnonymousUser) -> QuerySet[Activity]:
    """The Activities staff may act on: their office's, or every one for those who see every office."""
    if sees_every_office(user):
        return Activity.objects.all()
    office_id = getattr(user, "office_id", None)
    if not user.is_authenticated or not user.is_staff or office_id is None:
        return Activity.objects.none()
    return Activity.objects.filter(office_id=office_id)


def holder_role(*, activity: Activity, user: User | AnonymousUser) -> str | None:
    if not user.is_authenticated:
        return None
    return ActivityHolder.objects.filter(activity=activity, member__user=user).values_list("role", flat=True).first()


# Co-holders see the books; a worker only claims their own expenses (HolderRole's labels).
BOOK_ROLES = (HolderRole.MANAGER, HolderRole.HOLDER)


def manages(*, activity: Activity, user: User | AnonymousUser) -> bool:
    return holder_role(activity=activity, user=user) == HolderRole.MANAGER


def third_parties_of(user: User | AnonymousUser) -> QuerySet[ThirdParty]:
    """The clients and suppliers a member sees: those their Activities work with."""
    if not user.is_authenticated:
        return ThirdParty.objects.none()
    links = ActivityThirdParty.objects.filter(third_party=OuterRef("pk"), activity__holders__member__user_id=user.pk)
    return ThirdParty.objects.filter(Exists(links))
