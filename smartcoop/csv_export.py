"""One CSV writer for every export: the general journal, an Activity's movements, the share register.

Two dialects. Plain CSV (`,`, a decimal point, ISO dates) is for software; the Belgian Excel
dialect (`;`, a decimal comma, dd/mm/yyyy dates and a UTF-8 byte-order mark, which is how Excel
recognises UTF-8) is for accountants who open the file directly.

A cell is written according to its type, so an export cannot forget a rule: text a spreadsheet would
run as a formula (a name typed `=HYPERLINK(...)`, starting with = + - @, a tab or a carriage
return) gets a leading apostrophe and stays text; a Decimal is an amount in cents with the
dialect's decimal separator, rounded by `smartcoop.money`; a date takes the dialect's format; None
is an empty cell. Lines leave one at a time, for a StreamingHttpResponse or a file, so memory stays
flat however long the export.
"""

import csv
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from django.http import StreamingHttpResponse

from smartcoop.money import to_money

Cell = str | int | Decimal | date | None

# What Excel, LibreOffice and Google Sheets read as the start of a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class CsvFormat(StrEnum):
    EXCEL_BE = "excel-be"
    CSV = "csv"


@dataclass(frozen=True)
class CsvDialect:
    delimiter: str
    decimal_comma: bool
    date_format: str
    bom: bool


DIALECTS = {
    CsvFormat.EXCEL_BE: CsvDialect(delimiter=";", decimal_comma=True, date_format="%d/%m/%Y", bom=True),
    CsvFormat.CSV: CsvDialect(delimiter=",", decimal_comma=False, date_format="%Y-%m-%d", bom=False),
}


def csv_text(value: str) -> str:
    """Free text that a spreadsheet must not run: a memo typed "=HYPERLINK(...)" stays text."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def csv_amount(value: Decimal, *, decimal_comma: bool) -> str:
    text = f"{to_money(value):.2f}"
    return text.replace(".", ",") if decimal_comma else text


class _Line:
    """A file-like object whose write returns the line: csv.writer then formats one row at a time."""

    def write(self, value: str) -> str:
        return value


class CsvWriter:
    """Formats rows of typed cells as lines of one dialect; the header line carries the BOM if any."""

    def __init__(self, csv_format: CsvFormat = CsvFormat.EXCEL_BE) -> None:
        self.dialect = DIALECTS[csv_format]
        self._writer = csv.writer(_Line(), delimiter=self.dialect.delimiter, lineterminator="\r\n")

    def cell(self, value: Cell) -> str | int:
        if value is None:
            return ""
        if isinstance(value, str):
            return csv_text(value)
        if isinstance(value, Decimal):
            return csv_amount(value, decimal_comma=self.dialect.decimal_comma)
        if isinstance(value, date):
            return value.strftime(self.dialect.date_format)
        return value

    def row(self, cells: Sequence[Cell]) -> str:
        line: str = self._writer.writerow([self.cell(value) for value in cells])
        return line

    def header(self, labels: Sequence[str]) -> str:
        line = self.row(labels)
        return "\ufeff" + line if self.dialect.bom else line


def csv_lines(
    header: Sequence[str], rows: Iterable[Sequence[Cell]], *, csv_format: CsvFormat = CsvFormat.EXCEL_BE
) -> Iterator[str]:
    """The header, then one line per row, each produced only when the reader asks for it.

    Give the header already translated: a streamed body is written after the view has returned,
    outside the request's language.
    """
    writer = CsvWriter(csv_format)
    yield writer.header(header)
    for row in rows:
        yield writer.row(row)


def csv_response(lines: Iterable[str], *, filename: str) -> StreamingHttpResponse:
    """A streamed CSV download; `filename` is built by the caller from codes and dates, never typed text."""
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
