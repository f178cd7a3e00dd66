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
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import psycopg
import pytest
from django.db import connection, transaction

from smartcoop.ledger.models import Account, AnalyticAccount

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


# --- A large ledger, loaded in bulk -----------------------------------------------------------------

LOAD_START = date(2025, 1, 1)
LOAD_DAYS = 365

# One day's legs, in one statement: pairs alternate a debit on 550 and a credit of the same amount on
# 700 (so the day's transaction balances), each pair in the books of one of the analytic accounts.
INSERT_DAY_LEGS = """
INSERT INTO ledger_leg (transaction_id, account_id, analytic_id, booking_date, debit, credit)
SELECT %(transaction)s,
       CASE WHEN g %% 2 = 0 THEN %(debit_account)s ELSE %(credit_account)s END,
       (%(analytics)s::bigint[])[1 + (%(first_pair)s + g / 2) %% %(analytic_count)s],
       %(day)s,
       CASE WHEN g %% 2 = 0 THEN ((%(first_pair)s + g / 2) %% 50000 + 1)::numeric / 100 ELSE 0 END,
       CASE WHEN g %% 2 = 1 THEN ((%(first_pair)s + g / 2) %% 50000 + 1)::numeric / 100 ELSE 0 END
FROM generate_series(0, 2 * %(pairs)s - 1) AS g
"""


@dataclass(frozen=True)
class LoadedLedger:
    debit_account: Account  # 550, holding `pairs` debit legs
    credit_account: Account  # 700, holding as many credit legs
    analytics: list[AnalyticAccount]
    pairs: int
    seconds: float  # the whole load, commit included
    commit_seconds: float
    day_seconds: list[float]  # each day's header and legs

    def describe(self) -> str:
        tenth = max(1, len(self.day_seconds) // 10)
        first = sum(self.day_seconds[:tenth]) / tenth * 1000
        last = sum(self.day_seconds[-tenth:]) / tenth * 1000
        return (
            f"bulk load of {self.legs:,} legs in one transaction, triggers on: {self.seconds:.1f} s = "
            f"{self.legs / self.seconds:,.0f} legs/s (a day's header and legs: {first:.0f} ms in the first "
            f"tenth of the year, {last:.0f} ms in the last; commit {self.commit_seconds:.1f} s)"
        )

    @property
    def legs(self) -> int:
        return 2 * self.pairs


def load_ledger(*, legs_on_account: int, analytic_count: int = 1000) -> LoadedLedger:
    """`legs_on_account` debit legs on 550 and as many credit legs on 700, over 365 days and
    `analytic_count` analytic accounts, in one database transaction: one header per day, each
    followed by its day's legs (the ledger's triggers accept legs for the header inserted last only,
    with its booking date). The triggers run as for any posting: totals, balances and daily rows
    are maintained, and every day's transaction balances at commit."""
    bank = Account.objects.get(code="550")
    sales = Account.objects.get(code="700")
    analytics = AnalyticAccount.objects.bulk_create(
        AnalyticAccount(code=f"BULK-{k:04d}", name=f"Bulk analytic {k}") for k in range(analytic_count)
    )
    analytic_ids = [a.pk for a in analytics]
    days = min(LOAD_DAYS, legs_on_account)
    day_seconds = []
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        first_pair = 0
        for d in range(days):
            day_started = time.perf_counter()
            pairs = legs_on_account // days + (1 if d < legs_on_account % days else 0)
            day = LOAD_START + timedelta(days=d)
            cursor.execute(
                "INSERT INTO ledger_transaction (key, booking_date, memo, actor_id, created_at, reverses_id)"
                " VALUES (%s, %s, %s, NULL, now(), NULL) RETURNING id",
                [f"bench:bulk:{day.isoformat()}", day, f"Bulk load of {day.isoformat()}"],
            )
            header = cursor.fetchone()
            assert header is not None
            cursor.execute(
                INSERT_DAY_LEGS,
                {
                    "transaction": header[0],
                    "debit_account": bank.pk,
                    "credit_account": sales.pk,
                    "analytics": analytic_ids,
                    "analytic_count": len(analytic_ids),
                    "first_pair": first_pair,
                    "day": day,
                    "pairs": pairs,
                },
            )
            first_pair += pairs
            day_seconds.append(time.perf_counter() - day_started)
        committing = time.perf_counter()
    # The commit runs the deferred checks: each day's transaction balances, and the legs' foreign keys.
    finished = time.perf_counter()
    assert first_pair == legs_on_account
    return LoadedLedger(bank, sales, analytics, legs_on_account, finished - started, finished - committing, day_seconds)


def vacuum_ledger() -> float:
    """VACUUM (ANALYZE) the ledger's tables, as autovacuum would soon after a load: fresh planner
    statistics and visibility map. Returns the seconds it took."""
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "VACUUM (ANALYZE) ledger_transaction, ledger_leg,"
            " ledger_accountbalance, ledger_accountdailymovement, ledger_balance, ledger_dailymovement"
        )
    return time.perf_counter() - started
