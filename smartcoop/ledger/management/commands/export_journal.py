"""Write the general journal for a date range as CSV (Belgian Excel dialect or plain)."""

import sys
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from smartcoop.csv_export import CsvFormat
from smartcoop.ledger.exports import journal_lines


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{text!r} is not a date (YYYY-MM-DD)") from None


class Command(BaseCommand):
    help = "Export the general journal between two dates (inclusive) as CSV."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="date_from", required=True, help="first booking date, YYYY-MM-DD")
        parser.add_argument("--to", dest="date_to", required=True, help="last booking date, YYYY-MM-DD")
        parser.add_argument("--format", choices=[f.value for f in CsvFormat], default=CsvFormat.EXCEL_BE.value)
        parser.add_argument("--language", choices=["fr", "nl", "en"], default="fr", help="language of account names")
        parser.add_argument("--output", help="file to write (default: standard output)")

    def handle(self, *args: Any, **options: Any) -> None:
        date_from, date_to = _date(options["date_from"]), _date(options["date_to"])
        if date_from > date_to:
            raise CommandError("--from must not be after --to")
        with translation.override(options["language"]):
            lines = journal_lines(
                date_from=date_from,
                date_to=date_to,
                journal_format=CsvFormat(options["format"]),
                language=options["language"],
            )
            if options["output"]:
                with open(options["output"], "w", encoding="utf-8", newline="") as output:
                    output.writelines(lines)
            else:
                sys.stdout.writelines(lines)
