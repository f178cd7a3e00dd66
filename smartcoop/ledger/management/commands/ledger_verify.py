"""Recompute every balance from the legs; exit 1 naming each mismatch."""

from typing import Any

from django.core.management.base import BaseCommand

from smartcoop.ledger.verify import ledger_problems


class Command(BaseCommand):
    help = "Check that maintained balances equal the sums of the legs and that the trial balance is zero."

    def handle(self, *args: Any, **options: Any) -> None:
        problems = ledger_problems()
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            self.stderr.write(self.style.ERROR(f"{len(problems)} problem(s) found in the ledger."))
            raise SystemExit(1)
        self.stdout.write(
            self.style.SUCCESS("The ledger is sound: every balance equals its legs, the trial balance is zero.")
        )
