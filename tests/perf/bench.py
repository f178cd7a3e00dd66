"""Helpers of the benchmarks (`make bench`): sizes from the environment, timings and result tables.

The chart of accounts comes from a data migration, which the flush after a transactional test
empties: benchmarks use `BENCH` (transaction=True, serialized_rollback=True), so each one starts
from the migrated data again.
"""

import math
import os
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

import psycopg
import pytest

BENCH = [pytest.mark.bench, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def bench_size(variable: str, default: int) -> int:
    """A size from the environment (`BENCH_POSTINGS=5_000`), or the default."""
    value = os.environ.get(variable, "").strip().replace("_", "")
    return int(value) if value else default


def server_description(raw: psycopg.Connection[Any]) -> str:
    """The server settings that decide what a commit costs, printed with each benchmark's results."""
    names = ["server_version", "fsync", "synchronous_commit", "wal_sync_method", "full_page_writes", "shared_buffers"]
    with raw.cursor() as cursor:
        cursor.execute("SELECT name, setting, unit FROM pg_settings WHERE name = ANY(%s)", [names])
        found = {name: setting + (f" x {unit}" if unit else "") for name, setting, unit in cursor}
    raw.rollback()
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        "PostgreSQL "
        + ", ".join(f"{name}={found.get(name, '?')}" for name in names)
        + f"; {os.cpu_count()} CPUs, load average {load}"
    )


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile: the smallest value with at least `fraction` of the values at or below it."""
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def latencies_ms(call: Callable[[], object], *, reads: int, warm_up: int) -> list[float]:
    """`reads` timings of `call` in milliseconds (time.perf_counter), after `warm_up` untimed calls."""
    for _ in range(warm_up):
        call()
    timings = []
    for _ in range(reads):
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def latency_row(name: str, timings: Sequence[float]) -> list[str]:
    return [
        name,
        str(len(timings)),
        f"{statistics.median(timings):.3f}",
        f"{percentile(timings, 0.99):.3f}",
        f"{max(timings):.3f}",
    ]


LATENCY_HEADERS = ["read", "n", "median ms", "p99 ms", "max ms"]


def print_table(title: str, headers: Sequence[str], rows: Sequence[Sequence[str]], notes: Sequence[str] = ()) -> None:
    widths = [max(len(cell) for cell in column) for column in zip(headers, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        first, *others = cells
        return "  ".join([first.ljust(widths[0]), *(c.rjust(w) for c, w in zip(others, widths[1:], strict=True))])

    rule = "-" * len(line(headers))
    print()
    print(f"== {title}")
    print(line(headers))
    print(rule)
    for row in rows:
        print(line(row))
    print(rule)
    for note in notes:
        print(f"   {note}")
    print(flush=True)
