"""The general journal export (`journal_lines`) over a large ledger: time, and whether memory stays flat.

The ledger is the one of test_balance_read_latency: BENCH_LEGS debit legs on 550 and as many
credit legs on 700 (default 2 x 1,000,000 legs), over 365 days and 1,000 analytic accounts, loaded
in bulk through the ledger's triggers. The whole year is exported in each format, lines written to
os.devnull (generation and UTF-8 encoding, no disk); the process's resident memory is sampled as
lines go. A third run does the same inside transaction.atomic(), to show that the keyset pages need no
open transaction (a held server-side cursor made the server spool the whole result first). A last
run under tracemalloc reports the Python heap's peak
(tracemalloc slows Python down, so that run is not timed). PostgreSQL's temporary files show what
the server spooled.
"""

import contextlib
import os
import resource
import time
import tracemalloc
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import psycopg
from django.db import connection, transaction

from smartcoop.csv_export import CsvFormat
from smartcoop.ledger import exports
from smartcoop.ledger.exports import journal_lines
from tests.perf.bench import BENCH, LOAD_DAYS, LOAD_START, bench_size, load_ledger, print_table, server_description
from tests.perf.bench import vacuum_ledger as vacuum

pytestmark = BENCH

TARGET_SECONDS = 60.0
SAMPLES = 10  # resident-memory samples per export
PAGE = os.sysconf("SC_PAGE_SIZE")
MIB = 1024 * 1024


def resident_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE


def max_resident_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kilobytes on Linux


def temp_files(raw: psycopg.Connection[Any]) -> tuple[int, int]:
    """PostgreSQL's count and bytes of temporary files for this database so far."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")  # Django's backend reports its own at once
    time.sleep(0.5)
    with raw.cursor() as cursor:
        cursor.execute("SELECT temp_files, temp_bytes FROM pg_stat_database WHERE datname = current_database()")
        row = cursor.fetchone()
    raw.rollback()
    assert row is not None
    return int(row[0]), int(row[1])


@dataclass
class Export:
    journal_format: CsvFormat
    in_atomic: bool
    lines: int = 0
    characters: int = 0
    first_line_seconds: float = 0.0  # until the first leg's line (the header comes before the query)
    seconds: float = 0.0
    resident: list[int] = field(default_factory=list)
    max_resident_before: int = 0
    max_resident_after: int = 0
    temp_files: int = 0
    temp_bytes: int = 0


def export(
    raw: psycopg.Connection[Any], journal_format: CsvFormat, date_to: date, expected: int, *, in_atomic: bool
) -> Export:
    """One export, as the view and the command call it (autocommit), or inside transaction.atomic()."""
    result = Export(journal_format, in_atomic, max_resident_before=max_resident_bytes())
    every = max(1, expected // SAMPLES)
    files_before, bytes_before = temp_files(raw)
    block = transaction.atomic() if in_atomic else contextlib.nullcontext()
    with block, open(os.devnull, "w", encoding="utf-8", newline="") as sink:
        started = time.perf_counter()
        for line in journal_lines(date_from=LOAD_START, date_to=date_to, journal_format=journal_format):
            sink.write(line)
            result.lines += 1
            result.characters += len(line)
            if result.lines == 2:
                result.first_line_seconds = time.perf_counter() - started
            if result.lines % every == 0:
                result.resident.append(resident_bytes())
        result.seconds = time.perf_counter() - started
    result.max_resident_after = max_resident_bytes()
    files_after, bytes_after = temp_files(raw)
    result.temp_files, result.temp_bytes = files_after - files_before, bytes_after - bytes_before
    return result


def traced_peak(journal_format: CsvFormat, date_to: date) -> tuple[int, list[int]]:
    """The Python heap's peak over a whole export, and its size every tenth of the way."""
    sizes: list[int] = []
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        for lines, _line in enumerate(
            journal_lines(date_from=LOAD_START, date_to=date_to, journal_format=journal_format), start=1
        ):
            if lines % 200_000 == 0:
                sizes.append(tracemalloc.get_traced_memory()[0])
        return tracemalloc.get_traced_memory()[1], sizes
    finally:
        tracemalloc.stop()


def plan(date_to: date) -> list[str]:
    with connection.cursor() as cursor:
        # The first page of the keyset reading: every later page has the same plan.
        cursor.execute(
            "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + exports._journal_sql("fr"),
            [LOAD_START, date_to, LOAD_START, 0, 0, exports.CHUNK_ROWS],
        )
        return [row[0] for row in cursor.fetchall()]


def mib(value: int) -> str:
    return f"{value / MIB:,.1f}"


def test_journal_export(raw_connection: psycopg.Connection[Any]) -> None:
    legs_on_account = bench_size("BENCH_LEGS", 1_000_000)
    ledger = load_ledger(legs_on_account=legs_on_account)
    vacuum()
    date_to = LOAD_START + timedelta(days=LOAD_DAYS - 1)
    expected = ledger.legs + 1  # and the header

    runs = [
        export(raw_connection, CsvFormat.EXCEL_BE, date_to, expected, in_atomic=False),
        export(raw_connection, CsvFormat.CSV, date_to, expected, in_atomic=False),
        export(raw_connection, CsvFormat.EXCEL_BE, date_to, expected, in_atomic=True),
    ]
    for run in runs:
        assert run.lines == expected
    peak, heap_sizes = traced_peak(CsvFormat.EXCEL_BE, date_to)

    rows = [
        [
            run.journal_format.value + (" in atomic()" if run.in_atomic else ""),
            f"{run.lines:,}",
            f"{run.characters / MIB:,.0f}",
            f"{run.first_line_seconds:.2f}",
            f"{run.seconds:.2f}",
            f"{run.lines / run.seconds:,.0f}",
            f"{mib(min(run.resident))}..{mib(max(run.resident))}",
            f"{mib(run.max_resident_before)} -> {mib(run.max_resident_after)}",
            f"{run.temp_files} / {mib(run.temp_bytes)}",
        ]
        for run in runs
    ]
    slowest = max(run.seconds for run in runs if not run.in_atomic)
    print_table(
        f"Journal export: {ledger.legs:,} legs over {LOAD_DAYS} days, to os.devnull",
        [
            "format",
            "lines",
            "MiB of text",
            "first leg s",
            "total s",
            "lines/s",
            "RSS MiB (samples)",
            "max RSS MiB",
            "PG temp files / MiB",
        ],
        rows,
        [
            f"slowest export {slowest:.1f} s (target < {TARGET_SECONDS:.0f} s: "
            + ("met)" if slowest < TARGET_SECONDS else "MISSED)"),
            f"Python heap under tracemalloc ({CsvFormat.EXCEL_BE.value}): peak {mib(peak)} MiB; "
            "every 200,000 lines: " + ", ".join(mib(size) for size in heap_sizes) + " MiB",
            f"RSS sampled {SAMPLES} times per export (current resident size); max RSS is the process's high-water mark",
            "the export reads keyset pages of CHUNK_ROWS legs in autocommit, as the view and export_journal call it;"
            " the 'in atomic()' run is the same call inside transaction.atomic(), for comparison: no temporary files"
            " either way",
            ledger.describe(),
            server_description(raw_connection),
        ],
    )
    print(f"   plan of the first page of the journal (EXPLAIN ANALYZE, {LOAD_START} to {date_to}):")
    for line in plan(date_to):
        print(f"     {line}")
    print(flush=True)
