"""Balance reads over a large ledger: the selectors against summing the legs themselves.

Account 550 gets BENCH_LEGS debit legs (default 1,000,000; 700 gets as many credits), over 365 days
and 1,000 analytic accounts, loaded in bulk in one database transaction through the ledger's own
triggers (see `load_ledger`). Each selector is then read 1,000 times after a warm-up, and checked
against a sum over ledger_leg, whose own time is reported for the ratio.
"""

import statistics
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import psycopg
from django.db import connection

from smartcoop.ledger.models import AccountDailyMovement, Leg
from smartcoop.ledger.selectors import account_balance, analytic_balance
from tests.perf.bench import (
    BENCH,
    LATENCY_HEADERS,
    LOAD_DAYS,
    LOAD_START,
    bench_size,
    latencies_ms,
    latency_row,
    load_ledger,
    percentile,
    print_table,
    server_description,
    vacuum_ledger,
)

pytestmark = BENCH

READS = 1000
WARM_UP = 50
SCANS = 10
TARGET_MS = 2.0

LEG_SCAN = "SELECT sum(debit) - sum(credit) FROM ledger_leg WHERE account_id = %s"
LEG_SCAN_AT = "SELECT sum(debit) - sum(credit) FROM ledger_leg WHERE account_id = %s AND booking_date <= %s"
LEG_SCAN_ANALYTIC = "SELECT sum(debit) - sum(credit) FROM ledger_leg WHERE account_id = %s AND analytic_id = %s"
# What account_balance(at=...) runs (the ORM's aggregate over the per-account daily rows).
DAILY_AT = (
    "SELECT sum(debit), sum(credit) FROM ledger_accountdailymovement WHERE account_id = %s AND booking_date <= %s"
)


def scan(sql: str, params: list[Any]) -> tuple[Decimal, list[float]]:
    """The value of a one-number query, and SCANS timings (ms) after one untimed run."""
    results: list[Decimal] = []

    def run() -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        assert row is not None
        results.append(row[0])

    timings = latencies_ms(run, reads=SCANS, warm_up=1)
    return results[-1], timings


def explain(sql: str, params: list[Any]) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql, params)
        return [row[0] for row in cursor.fetchall()]


def test_balance_read_latency(raw_connection: psycopg.Connection[Any]) -> None:
    legs_on_account = bench_size("BENCH_LEGS", 1_000_000)
    ledger = load_ledger(legs_on_account=legs_on_account)
    vacuum_seconds = vacuum_ledger()
    bank, analytic = ledger.debit_account, ledger.analytics[0]
    at = LOAD_START + timedelta(days=LOAD_DAYS // 2)
    assert Leg.objects.filter(account=bank).count() == legs_on_account

    # The selectors agree with the legs.
    current, current_scan = scan(LEG_SCAN, [bank.pk])
    at_date, at_scan = scan(LEG_SCAN_AT, [bank.pk, at])
    in_books, analytic_scan = scan(LEG_SCAN_ANALYTIC, [bank.pk, analytic.pk])
    assert account_balance(account="550").net == current
    assert account_balance(account="550", at=at).net == at_date
    assert analytic_balance(account="550", analytic=analytic).net == in_books
    assert current > 0 and at_date > 0 and in_books > 0

    reads: dict[str, Callable[[], object]] = {
        'account_balance(account="550")': lambda: account_balance(account="550"),
        "account_balance(account=<Account 550>)": lambda: account_balance(account=bank),
        'analytic_balance(account="550", analytic=<one>)': lambda: analytic_balance(account="550", analytic=analytic),
        f'account_balance(account="550", at={at})': lambda: account_balance(account="550", at=at),
        f'analytic_balance(account="550", analytic=<one>, at={at})': (
            lambda: analytic_balance(account="550", analytic=analytic, at=at)
        ),
    }
    timings = {name: latencies_ms(read, reads=READS, warm_up=WARM_UP) for name, read in reads.items()}
    scans = {
        "legs: sum over ledger_leg of 550 (current)": current_scan,
        f"legs: sum over ledger_leg of 550 to {at}": at_scan,
        "legs: sum over ledger_leg of 550 in one analytic": analytic_scan,
    }

    daily_rows = AccountDailyMovement.objects.filter(account=bank).count()
    daily_rows_at = AccountDailyMovement.objects.filter(account=bank, booking_date__lte=at).count()
    median = {name: statistics.median(t) for name, t in (timings | scans).items()}
    names = list(timings)
    current_ms = timings[names[0]]
    at_name = names[3]
    print_table(
        f"Balance reads: {legs_on_account:,} legs on account 550 ({ledger.legs:,} legs in all), "
        f"{len(ledger.analytics):,} analytic accounts, {LOAD_DAYS} days",
        LATENCY_HEADERS,
        [latency_row(name, t) for name, t in timings.items()] + [latency_row(name, t) for name, t in scans.items()],
        [
            f"current balance: median {median[names[0]]:.3f} ms, p99 {percentile(current_ms, 0.99):.3f} ms "
            f"(target < {TARGET_MS} ms: "
            + ("met" if median[names[0]] < TARGET_MS else "MISSED")
            + "); summing the legs instead takes "
            f"{median[next(iter(scans))] / median[names[0]]:,.0f} x as long",
            f"balance at {at}: sums {daily_rows_at:,} of the {daily_rows:,} daily rows of 550 "
            f"(per account x day); summing the legs instead takes "
            f"{median[list(scans)[1]] / median[at_name]:,.1f} x as long",
            ledger.describe() + f"; VACUUM (ANALYZE) {vacuum_seconds:.1f} s",
            f"{READS} timed reads after {WARM_UP} warm-up reads each; leg sums {SCANS} times after one warm-up run",
            server_description(raw_connection),
        ],
    )
    print(f"   plan of account_balance(at={at}):")
    for line in explain(DAILY_AT, [bank.pk, at]):
        print(f"     {line}")
    print(flush=True)
