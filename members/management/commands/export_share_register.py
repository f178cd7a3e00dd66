"""Write the legal share register, as it stood on a date, to a PDF or CSV file.

The PDF of a long register takes WeasyPrint tens of seconds (about 12 ms a line), too long for a
web request: the register's keepers produce it here, or from a scheduled task.
"""

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from members.documents import share_register_csv_lines, share_register_pdf


class Command(BaseCommand):
    help = "Export the share register (all operations up to a date, and the holdings) as PDF or CSV."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=["pdf", "csv"], default="pdf")
        parser.add_argument("--at", help="the register as it stood at the end of this day, YYYY-MM-DD (default: now)")
        parser.add_argument("--language", choices=["fr", "nl", "en"], default="fr")
        parser.add_argument("--output", required=True, help="the file to write")

    def handle(self, *args: Any, **options: Any) -> None:
        at = None
        if options["at"]:
            try:
                at = date.fromisoformat(options["at"])
            except ValueError:
                raise CommandError(f"{options['at']!r} is not a date (YYYY-MM-DD)") from None
        with translation.override(options["language"]):
            if options["format"] == "pdf":
                with open(options["output"], "wb") as output:
                    output.write(share_register_pdf(at=at))
            else:
                with open(options["output"], "w", encoding="utf-8", newline="") as text:
                    text.writelines(share_register_csv_lines(at=at))
        self.stdout.write(self.style.SUCCESS(f"Share register written to {options['output']}"))
