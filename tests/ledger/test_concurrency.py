"""Concurrent postings on the real database, from threads with their own connections.

`transaction=True`: each posting must really commit for other connections to wait on its locks,
which is the point. Every worker closes its connection when done (a thread's connection is not
closed by Django, and an open one would block the flush and the test database's removal).
`serialized_rollback` restores the chart of accounts after the flush, for the tests that follow.
"""

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal
from typing import TypeVar

import pytest
from django.db import connection

from smartcoop.ledger.models import AccountBalance, AnalyticAccount, Balance, DailyMovement, Leg, Transaction
from smartcoop.ledger.services import credit, debit, ledger_post

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

DAY = date(2025, 6, 2)
T = TypeVar("T")


def _in_threads(count: int, work: Callable[[int], T]) -> list[T]:
    """Run `work(0..count-1)` in `count` threads at once; any exception in a thread fails the test."""

    def run(index: int) -> T:
        try:
            return work(index)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=count) as pool:
        futures = [pool.submit(run, index) for index in range(count)]
        # result() re-raises a worker's exception here, in the test's thread.
        return [future.result(timeout=120) for future in futures]


def test_many_threads_posting_to_the_same_accounts_lose_no_update() -> None:
    threads, postings = 8, 200
    shared = AnalyticAccount.objects.create(code="activity:busy", name="A busy Activity")
    start = threading.Barrier(threads, timeout=30)

    def post(worker: int) -> None:
        start.wait()
        for number in range(postings):
            ledger_post(
                key=f"busy:{worker}:{number}",
                date=DAY,
                memo="concurrent",
                legs=[debit("550", Decimal("1.00"), shared), credit("700", Decimal("1.00"), shared)],
                actor=None,
            )

    _in_threads(threads, post)

    total = Decimal("1600.00")  # 8 threads x 200 postings x 1.00
    assert Transaction.objects.count() == 1600
    assert Leg.objects.count() == 3200
    assert sorted(AccountBalance.objects.values_list("account__code", "debit", "credit")) == [
        ("550", total, 0),
        ("700", 0, total),
    ]
    assert sorted(Balance.objects.values_list("account__code", "analytic_id", "debit", "credit")) == [
        ("550", shared.pk, total, 0),
        ("700", shared.pk, 0, total),
    ]
    assert sorted(
        DailyMovement.objects.values_list("account__code", "analytic_id", "booking_date", "debit", "credit")
    ) == [
        ("550", shared.pk, DAY, total, 0),
        ("700", shared.pk, DAY, 0, total),
    ]


def test_the_same_key_posted_from_two_threads_at_once_is_posted_once() -> None:
    rounds = 20
    both = threading.Barrier(2, timeout=30)

    def post(worker: int) -> list[int]:
        ids = []
        for number in range(rounds):
            # Both threads race on every key: one inserts, the other waits on the unique index
            # and then returns the transaction the first one committed.
            both.wait()
            posted = ledger_post(
                key=f"race:{number}",
                date=DAY,
                memo=f"from thread {worker}",
                legs=[
                    debit("400", Decimal("121.00")),
                    credit("700", Decimal("100.00")),
                    credit("451", Decimal("21.00")),
                ],
                actor=None,
            )
            ids.append(posted.pk)
        return ids

    first, second = _in_threads(2, post)

    assert first == second
    assert len(set(first)) == rounds
    assert Transaction.objects.count() == rounds
    assert Leg.objects.count() == 3 * rounds
    assert AccountBalance.objects.get(account__code="400").debit == Decimal("121.00") * rounds


def test_postings_over_two_accounts_in_opposite_orders_never_deadlock() -> None:
    rounds = 100
    both = threading.Barrier(2, timeout=30)

    def post(worker: int) -> None:
        for number in range(rounds):
            # Thread 0 lists 550 then 570, thread 1 lists 570 then 550: were the totals locked in
            # the order given, each would hold one row and wait for the other's.
            legs = (
                [debit("550", Decimal("2.00")), credit("570", Decimal("2.00"))]
                if worker == 0
                else [debit("570", Decimal("1.00")), credit("550", Decimal("1.00"))]
            )
            both.wait()
            ledger_post(key=f"cross:{worker}:{number}", date=DAY, memo="cross", legs=legs, actor=None)

    _in_threads(2, post)

    # 100 x 2.00 into 550 and 100 x 1.00 back out: 100.00 net.
    assert Transaction.objects.count() == 2 * rounds
    bank = AccountBalance.objects.get(account__code="550")
    assert (bank.debit, bank.credit) == (Decimal("200.00"), Decimal("100.00"))
    cash = AccountBalance.objects.get(account__code="570")
    assert (cash.debit, cash.credit) == (Decimal("100.00"), Decimal("200.00"))
