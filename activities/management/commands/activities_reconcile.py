"""Recompute every Activity's three figures from the legs and compare them with its books; exit 1 on a difference.

An Activity's books (`activities_books`) are read from the ledger's maintained totals; here the
same figures are summed from `ledger_leg` itself, in one grouped query over all Activities, with
the account prefixes the selectors use. Equal figures prove that what members read as their
balance is what the ledger holds, leg by leg.
"""

from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from activities.models import Activity
from activities.selectors import (
    PAYABLE_PREFIXES,
    RECEIVABLE_PREFIXES,
    RESULT_PREFIXES,
    ActivityBooks,
    activities_books,
)
from smartcoop.money import ZERO


def _any_prefix(prefixes: tuple[str, ...]) -> str:
    return "(" + " OR ".join(["a.code LIKE %s"] * len(prefixes)) + ")"


# The FILTER conditions are built from constant prefixes; the prefixes themselves are parameters.
_FROM_LEGS = f"""
SELECT act.id,
    COALESCE(SUM(l.credit - l.debit) FILTER (WHERE {_any_prefix(RESULT_PREFIXES)}), 0),
    COALESCE(SUM(l.credit - l.debit) FILTER (WHERE {_any_prefix(PAYABLE_PREFIXES)}), 0),
    COALESCE(SUM(l.debit - l.credit) FILTER (WHERE {_any_prefix(RECEIVABLE_PREFIXES)}), 0)
FROM activities_activity act
LEFT JOIN ledger_leg l ON l.analytic_id = act.analytic_id
LEFT JOIN ledger_account a ON a.id = l.account_id
GROUP BY act.id
"""  # noqa: S608


def books_from_legs() -> dict[int, ActivityBooks]:
    """Every Activity's figures summed from its legs (one query, whatever the number of Activities)."""
    params = [f"{prefix}%" for prefix in (*RESULT_PREFIXES, *PAYABLE_PREFIXES, *RECEIVABLE_PREFIXES)]
    with connection.cursor() as cursor:
        cursor.execute(_FROM_LEGS, params)
        return {
            pk: ActivityBooks(available=result - incoming, committed=committed, incoming=incoming)
            for pk, result, committed, incoming in cursor.fetchall()
        }


def _eur(value: Decimal) -> str:
    return f"{value:.2f} EUR"


class Command(BaseCommand):
    help = "Check that every Activity's available, committed and incoming money equal the sums of its legs."

    def handle(self, *args: Any, **options: Any) -> None:
        outermost = not connection.in_atomic_block
        with transaction.atomic():
            if outermost:
                # Both readings from one snapshot: a posting made meanwhile is not a difference.
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            activities = list(Activity.objects.only("id", "code", "name", "analytic_id").order_by("code"))
            books = activities_books(activities=activities)
            from_legs = books_from_legs()
        differing = [a for a in activities if books[a.pk] != from_legs[a.pk]]
        figures = from_legs.values()
        self.stdout.write(
            f"{len(activities)} Activities; from their legs: "
            f"available {_eur(sum((b.available for b in figures), ZERO))}, "
            f"committed {_eur(sum((b.committed for b in figures), ZERO))}, "
            f"incoming {_eur(sum((b.incoming for b in figures), ZERO))}."
        )
        if differing:
            for activity in differing:
                kept, summed = books[activity.pk], from_legs[activity.pk]
                self.stderr.write(
                    f"{activity.code} {activity.name}: its books show available {_eur(kept.available)}, "
                    f"committed {_eur(kept.committed)}, incoming {_eur(kept.incoming)}; its legs sum to "
                    f"{_eur(summed.available)}, {_eur(summed.committed)}, {_eur(summed.incoming)}"
                )
            self.stderr.write(self.style.ERROR(f"{len(differing)} Activity(ies) differ from their legs."))
            raise SystemExit(1)
        self.stdout.write(self.style.SUCCESS("Every Activity's books equal the sums of its legs."))
