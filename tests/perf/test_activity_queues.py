"""The advisors' queues at a year's scale: expense claims waiting, filtered by office and age, and
the list of Activities.

Members, offices and advisors come from the members benchmark's bulk seed (BENCH_QUEUE_MEMBERS,
default 10,000); then BENCH_ACTIVITIES Activities (default 9,400, as many as the cooperative has,
DOMAIN.md) with their analytic accounts and a manager each, and BENCH_CLAIMS expense claims
(default 60,000) of one to three lines, loaded in bulk: most decided long ago, a tenth waiting,
submitted over the last 30 days. Claims need no ledger posting to wait in a queue, so none is
written.

Each page is requested READS times after WARM_UP untimed ones through Django's test client,
signed in as an advisor of one office (with TOTP) and as a superuser. Target: p95 under
TARGET_P95_MS, as for the member lists.
"""

import gc
import random
import statistics
import time
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import psycopg
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from activities.models import (
    Activity,
    ActivityHolder,
    ClaimStatus,
    ExpenseCategory,
    ExpenseClaim,
    ExpenseLine,
    HolderRole,
)
from smartcoop.ledger.models import AnalyticAccount
from smartcoop.models import CooperativeEntity
from tests.conftest import BELGIAN_ENTITY
from tests.perf.bench import BENCH, bench_size, percentile, print_table, server_description
from tests.perf.test_members_lists import seed

pytestmark = BENCH

READS = 100
WARM_UP = 10
TARGET_P95_MS = 300.0
BATCH = 5_000
QUEUE = "/admin/activities/expenseclaim/"
DECIDED = [ClaimStatus.REIMBURSED, ClaimStatus.REJECTED]
ACTIVITIES = "/admin/activities/activity/"


def _load(members: list[Any], activity_count: int, claim_count: int) -> dict[str, int]:
    rng = random.Random(20261123)  # noqa: S311  # reproducible test data, no secret
    entity, _created = CooperativeEntity.objects.get_or_create(country="BE", defaults=BELGIAN_ENTITY)
    categories = list(ExpenseCategory.objects.filter(is_mileage=False))
    now = timezone.now()
    with transaction.atomic():
        analytics = AnalyticAccount.objects.bulk_create(
            (AnalyticAccount(code=f"A{n:06d}", name=f"Activité {n}") for n in range(1, activity_count + 1)),
            batch_size=BATCH,
        )
        managers = rng.sample(members, activity_count)
        activities = Activity.objects.bulk_create(
            (
                Activity(
                    code=analytic.code,
                    name=f"Activité de {manager.last_name} {n}",
                    entity=entity,
                    analytic=analytic,
                    office_id=manager.office_id,
                    created_by_id=manager.user_id,
                )
                for n, (analytic, manager) in enumerate(zip(analytics, managers, strict=True), start=1)
            ),
            batch_size=BATCH,
        )
        ActivityHolder.objects.bulk_create(
            (
                ActivityHolder(activity=activity, member=manager, role=HolderRole.MANAGER, since=date(2025, 1, 2))
                for activity, manager in zip(activities, managers, strict=True)
            ),
            batch_size=BATCH,
        )
        claims: list[ExpenseClaim] = []
        submitted_on: dict[int, date] = {}
        for n in range(claim_count):
            index = rng.randrange(activity_count)
            waiting = rng.random() < 0.1
            submitted = now - timedelta(days=rng.uniform(0, 30) if waiting else rng.uniform(30, 365))
            submitted_on[n] = submitted.date()
            claims.append(
                ExpenseClaim(
                    activity=activities[index],
                    worker=managers[index],
                    title=f"Note de frais {n}",
                    status=ClaimStatus.SUBMITTED
                    if waiting
                    else rng.choice([ClaimStatus.REIMBURSED, ClaimStatus.REJECTED]),
                    submitted_at=submitted,
                    decided_at=None if waiting else submitted + timedelta(days=2),
                )
            )
        ExpenseClaim.objects.bulk_create(claims, batch_size=BATCH)
        ExpenseLine.objects.bulk_create(
            (
                ExpenseLine(
                    claim=claim,
                    spent_on=submitted_on[n] - timedelta(days=1),
                    category=rng.choice(categories),
                    description="Fournitures",
                    amount=Decimal(rng.randrange(500, 50_000)) / 100,
                )
                for n, claim in enumerate(claims)
                for _line in range(rng.randint(1, 3))
            ),
            batch_size=BATCH,
        )
    with connection.cursor() as cursor:
        cursor.execute(
            "VACUUM (ANALYZE) activities_activity, activities_activityholder, activities_expenseclaim,"
            " activities_expenseline"
        )
    return {
        "activities": activity_count,
        "claims": claim_count,
        "waiting": sum(1 for claim in claims if claim.status == ClaimStatus.SUBMITTED),
    }


def _measure(client: Client, url: str) -> tuple[list[float], int]:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    # Counted now: the next request's request_started signal empties the connection's query log.
    queries = len(captured.captured_queries)
    for _ in range(WARM_UP):
        client.get(url)
    timings = []
    for _ in range(READS):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return timings, queries


def test_activity_queues(raw_connection: psycopg.Connection[Any]) -> None:
    seeded = seed(bench_size("BENCH_QUEUE_MEMBERS", 10_000))
    loaded = _load(seeded.members, bench_size("BENCH_ACTIVITIES", 9_400), bench_size("BENCH_CLAIMS", 60_000))
    # The seed's objects stay referenced by this test: frozen, the collector stops rescanning them
    # during the timed requests (a web worker holds no such heap).
    gc.collect()
    gc.freeze()
    advisor, superuser = Client(), Client()
    advisor.force_login(seeded.advisor)
    superuser.force_login(seeded.superuser)
    office = seeded.offices[0].pk
    pages = [
        ("claims waiting, advisor", advisor, QUEUE),
        ("claims waiting > 7 days, advisor", advisor, f"{QUEUE}?age=gt7"),
        ("all claims, advisor", advisor, f"{QUEUE}?status=all"),
        ("claims waiting, superuser", superuser, QUEUE),
        ("claims waiting in one office, superuser", superuser, f"{QUEUE}?office={office}"),
        ("Activities, advisor", advisor, ACTIVITIES),
        ("Activities, superuser", superuser, ACTIVITIES),
        ("Activities ?q=<code>, superuser", superuser, f"{ACTIVITIES}?q=A000042"),
    ]
    rows, misses = [], []
    for label, client, url in pages:
        timings, queries = _measure(client, url)
        p95 = percentile(timings, 0.95)
        met = p95 < TARGET_P95_MS
        rows.append(
            [
                label,
                str(len(timings)),
                f"{statistics.median(timings):.1f}",
                f"{p95:.1f}",
                f"{max(timings):.1f}",
                str(queries),
                "PASS" if met else "MISS",
            ]
        )
        if not met:
            misses.append(label)
    print_table(
        f"Advisors' queues: {loaded['activities']:,} Activities, {loaded['claims']:,} expense claims "
        f"({loaded['waiting']:,} waiting), {len(seeded.members):,} members; target p95 < {TARGET_P95_MS:.0f} ms",
        ["page", "n", "median ms", "p95 ms", "max ms", "queries", "result"],
        rows,
        [server_description(raw_connection)],
    )
    assert not misses, f"over {TARGET_P95_MS} ms at p95: {misses}"
