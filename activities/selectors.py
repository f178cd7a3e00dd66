"""Reading an Activity's books from the ledger, and who may see which Activity.

Every leg an Activity causes carries its analytic account, except VAT (the cooperative's business
with the State). Its three figures are read from the ledger (never stored apart, so they always
equal the sum of the legs), and their meaning is written once, in `BOOKS`:

- incoming: what clients still owe on issued invoices (the Activity's part of 400, excl. VAT);
- committed: what was approved but not yet paid out (its credit balances on 44x, 45x, 48x);
- available: its result (classes 7 minus 6) less what is still incoming: the money it may spend.

The ledger reads those groups of accounts three ways (`smartcoop.ledger.selectors`): from its
maintained totals for the figures (`activity_books`, `activities_books`), per transaction for the
movements (one ledger transaction seen from the Activity: its effect on each figure, a page at a
time by keyset), and from the legs themselves for the reconciliation (`activities_books_from_legs`).
A movement is told to the member in their language from its cause (`activities.movements`); its
memo stays the ledger's, in the books' language.

Who sees which Activity is the access policy's answer (`activities.access`); the selectors at the
end are its lists: what a member holds, and what the policy lets a user see.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.utils import timezone

from activities.access import BOOK_ROLES as BOOK_ROLES  # noqa: PLC0414 -- the pages read it with the books
from activities.access import holding
from activities.models import Activity, ActivityHolder, ActivityThirdParty, ExpenseClaim, ThirdParty
from activities.movements import movements_describe
from members.models import User
from smartcoop.access import standing, visible
from smartcoop.ledger.selectors import (
    AccountGroup,
    AnalyticMovement,
    GroupTotals,
    MovementKey,
    analytic_group_series,
    analytic_group_totals,
    analytic_group_totals_from_legs,
    analytic_movements,
)

# The Activity page and the API hand out the ledger's keyset cursor; they find it here with the movements.
from smartcoop.ledger.selectors import movement_cursor as movement_cursor  # noqa: PLC0414
from smartcoop.ledger.selectors import movement_cursor_text as movement_cursor_text  # noqa: PLC0414

# Account code prefixes, as the Belgian chart groups them.
RESULT_PREFIXES = ("6", "7")
RECEIVABLE_PREFIXES = ("400",)
PAYABLE_PREFIXES = ("44", "45", "48")

# What the three figures mean, the one place it is written: the money an Activity may spend is its
# result and its receivables read on the credit side (income less expenses less what clients still
# owe); what it committed is its credit on the debts to pay; what is incoming, its receivables.
BOOKS = {
    "available": AccountGroup(prefixes=(*RESULT_PREFIXES, *RECEIVABLE_PREFIXES), credit_normal=True),
    "committed": AccountGroup(prefixes=PAYABLE_PREFIXES, credit_normal=True),
    "incoming": AccountGroup(prefixes=RECEIVABLE_PREFIXES),
}


@dataclass(frozen=True)
class ActivityBooks:
    available: Decimal
    committed: Decimal
    incoming: Decimal

    @classmethod
    def of(cls, totals: GroupTotals) -> "ActivityBooks":
        return cls(**{name: totals[name].normal for name in BOOKS})


def activity_books(*, activity: Activity) -> ActivityBooks:
    """The Activity's available, committed and incoming money now (one indexed query)."""
    totals = analytic_group_totals(analytic_ids=[activity.analytic_id], groups=BOOKS)
    return ActivityBooks.of(totals[activity.analytic_id])


def activities_books(*, activities: list[Activity]) -> dict[int, ActivityBooks]:
    """The figures of many Activities in one query (for lists)."""
    totals = analytic_group_totals(analytic_ids=[a.analytic_id for a in activities], groups=BOOKS)
    return {a.pk: ActivityBooks.of(totals[a.analytic_id]) for a in activities}


