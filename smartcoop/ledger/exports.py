"""The general journal as CSV, streamed: memory stays flat whatever the number of legs.

Rows are read in pages of CHUNK_ROWS by keyset (booking date, transaction, leg: posted legs never
change, so the order is stable) and leave as text lines at once; nothing holds the whole journal,
neither this process nor PostgreSQL (a held server-side cursor would first write the whole result
to a temporary file), and no transaction stays open during a slow download.

The lines are written by the platform's one CSV writer (`smartcoop.csv_export`): plain CSV for
software, or the Belgian Excel dialect for accountants who open it directly; a memo typed as a
formula stays text.
"""

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

from django.db import connection
from django.utils.translation import gettext as _

from smartcoop.csv_export import Cell, CsvFormat, csv_lines

CHUNK_ROWS = 5000

_NAME_COLUMN = {"fr": "a.name_fr", "nl": "a.name_nl", "en": "a.name_en"}


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


def journal_lines(*, date_from: date, date_to: date, journal_format: CsvFormat, language: str = "fr") -> Iterator[str]:
    """The journal between two dates (inclusive) as CSV lines, header first."""
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
    rows = _journal_rows(date_from=date_from, date_to=date_to, language=language)
    return csv_lines(header, rows, csv_format=journal_format)


def _journal_rows(*, date_from: date, date_to: date, language: str) -> Iterator[list[Cell]]:
    sql = _journal_sql(language)
    after: tuple[date, int, int] = (date_from, 0, 0)
    while True:
        with connection.cursor() as cursor:
            cursor.execute(sql, [date_from, date_to, *after, CHUNK_ROWS])
            rows = cursor.fetchall()
        if not rows:
            return
        for booking_date, transaction_id, _leg_id, key, code, name, analytic, debit, credit, memo in rows:
            debit_cell: Decimal | None = debit or None
            credit_cell: Decimal | None = credit or None
            yield [booking_date, transaction_id, key, code, name, analytic, debit_cell, credit_cell, memo]
        after = (rows[-1][0], rows[-1][1], rows[-1][2])
