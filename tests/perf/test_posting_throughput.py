"""Posting throughput: `ledger_post` against raw psycopg doing the same kind of work, in the same run.

Every method posts the same N three-leg postings (debit 400 121.00 / credit 700 100.00 / credit 451
21.00, spread over four analytic accounts and 365 booking dates, unique keys), one database
transaction each, on one connection to the same server with the same connection parameters:

- service: `ledger_post` in autocommit mode, so each call commits (with the ledger's triggers);
- (b)  raw psycopg as the brief describes it: header INSERT, one INSERT of 2 legs (debit 400 /
       credit 700, 121.00), two `UPDATE balance = balance + amount`, COMMIT;
- (b3) raw psycopg with the service's shape: header INSERT, one INSERT of the same 3 legs, and the
       upserts the ledger's trigger does (3 account totals, 3 account x analytic totals, 3 daily
       rows), COMMIT: hand-written SQL doing the same work, without triggers or Django;
- (a)  one COPY of the same 3 x N legs, one transaction: the floor for storing the rows.

The scratch tables are `LIKE` the ledger's (same columns, types, defaults, identity, checks and
indexes: `INCLUDING ALL`), without triggers or foreign keys; (a') is a COPY into a bare copy without
indexes. The three committing methods run interleaved in rounds, in a rotating order, so a slower
minute of the machine (or autovacuum) does not land on one method only.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import psycopg
from django.db import connection
from django.utils import timezone

from smartcoop.ledger.models import Account, AccountBalance, AnalyticAccount, DailyMovement, Leg, Transaction
from smartcoop.ledger.services import LegSpec, credit, debit, ledger_post
from tests.perf.bench import BENCH, bench_size, print_table, server_description

pytestmark = BENCH

START = date(2025, 1, 1)
DAYS = 365
ANALYTICS = 4
WARM_UP = 200
ROUNDS = 10
GROSS, NET, VAT = Decimal("121.00"), Decimal("100.00"), Decimal("21.00")
ZERO = Decimal("0.00")

SCRATCH_TABLES = [
    "bench_raw_transaction",
    "bench_raw_leg",
    "bench_raw_balance",
    "bench_shape_transaction",
    "bench_shape_leg",
    "bench_shape_accountbalance",
    "bench_shape_balance",
    "bench_shape_dailymovement",
    "bench_copy_leg",
    "bench_copy_leg_bare",
]

CREATE_SCRATCH = """
CREATE TABLE bench_raw_transaction (LIKE ledger_transaction INCLUDING ALL);
CREATE TABLE bench_raw_leg (LIKE ledger_leg INCLUDING ALL);
CREATE TABLE bench_raw_balance (
    account_id bigint PRIMARY KEY, debit numeric(16, 2) NOT NULL, credit numeric(16, 2) NOT NULL
);
CREATE TABLE bench_shape_transaction (LIKE ledger_transaction INCLUDING ALL);
CREATE TABLE bench_shape_leg (LIKE ledger_leg INCLUDING ALL);
CREATE TABLE bench_shape_accountbalance (LIKE ledger_accountbalance INCLUDING ALL);
CREATE TABLE bench_shape_balance (LIKE ledger_balance INCLUDING ALL);
CREATE TABLE bench_shape_dailymovement (LIKE ledger_dailymovement INCLUDING ALL);
CREATE TABLE bench_copy_leg (LIKE ledger_leg INCLUDING ALL);
CREATE TABLE bench_copy_leg_bare (LIKE ledger_leg INCLUDING DEFAULTS INCLUDING IDENTITY);
"""

LEG_COLUMNS = "(transaction_id, account_id, analytic_id, booking_date, debit, credit)"

RAW_HEADER = (
    "INSERT INTO bench_raw_transaction (key, booking_date, memo, actor_id, created_at, reverses_id)"
    " VALUES (%s, %s, %s, NULL, %s, NULL) RETURNING id"
)
RAW_LEGS = (
    "INSERT INTO bench_raw_leg (transaction_id, account_id, analytic_id, booking_date, debit, credit)"
    " VALUES (%s, %s, %s, %s, %s, %s), (%s, %s, %s, %s, %s, %s)"
)
RAW_DEBIT = "UPDATE bench_raw_balance SET debit = debit + %s WHERE account_id = %s"
RAW_CREDIT = "UPDATE bench_raw_balance SET credit = credit + %s WHERE account_id = %s"

SHAPE_HEADER = (
    "INSERT INTO bench_shape_transaction (key, booking_date, memo, actor_id, created_at, reverses_id)"
    " VALUES (%s, %s, %s, NULL, %s, NULL) RETURNING id"
)
SHAPE_LEGS = (
    "INSERT INTO bench_shape_leg (transaction_id, account_id, analytic_id, booking_date, debit, credit)"
    " VALUES (%s, %s, %s, %s, %s, %s), (%s, %s, %s, %s, %s, %s), (%s, %s, %s, %s, %s, %s)"
)
SHAPE_ACCOUNT_TOTALS = (
    "INSERT INTO bench_shape_accountbalance (account_id, debit, credit) VALUES (%s, %s, %s), (%s, %s, %s), (%s, %s, %s)"
    " ON CONFLICT (account_id) DO UPDATE SET debit = bench_shape_accountbalance.debit + EXCLUDED.debit,"
    " credit = bench_shape_accountbalance.credit + EXCLUDED.credit"
)
SHAPE_BALANCES = (
    "INSERT INTO bench_shape_balance (account_id, analytic_id, debit, credit)"
    " VALUES (%s, %s, %s, %s), (%s, %s, %s, %s), (%s, %s, %s, %s)"
    " ON CONFLICT (account_id, analytic_id) DO UPDATE SET debit = bench_shape_balance.debit + EXCLUDED.debit,"
    " credit = bench_shape_balance.credit + EXCLUDED.credit"
)
SHAPE_DAYS = (
    "INSERT INTO bench_shape_dailymovement (account_id, analytic_id, booking_date, debit, credit)"
    " VALUES (%s, %s, %s, %s, %s), (%s, %s, %s, %s, %s), (%s, %s, %s, %s, %s)"
    " ON CONFLICT (account_id, analytic_id, booking_date) DO UPDATE"
    " SET debit = bench_shape_dailymovement.debit + EXCLUDED.debit,"
    " credit = bench_shape_dailymovement.credit + EXCLUDED.credit"
)

Row = tuple[int, int, Decimal, Decimal]  # account id, analytic id, debit, credit


def booking_date(i: int) -> date:
    return START + timedelta(days=i % DAYS)


def memo(i: int) -> str:
    return f"Benchmark posting {i}"


class Postings:
    """The same postings for every method: number i has analytic i % 4 and date i % 365."""

    def __init__(self) -> None:
        self.analytics = AnalyticAccount.objects.bulk_create(
            AnalyticAccount(code=f"BENCH-{k}", name=f"Benchmark analytic {k}") for k in range(ANALYTICS)
        )
        ids = dict(Account.objects.filter(code__in=["400", "451", "700"]).values_list("code", "id"))
        self.account_400, self.account_451, self.account_700 = ids["400"], ids["451"], ids["700"]
        self.specs: list[list[LegSpec]] = [
            [debit("400", GROSS, a), credit("700", NET, a), credit("451", VAT, a)] for a in self.analytics
        ]
        # The service's own leg order: by account id, then analytic.
        self.rows: list[list[Row]] = [
            sorted(
                [(ids["400"], a.pk, GROSS, ZERO), (ids["700"], a.pk, ZERO, NET), (ids["451"], a.pk, ZERO, VAT)],
                key=lambda r: r[0],
            )
            for a in self.analytics
        ]

    def service(self, i: int, prefix: str) -> None:
        ledger_post(key=f"{prefix}:{i}", date=booking_date(i), memo=memo(i), legs=self.specs[i % ANALYTICS], actor=None)


def raw_posting(raw: psycopg.Connection[Any], postings: Postings) -> Callable[[int, str], None]:
    """(b): a two-leg posting and two balance rows, committed."""

    def post(i: int, prefix: str) -> None:
        day = booking_date(i)
        analytic = postings.analytics[i % ANALYTICS].pk
        with raw.cursor() as cursor:
            cursor.execute(RAW_HEADER, [f"{prefix}:{i}", day, memo(i), timezone.now()])
            header = cursor.fetchone()
            assert header is not None
            cursor.execute(
                RAW_LEGS,
                [
                    *(header[0], postings.account_400, analytic, day, GROSS, ZERO),
                    *(header[0], postings.account_700, analytic, day, ZERO, GROSS),
                ],
            )
            cursor.execute(RAW_DEBIT, [GROSS, postings.account_400])
            cursor.execute(RAW_CREDIT, [GROSS, postings.account_700])
        raw.commit()

    return post


def shaped_posting(raw: psycopg.Connection[Any], postings: Postings) -> Callable[[int, str], None]:
    """(b3): the service's three legs and the nine total rows its trigger maintains, committed."""

    def post(i: int, prefix: str) -> None:
        day = booking_date(i)
        rows = postings.rows[i % ANALYTICS]
        with raw.cursor() as cursor:
            cursor.execute(SHAPE_HEADER, [f"{prefix}:{i}", day, memo(i), timezone.now()])
            header = cursor.fetchone()
            assert header is not None
            cursor.execute(SHAPE_LEGS, [v for a, n, d, c in rows for v in (header[0], a, n, day, d, c)])
            cursor.execute(SHAPE_ACCOUNT_TOTALS, [v for a, _, d, c in rows for v in (a, d, c)])
            cursor.execute(SHAPE_BALANCES, [v for a, n, d, c in rows for v in (a, n, d, c)])
            cursor.execute(SHAPE_DAYS, [v for a, n, d, c in rows for v in (a, n, day, d, c)])
        raw.commit()

    return post


