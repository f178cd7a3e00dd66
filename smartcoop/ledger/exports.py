"""The general journal as CSV, streamed: memory stays flat whatever the number of legs.

Rows are read in pages of CHUNK_ROWS by keyset (booking date, transaction, leg: posted legs never
change, so the order is stable) and leave as text lines at once; nothing holds the whole journal,
neither this process nor PostgreSQL (a held server-side cursor would first write the whole result
to a temporary file), and no transaction stays open during a slow download.

Two dialects: plain CSV (`,` and a decimal point) for software, and the Belgian Excel dialect
(`;`, a decimal comma, dd/mm/yyyy dates and a UTF-8 byte-order mark, which is how Excel
recognises UTF-8) for accountants who open it directly.
"""

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from django.db import connection
from django.utils.translation import gettext as _

CHUNK_ROWS = 5000


class JournalFormat(StrEnum):
    EXCEL_BE = "excel-be"
    CSV = "csv"


@dataclass(frozen=True)
class _Dialect:
    delimiter: str
    decimal_comma: bool
    date_format: str
    bom: bool


DIALECTS = {
    JournalFormat.EXCEL_BE: _Dialect(delimiter=";", decimal_comma=True, date_format="%d/%m/%Y", bom=True),
    JournalFormat.CSV: _Dialect(delimiter=",", decimal_comma=False, date_format="%Y-%m-%d", bom=False),
}

_NAME_COLUMN = {"fr": "a.name_fr", "nl": "a.name_nl", "en": "a.name_en"}


def csv_amount(value: Decimal, *, decimal_comma: bool) -> str:
    text = f"{value:.2f}"
    return text.replace(".", ",") if decimal_comma else text


def csv_text(value: str) -> str:
    """Free text that a spreadsheet must not run: a memo typed "=HYPERLINK(...)" stays text."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


class CsvLine:
    """A file-like object whose write returns the line: csv.writer then formats one row at a time."""

    def write(self, value: str) -> str:
        return value


def _journal_sql(language: str) -> str:
    name = _NAME_COLUMN.get(language[:2], "a.name_fr")
    # `name` is one of three fixed column names, never user input.
    return (
        "SELECT l.booking_date, l.transaction_id, l.id, t.key, a.code, "  # noqa: S608
        + name
        + ", an.code, l.debit, l.credit, t.memo"
        " FROM ledger_leg l"
        " JOIN ledger_transaction t ON t.id = l.transaction_id"
        " JOIN ledger_account a ON a.id = l.account_id"
        " LEFT JOIN ledger_analyticaccount an ON an.id = l.analytic_id"
        " WHERE l.booking_date BETWEEN %s AND %s"
        " AND (l.booking_date, l.transaction_id, l.id) > (%s, %s, %s)"
        " ORDER BY l.booking_date, l.transaction_id, l.id"
        " LIMIT %s"
    )


def journal_lines(
    *, date_from: date, date_to: date, journal_format: JournalFormat, language: str = "fr"
) -> Iterator[str]:
    """The journal between two dates (inclusive) as CSV lines, header first."""
    dialect = DIALECTS[journal_format]
    writer = csv.writer(CsvLine(), delimiter=dialect.delimiter, lineterminator="\r\n")

    def amount(value: Decimal) -> str:
        return csv_amount(value, decimal_comma=dialect.decimal_comma)

    header = [
        _("Date"),
        _("Transaction"),
        _("Key"),
        _("Account"),
        _("Account name"),
        _("Activity"),
        _("Debit"),
        _("Credit"),
        _("Memo"),
    ]
    first = writer.writerow(header)
    yield ("\ufeff" + first) if dialect.bom else first
    sql = _journal_sql(language)
    after: tuple[date, int, int] = (date_from, 0, 0)
    while True:
        with connection.cursor() as cursor:
            cursor.execute(sql, [date_from, date_to, *after, CHUNK_ROWS])
            rows = cursor.fetchall()
        if not rows:
            return
        for booking_date, transaction_id, _leg_id, key, code, name, analytic, debit, credit, memo in rows:
            yield writer.writerow(
                [
                    booking_date.strftime(dialect.date_format),
                    transaction_id,
                    key,
                    code,
                    name,
                    analytic or "",
                    amount(debit) if debit else "",
                    amount(credit) if credit else "",
                    csv_text(memo),
                ]
            )
        after = (rows[-1][0], rows[-1][1], rows[-1][2])