def activities_books_from_legs(*, activities: list[Activity]) -> dict[int, ActivityBooks]:
    """The same figures summed from the legs themselves, to reconcile the two (one query)."""
    totals = analytic_group_totals_from_legs(analytic_ids=[a.analytic_id for a in activities], groups=BOOKS)
    return {a.pk: ActivityBooks.of(totals[a.analytic_id]) for a in activities}


@dataclass(frozen=True)
class Movement:
    """One ledger transaction seen from an Activity: its effect on the three figures.

    `memo` is the ledger's, in the books' language; `description` tells the member what it was, in
    their language, from its cause (`activities.movements`).
    """

    transaction_id: int
    booking_date: date
    memo: str
    key: str
    available: Decimal
    committed: Decimal
    incoming: Decimal
    description: str


def activity_movements(
    *, activity: Activity, before: MovementKey | None = None, limit: int = 50, language: str | None = None
) -> list[Movement]:
    """One page of movements, newest first; `before` is the (date, transaction id) of the last row seen.

    Described in `language`, the active one by default (one query per kind of cause on the page).
    """
    rows = analytic_movements(analytic_id=activity.analytic_id, groups=BOOKS, before=before, limit=limit)
    descriptions = movements_describe(rows, language=language)
    return [_movement(row, description) for row, description in zip(rows, descriptions, strict=True)]


def _movement(row: AnalyticMovement, description: str) -> Movement:
    effect = ActivityBooks.of(row.totals)
    return Movement(
        row.transaction_id,
        row.booking_date,
        row.memo,
        row.key,
        effect.available,
        effect.committed,
        effect.incoming,
        description,
    )


def activity_all_movements(*, activity: Activity, page: int = 5000, language: str | None = None) -> Iterator[Movement]:
    """Every movement, newest first, read a page at a time (for the CSV download), described in `language`."""
    before: MovementKey | None = None
    while True:
        rows = activity_movements(activity=activity, before=before, limit=page, language=language)
        yield from rows
        if len(rows) < page:
            return
        before = (rows[-1].booking_date, rows[-1].transaction_id)


def activity_balance_series(
    *, activity: Activity, days: int = 365, today: date | None = None
) -> list[tuple[date, Decimal]]:
    """The available balance at the end of each day of the last `days` days (for the chart)."""
    end = today or timezone.localdate()
    return analytic_group_series(
        analytic_id=activity.analytic_id, group=BOOKS["available"], start=end - timedelta(days=days - 1), end=end
    )


# --- who sees what ----------------------------------------------------------------------------


def activities_of(user: User | AnonymousUser) -> QuerySet[Activity]:
    """The Activities a member holds (any role): the Espace membre's, whatever else staff may see."""
    held = holding(standing(user), "pk")
    return Activity.objects.filter(held) if held is not None else Activity.objects.none()


def visible_activities(user: User | AnonymousUser, action: str = "view") -> QuerySet[Activity]:
    """The Activities the policy lets the user see (or act on), each with the user's own role.

    The role is read in the same query; it decides, row by row, who reads the books, and the
    policy trusts it for this user only (`my_role_for`), sparing one query per row.
    """
    held = ActivityHolder.objects.filter(activity=OuterRef("pk"), member__user_id=user.pk or 0).values("role")[:1]
    return visible(user, Activity, action).annotate(
        my_role=Subquery(held), my_role_for=Value(user.pk, output_field=IntegerField())
    )


def visible_claims(user: User | AnonymousUser) -> QuerySet[ExpenseClaim]:
    """A worker's own claims, every claim of an Activity whose books the user reads, and staff's within reach."""
    return visible(user, ExpenseClaim)


def third_parties_of(user: User | AnonymousUser) -> QuerySet[ThirdParty]:
    """The clients and suppliers a member sees: those their Activities work with."""
    if not user.is_authenticated:
        return ThirdParty.objects.none()
    links = ActivityThirdParty.objects.filter(third_party=OuterRef("pk"), activity__holders__member__user_id=user.pk)
    return ThirdParty.objects.filter(Exists(links))