def copy_legs(raw: psycopg.Connection[Any], postings: Postings, table: str, n: int) -> float:
    """(a): the 3 x n legs in one COPY, committed; returns the seconds it took."""
    statement = {
        "bench_copy_leg": "COPY bench_copy_leg " + LEG_COLUMNS + " FROM STDIN",
        "bench_copy_leg_bare": "COPY bench_copy_leg_bare " + LEG_COLUMNS + " FROM STDIN",
    }[table]
    started = time.perf_counter()
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        for i in range(n):
            day = booking_date(i)
            for account, analytic, amount_debit, amount_credit in postings.rows[i % ANALYTICS]:
                copy.write_row((i + 1, account, analytic, day, amount_debit, amount_credit))
    raw.commit()
    return time.perf_counter() - started


def count(raw: psycopg.Connection[Any], table: str) -> int:
    statement = {t: f"SELECT count(*) FROM {t}" for t in SCRATCH_TABLES}[table]  # noqa: S608 - fixed names
    with raw.cursor() as cursor:
        cursor.execute(statement)
        found = cursor.fetchone()
    raw.rollback()
    assert found is not None
    return int(found[0])


@dataclass
class Timings:
    n: int
    seconds: dict[str, float]
    round_rates: dict[str, list[float]]
    wall: float
    copy_seconds: float
    bare_seconds: float


