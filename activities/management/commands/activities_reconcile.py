"""Recompute every Activity's three figures from the legs and compare them with its books; exit 1 on a difference.

An Activity's books (`activities_books`) are read from the ledger's maintained totals; here the
same figures are summed by the ledger from the legs themselves (`activities_books_from_legs`), in
one grouped query over all Activities, with the one definition of the figures the selectors use.
Equal figures prove that what members read as their balance is what the ledger holds, leg by leg.
"""

from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from activities.models import Activity
from activities.selectors import activities_books, activities_books_from_legs
from smartcoop.money import ZERO


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
            from_legs = activities_books_from_legs(activities=activities)
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
