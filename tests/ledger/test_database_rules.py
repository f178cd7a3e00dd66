"""PostgreSQL itself keeps the ledger honest: these tests write raw SQL, never the services.

Everything here runs with real commits (`transaction=True`): the balance check is a deferred
constraint trigger that only fires at COMMIT, so a test wrapped in the usual rolled-back
transaction would never see it. `serialized_rollback` restores the chart of accounts (a data
migration) after each test's flush, so later tests still find it.
"""

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.backends.utils import CursorWrapper

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

DAY = date(2025, 3, 3)

# (account code, debit, credit, analytic id)
Leg = tuple[str, str, str, int | None]


def _fetch(sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def _header(cursor: CursorWrapper, key: str, day: date = DAY) -> int:
    cursor.execute(
        "INSERT INTO ledger_transaction (key, booking_date, memo, created_at)"
        " VALUES (%s, %s, 'raw SQL', now()) RETURNING id",
        [key, day],
    )
    row = cursor.fetchone()
    assert row is not None
    return int(row[0])


def _legs(cursor: CursorWrapper, transaction_id: int, legs: Sequence[Leg], day: date = DAY) -> None:
    """Insert all `legs` in ONE statement, as the statement-level trigger sees a bulk insert."""
    cursor.execute(
        "INSERT INTO ledger_leg (transaction_id, account_id, analytic_id, booking_date, debit, credit)"
        " SELECT %s, a.id, l.analytic, %s, l.debit, l.credit"
        " FROM unnest(%s::text[], %s::bigint[], %s::numeric[], %s::numeric[]) AS l(code, analytic, debit, credit)"
        " JOIN ledger_account a ON a.code = l.code",
        [
            transaction_id,
            day,
            [leg[0] for leg in legs],
            [leg[3] for leg in legs],
            [Decimal(leg[1]) for leg in legs],
            [Decimal(leg[2]) for leg in legs],
        ],
    )
    assert cursor.rowcount == len(legs), "an account code of the test is not in the chart"


def _post(key: str, legs: Sequence[Leg], day: date = DAY) -> int:
    with transaction.atomic(), connection.cursor() as cursor:
        transaction_id = _header(cursor, key, day)
        _legs(cursor, transaction_id, legs, day)
    return transaction_id


def _analytic(code: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO ledger_analyticaccount (code, name) VALUES (%s, %s) RETURNING id", [code, code])
        row = cursor.fetchone()
    assert row is not None
    return int(row[0])


def _ledger_snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every ledger row, to prove a refused statement or commit left nothing behind."""
    return {
        table: _fetch(f"SELECT * FROM {table} ORDER BY id")  # noqa: S608 - table names are the constants below
        for table in (
            "ledger_transaction",
            "ledger_leg",
            "ledger_accountbalance",
            "ledger_balance",
            "ledger_dailymovement",
        )
    }


def _empty_ledger() -> dict[str, list[tuple[Any, ...]]]:
    return {table: [] for table in _ledger_snapshot()}


def test_an_unbalanced_transaction_is_refused_at_commit_and_leaves_nothing() -> None:
    with pytest.raises(IntegrityError, match="does not balance"), transaction.atomic(), connection.cursor() as cursor:
        transaction_id = _header(cursor, "raw:unbalanced")
        _legs(cursor, transaction_id, [("550", "100.00", "0", None), ("700", "0", "90.00", None)])
        # Still inside the database transaction: each statement was accepted, only COMMIT can judge
        # the whole, so the failure must come from the atomic block's exit.
        assert _fetch("SELECT count(*) FROM ledger_leg") == [(2,)]

    assert _ledger_snapshot() == _empty_ledger()


@pytest.mark.parametrize(
    "legs",
    [
        pytest.param([("550", "100.00", "0", None)], id="one-leg"),
        pytest.param([], id="no-leg"),
    ],
)
def test_a_transaction_with_fewer_than_two_legs_is_refused_at_commit(legs: list[Leg]) -> None:
    with pytest.raises(IntegrityError, match="needs at least two"), transaction.atomic(), connection.cursor() as cursor:
        transaction_id = _header(cursor, "raw:too-few-legs")
        if legs:
            _legs(cursor, transaction_id, legs)

    assert _ledger_snapshot() == _empty_ledger()


@pytest.mark.parametrize(
    "statement",
    [
        pytest.param(
            "UPDATE ledger_leg SET debit = debit + 1 WHERE transaction_id = %s AND debit > 0", id="update-leg"
        ),
        pytest.param("UPDATE ledger_leg SET account_id = account_id WHERE transaction_id = %s", id="no-op-update-leg"),
        pytest.param("DELETE FROM ledger_leg WHERE transaction_id = %s", id="delete-leg"),
        pytest.param("UPDATE ledger_transaction SET memo = 'edited' WHERE id = %s", id="update-header"),
        pytest.param("UPDATE ledger_transaction SET booking_date = booking_date + 1 WHERE id = %s", id="redate-header"),
        pytest.param("DELETE FROM ledger_transaction WHERE id = %s", id="delete-header"),
    ],
)
def test_posted_rows_cannot_be_changed_or_deleted(statement: str) -> None:
    transaction_id = _post("raw:posted", [("550", "100.00", "0", None), ("700", "0", "100.00", None)])
    before = _ledger_snapshot()

    with pytest.raises(IntegrityError, match="cannot be changed"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, [transaction_id])

    assert _ledger_snapshot() == before


@pytest.mark.parametrize(
    ("debit", "credit"),
    [
        pytest.param("10.00", "10.00", id="both-sides"),
        pytest.param("-10.00", "0", id="negative-debit"),
        pytest.param("0", "-10.00", id="negative-credit"),
        pytest.param("0", "0", id="both-zero"),
    ],
)
def test_a_leg_without_exactly_one_positive_side_is_refused_by_the_check_constraint(debit: str, credit: str) -> None:
    with (
        pytest.raises(IntegrityError, match="leg_one_positive_side"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        transaction_id = _header(cursor, "raw:bad-leg")
        # Refused on the INSERT itself, long before the commit-time balance check could object.
        _legs(cursor, transaction_id, [("550", debit, credit, None)])

    assert _ledger_snapshot() == _empty_ledger()


def test_legs_cannot_be_added_to_a_transaction_committed_earlier() -> None:
    earlier = _post("raw:earlier", [("550", "100.00", "0", None), ("700", "0", "100.00", None)])
    before = _ledger_snapshot()

    # Two legs that balance each other, in one statement: the transaction would still balance, so
    # only the "legs come with their header" rule can refuse them.
    with (
        pytest.raises(IntegrityError, match="only be added with their transaction header"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        _legs(cursor, earlier, [("550", "50.00", "0", None), ("700", "0", "50.00", None)])

    # Opening a new header in the same database transaction does not open the old one.
    with (
        pytest.raises(IntegrityError, match="only be added with their transaction header"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        later = _header(cursor, "raw:later")
        _legs(cursor, later, [("550", "1.00", "0", None), ("700", "0", "1.00", None)])
        _legs(cursor, earlier, [("550", "50.00", "0", None), ("700", "0", "50.00", None)])

    assert _ledger_snapshot() == before


def test_a_forged_open_transaction_setting_does_not_let_a_leg_into_a_committed_transaction() -> None:
    # Migration 0002 trusted a session setting; a session could set it itself (fixed by 0006).
    earlier = _post("raw:earlier", [("550", "100.00", "0", None), ("700", "0", "100.00", None)])
    before = _ledger_snapshot()

    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT set_config('ledger.open_transaction', %s, true)", [str(earlier)])
            _legs(cursor, earlier, [("550", "5.00", "0", None)])
    except IntegrityError:
        pass

    assert _ledger_snapshot() == before, "a lone 5.00 debit was committed into a posted transaction"


def test_a_leg_must_carry_its_headers_booking_date() -> None:
    with (
        pytest.raises(IntegrityError, match="booking date of its transaction"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        transaction_id = _header(cursor, "raw:other-day", DAY)
        _legs(cursor, transaction_id, [("550", "100.00", "0", None), ("700", "0", "100.00", None)], date(2025, 3, 4))

    assert _ledger_snapshot() == _empty_ledger()


@pytest.mark.parametrize("table", ["ledger_accountbalance", "ledger_balance", "ledger_dailymovement"])
def test_maintained_totals_cannot_be_written_directly(table: str) -> None:
    _post("raw:totals", [("550", "100.00", "0", None), ("700", "0", "100.00", None)])
    before = _ledger_snapshot()
    account = _fetch("SELECT id FROM ledger_account WHERE code = '400'")[0][0]
    insert = {
        "ledger_accountbalance": "INSERT INTO ledger_accountbalance (account_id, debit, credit) VALUES (%s, 5, 0)",
        "ledger_balance": "INSERT INTO ledger_balance (account_id, analytic_id, debit, credit) VALUES (%s, NULL, 5, 0)",
        "ledger_dailymovement": (
            "INSERT INTO ledger_dailymovement (account_id, analytic_id, booking_date, debit, credit)"
            " VALUES (%s, NULL, '2025-03-03', 5, 0)"
        ),
    }[table]
    # A matching row exists for each UPDATE and DELETE: a statement that touches no row fires no
    # row trigger and would prove nothing.
    statements: list[tuple[str, list[Any]]] = [
        (insert, [account]),
        (f"UPDATE {table} SET debit = debit + 5", []),  # noqa: S608 - a parametrized constant
        (f"DELETE FROM {table}", []),  # noqa: S608 - a parametrized constant
    ]

    for sql, params in statements:
        with (
            pytest.raises(IntegrityError, match="maintained by the ledger"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, params)

    assert _ledger_snapshot() == before


def test_a_balanced_raw_posting_is_accepted_and_maintains_every_total() -> None:
    activity = _analytic("activity:raw")
    # One statement with two legs on the same account and analytic account, and a leg without one:
    # the trigger must group them, not overwrite one with the other.
    first = _post(
        "raw:first",
        [
            ("550", "30.00", "0", activity),
            ("550", "70.00", "0", activity),
            ("700", "0", "60.00", activity),
            ("700", "0", "40.00", None),
        ],
        DAY,
    )
    # Next day, one leg per statement: totals accumulate across statements and transactions.
    next_day = date(2025, 3, 4)
    with transaction.atomic(), connection.cursor() as cursor:
        second = _header(cursor, "raw:second", next_day)
        _legs(cursor, second, [("550", "10.00", "0", activity)], next_day)
        _legs(cursor, second, [("700", "0", "10.00", activity)], next_day)

    assert _fetch("SELECT key FROM ledger_transaction WHERE id IN (%s, %s) ORDER BY id", [first, second]) == [
        ("raw:first",),
        ("raw:second",),
    ]
    assert _fetch(
        "SELECT a.code, t.debit, t.credit FROM ledger_accountbalance t"
        " JOIN ledger_account a ON a.id = t.account_id ORDER BY a.code"
    ) == [("550", Decimal("110.00"), Decimal("0.00")), ("700", Decimal("0.00"), Decimal("110.00"))]
    assert _fetch(
        "SELECT a.code, t.analytic_id, t.debit, t.credit FROM ledger_balance t"
        " JOIN ledger_account a ON a.id = t.account_id ORDER BY a.code, t.analytic_id NULLS FIRST"
    ) == [
        ("550", activity, Decimal("110.00"), Decimal("0.00")),
        ("700", None, Decimal("0.00"), Decimal("40.00")),
        ("700", activity, Decimal("0.00"), Decimal("70.00")),
    ]
    assert _fetch(
        "SELECT a.code, t.analytic_id, t.booking_date, t.debit, t.credit FROM ledger_dailymovement t"
        " JOIN ledger_account a ON a.id = t.account_id ORDER BY a.code, t.analytic_id NULLS FIRST, t.booking_date"
    ) == [
        ("550", activity, DAY, Decimal("100.00"), Decimal("0.00")),
        ("550", activity, next_day, Decimal("10.00"), Decimal("0.00")),
        ("700", None, DAY, Decimal("0.00"), Decimal("40.00")),
        ("700", activity, DAY, Decimal("0.00"), Decimal("60.00")),
        ("700", activity, next_day, Decimal("0.00"), Decimal("10.00")),
    ]