def run_interleaved(
    methods: dict[str, Callable[[int, str], None]], n: int
) -> tuple[dict[str, float], dict[str, list[float]], float]:
    """Warm every method up, then post postings 0..n-1 with each, in ROUNDS rounds of rotating order."""
    for post in methods.values():
        for i in range(WARM_UP):
            post(i, "warm-up")
    seconds = dict.fromkeys(methods, 0.0)
    round_rates: dict[str, list[float]] = {name: [] for name in methods}
    bounds = [n * r // ROUNDS for r in range(ROUNDS + 1)]
    names = list(methods)
    wall = time.perf_counter()
    for r in range(ROUNDS):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            post = methods[name]
            started = time.perf_counter()
            for i in range(bounds[r], bounds[r + 1]):
                post(i, "bench")
            elapsed = time.perf_counter() - started
            seconds[name] += elapsed
            round_rates[name].append((bounds[r + 1] - bounds[r]) / elapsed)
    return seconds, round_rates, time.perf_counter() - wall


def check_stored(raw: psycopg.Connection[Any], postings: Postings, n: int) -> None:
    """Every method stored what it was given."""
    total = n + WARM_UP
    assert Transaction.objects.count() == total
    assert Leg.objects.count() == 3 * total
    assert AccountBalance.objects.get(account_id=postings.account_400).debit == GROSS * total
    assert count(raw, "bench_raw_transaction") == total
    assert count(raw, "bench_raw_leg") == 2 * total
    assert count(raw, "bench_shape_leg") == 3 * total
    assert count(raw, "bench_copy_leg") == 3 * n
    assert count(raw, "bench_copy_leg_bare") == 3 * n
    # Posting i and i + 1460 share analytic and date (4 and 365 are coprime): that many distinct days.
    assert DailyMovement.objects.count() == 3 * min(max(n, WARM_UP), DAYS * ANALYTICS)
    assert count(raw, "bench_shape_dailymovement") == DailyMovement.objects.count()
    with raw.cursor() as cursor:
        cursor.execute("SELECT debit FROM bench_raw_balance WHERE account_id = %s", [postings.account_400])
        assert cursor.fetchone() == (GROSS * total,)
        cursor.execute("SELECT debit FROM bench_shape_accountbalance WHERE account_id = %s", [postings.account_400])
        assert cursor.fetchone() == (GROSS * total,)
    raw.rollback()


def report(timings: Timings, description: str) -> None:
    n, seconds = timings.n, timings.seconds
    rate = {name: n / s for name, s in seconds.items()}
    labels = {
        "service": "ledger_post (service): 3 legs, triggers, commit each",
        "b": "(b) raw: header + 2 legs + 2 balance UPDATEs, commit each",
        "b3": "(b3) raw, service's shape: header + 3 legs + 9 upserts, commit each",
    }
    legs = {"service": 3, "b": 2, "b3": 3}
    rows = [
        [
            labels[name],
            f"{n:,}",
            f"{seconds[name]:.2f}",
            f"{rate[name]:,.0f}",
            f"{legs[name] * rate[name]:,.0f}",
            f"{min(timings.round_rates[name]):,.0f}",
            f"{max(timings.round_rates[name]):,.0f}",
        ]
        for name in labels
    ]
    copies = [
        ("(a) COPY of the 3N legs, one transaction", timings.copy_seconds),
        ("(a') the same COPY into a leg table without indexes", timings.bare_seconds),
    ]
    rows += [[label, f"{n:,}", f"{s:.2f}", f"{n / s:,.0f}", f"{3 * n / s:,.0f}", "", ""] for label, s in copies]
    service_vs_b = rate["service"] / rate["b"]
    print_table(
        f"Posting throughput: {n:,} postings, one database transaction each ({ROUNDS} interleaved rounds)",
        ["method", "postings", "seconds", "postings/s", "legs/s", "slowest round/s", "fastest round/s"],
        rows,
        [
            f"service / (b)  = {service_vs_b:.3f}   (target >= 0.333: {'met' if service_vs_b >= 1 / 3 else 'MISSED'})",
            f"service / (b3) = {rate['service'] / rate['b3']:.3f}",
            f"service / (a)  = {rate['service'] * timings.copy_seconds / n:.4f}   ((a) in postings: legs/s / 3)",
            f"service / (a') = {rate['service'] * timings.bare_seconds / n:.4f}",
            f"service = {rate['service']:,.0f} postings/s   (target >= 500: "
            + ("met)" if rate["service"] >= 500 else "MISSED)"),
            f"interleaved rounds took {timings.wall:.1f} s of wall time; {WARM_UP} untimed warm-up postings per method",
            *(
                f"postings/s round by round, {name}: " + " ".join(f"{r:,.0f}" for r in timings.round_rates[name])
                for name in labels
            ),
            f"database {connection.settings_dict['NAME']} over {connection.get_connection_params().get('host')}",
            description,
        ],
    )


def test_posting_throughput(raw_connection: psycopg.Connection[Any]) -> None:
    n = bench_size("BENCH_POSTINGS", 100_000)
    raw = raw_connection
    postings = Postings()
    with raw.cursor() as cursor:
        cursor.execute(CREATE_SCRATCH)
        cursor.execute(
            "INSERT INTO bench_raw_balance (account_id, debit, credit) VALUES (%s, 0, 0), (%s, 0, 0)",
            [postings.account_400, postings.account_700],
        )
    raw.commit()
    try:
        methods = {"service": postings.service, "b": raw_posting(raw, postings), "b3": shaped_posting(raw, postings)}
        seconds, round_rates, wall = run_interleaved(methods, n)
        copy_seconds = copy_legs(raw, postings, "bench_copy_leg", n)
        bare_seconds = copy_legs(raw, postings, "bench_copy_leg_bare", n)
        check_stored(raw, postings, n)
        description = server_description(raw)
    finally:
        raw.rollback()
        with raw.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS " + ", ".join(SCRATCH_TABLES))
        raw.commit()
    report(Timings(n, seconds, round_rates, wall, copy_seconds, bare_seconds), description)
