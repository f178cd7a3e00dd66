"""The one CSV writer: every export gets the same dialects, and text is never run as a formula."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest

from smartcoop.csv_export import CsvFormat, CsvWriter, csv_lines


@pytest.mark.parametrize("typed", ["=1+1", "+32 470", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_text_a_spreadsheet_would_run_is_kept_as_text(typed: str) -> None:
    line = CsvWriter(CsvFormat.CSV).row([typed])
    assert next(csv.reader(io.StringIO(line))) == [f"'{typed}"]


def test_cells_are_written_by_their_type_in_the_belgian_excel_dialect() -> None:
    lines = list(
        csv_lines(
            ["Date", "Amount", "Count", "Memo", "Other"],
            [[date(2026, 3, 14), Decimal("-1210.5"), 3, "a; b", None]],
        )
    )
    assert lines[0].startswith("\ufeffDate;Amount")
    assert lines[1] == '14/03/2026;-1210,50;3;"a; b";\r\n', "a negative amount is a number, not a formula"


def test_plain_csv_has_no_byte_order_mark_and_iso_dates() -> None:
    lines = list(csv_lines(["Date", "Amount"], [[date(2026, 3, 14), Decimal("0.005")]], csv_format=CsvFormat.CSV))
    assert lines == ["Date,Amount\r\n", "2026-03-14,0.01\r\n"]
