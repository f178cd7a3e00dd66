"""Load the demo cooperative: every installed app's `demo.seed`, idempotently, in one transaction."""

from typing import Any

from django.core.management.base import BaseCommand

from smartcoop.demo import DEMO_PASSWORD, seed_all


class Command(BaseCommand):
    help = "Load (or complete) the demo cooperative. Safe to run again: it changes nothing already there."

    def handle(self, *args: Any, **options: Any) -> None:
        demo = seed_all()
        self.stdout.write(self.style.SUCCESS(f"Demo cooperative ready. Logins (password: {DEMO_PASSWORD}):"))
        for login in demo.logins:
            note = f"  [{login.note}]" if login.note else ""
            self.stdout.write(f"  {login.email:<40} {login.role}{note}")
