"""Member lists at scale: the admin change list (plain, searched, filtered) and GET /api/members/.

BENCH_MEMBERS members (default 50,000) are loaded in bulk (bulk_create, not member_create, which
would take minutes): natural persons with valid national register numbers, Belgian first and last
names, over 9 offices and 80 advisors, mostly admitted members in category A, each with a login
and 1 to 3 lines of the share register (numbered without gaps in date order, one key each):

- an admitted member: an issue, sometimes a second issue, sometimes a partial buy-back;
- a former member: an issue, then the buy-back of every share (holding 0);
- an applicant: the subscription written when their application was approved (an issue would
  have admitted them).

Each request then runs READS times after WARM_UP untimed ones, in-process through Django's test
client (middleware, session, permissions, template or serializer included; no network), signed
in as an advisor of one office (with TOTP, as the admin requires) or as a superuser. Besides the
wall-clock time, the CPU time of the test process (Django's own work, without PostgreSQL's) tells
the page's Python cost apart from waiting on a busy machine. The number of SQL statements and their
time come from one more request under CaptureQueriesContext. The target is a 95th percentile under
TARGET_P95_MS: a request that misses it is named under the table with the share of its time spent
in SQL, and the plan of its slowest statement when that share is large.
"""

import random
import statistics
import time
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import psycopg
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from stdnum.be import nn

from members.admin import MemberAdmin
from members.identity import bic_for
from members.models import (
    HOLDING_SIGN,
    Member,
    MemberCategory,
    MemberStatus,
    Office,
    PersonKind,
    RegisterCounter,
    Role,
    ShareOperation,
    ShareOperationKind,
    User,
)
from tests.perf.bench import BENCH, bench_size, percentile, print_table, server_description

pytestmark = BENCH

READS = 200
WARM_UP = 20
TARGET_P95_MS = 300.0
SQL_SHARE_EXPLAINED = 0.25  # a miss whose queries take this share of the time gets its slowest one explained
ADVISORS = 80
BATCH = 5_000
NOMINAL_VALUE = Decimal("30.00")

ADMIN = "/admin/members/member/"
API = "/api/members/"

# code, name, postal code, city
OFFICES = [
    ("bruxelles", "Bruxelles", "1000", "Bruxelles"),
    ("liege", "Liège", "4000", "Liège"),
    ("namur", "Namur", "5000", "Namur"),
    ("charleroi", "Charleroi", "6000", "Charleroi"),
    ("mons", "Mons", "7000", "Mons"),
    ("gent", "Gent", "9000", "Gent"),
    ("antwerpen", "Antwerpen", "2000", "Antwerpen"),
    ("leuven", "Leuven", "3000", "Leuven"),
    ("brugge", "Brugge", "8000", "Brugge"),
]
FIRST_NAMES = [
    "Lucas", "Emma", "Louis", "Olivia", "Noah", "Louise", "Arthur", "Mila", "Jules", "Alice",
    "Adam", "Lina", "Liam", "Elena", "Victor", "Juliette", "Nathan", "Marie", "Hugo", "Camille",
    "Thomas", "Julie", "Maxime", "Céline", "Wout", "Lotte", "Mathis", "Nora", "Lars", "Fien",
]  # fmt: skip
# Most common first, drawn with falling weights: a few names are frequent, as in the register.
LAST_NAMES = [
    "Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens", "Wouters",
    "Dubois", "Lambert", "Dupont", "Martin", "Leroy", "Simon", "Laurent", "Lejeune", "Renard",
    "Dumont", "Vermeulen", "Van Damme", "De Backer", "Hermans", "De Smet", "Michel", "Lemaire",
    "Mathieu", "Fontaine", "Denis", "Van den Broeck",
]  # fmt: skip
SEARCHED_NAME = LAST_NAMES[0]
STREETS = [
    "Rue de la Station", "Chaussée de Louvain", "Rue Haute", "Avenue Louise", "Rue du Moulin",
    "Kerkstraat", "Stationsstraat", "Veldstraat", "Molenstraat", "Dorpsstraat", "Rue de l'Église",
    "Place communale", "Nieuwstraat", "Schoolstraat", "Rue des Écoles",
]  # fmt: skip
BANKS = ["001", "068", "063", "363", "734", "751", "103", "000"]
VACUUMED = ["members_office", "members_user", "members_user_groups", "members_member", "members_shareoperation"]


def national_number(birth: date, serial: int) -> str:
    """YYMMDD, a serial, then 97 minus the number modulo 97 (with a 2 in front for births from 2000)."""
    base = f"{birth:%y%m%d}{serial:03d}"
    modulus = int(base) if birth.year < 2000 else int("2" + base)
    return f"{base}{97 - modulus % 97:02d}"


def dotted(number: str) -> str:
    """A national register number as printed on the identity card: 85.07.01-123.45."""
    return f"{number[0:2]}.{number[2:4]}.{number[4:6]}-{number[6:9]}.{number[9:11]}"


def belgian_iban(rng: random.Random) -> str:
    bank, account = rng.choice(BANKS), rng.randrange(10_000_000)
    national = f"{bank}{account:07d}"
    bban = f"{national}{int(national) % 97 or 97:02d}"
    return f"BE{98 - int(bban + '111400') % 97:02d}{bban}"


def ascii_slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in plain.lower() if c.isalnum())


@dataclass
class Seeded:
    offices: list[Office]
    advisor: User  # an advisor of offices[0], with TOTP
    superuser: User
    members: list[Member]
    operations: int
    seconds: dict[str, float] = field(default_factory=dict)

    def count(self, office: Office, *, status: str | None = None, last_name: str | None = None) -> int:
        return sum(
            1
            for m in self.members
            if m.office_id == office.pk
            and (status is None or m.status == status)
            and (last_name is None or last_name in m.last_name)
        )

    def first_member(self, *, home: bool) -> Member:
        """An admitted member of the advisor's office (home) or of another one."""
        home_id = self.offices[0].pk
        return next(m for m in self.members if (m.office_id == home_id) == home and m.status == MemberStatus.MEMBER)


def seed_staff(rng: random.Random) -> tuple[list[Office], User, User, dict[int, list[User]]]:
    """The offices, 80 advisors (the first with TOTP, as the admin asks) and a superuser."""
    offices = [Office.objects.create(code=c, name=n, postal_code=p, city=city) for c, n, p, city in OFFICES]
    advisor_group = Group.objects.get(name=Role.ADVISOR.value)
    advisors = User.objects.bulk_create(
        User(
            email=f"advisor{k:02d}@example.be",
            password=make_password(None),
            first_name=rng.choice(FIRST_NAMES),
            last_name=rng.choice(LAST_NAMES),
            is_staff=True,
            office=offices[k % len(offices)],
        )
        for k in range(ADVISORS)
    )
    User.groups.through.objects.bulk_create(
        User.groups.through(user_id=user.pk, group_id=advisor_group.pk) for user in advisors
    )
    advisors_of: dict[int, list[User]] = {office.pk: [] for office in offices}
    for user in advisors:
        assert user.office_id is not None
        advisors_of[user.office_id].append(user)
    superuser = User.objects.create_superuser("admin.bench@example.be", None)
    for user in (advisors[0], superuser):
        TOTP.activate(user, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    return offices, advisors[0], superuser, advisors_of


def people(
    count: int, rng: random.Random, offices: list[Office], advisors_of: dict[int, list[User]]
) -> tuple[list[Member], list[User]]:
    """`count` natural persons and their logins, unsaved."""
    bics = {bank: bic_for(f"BE00{bank}000000000") for bank in BANKS}
    weights = [1 / (rank + 1) ** 0.6 for rank in range(len(LAST_NAMES))]
    first_birth, birth_days = date(1945, 1, 1), (date(2006, 12, 31) - date(1945, 1, 1)).days
    first_application, application_days = date(2019, 1, 7), (date(2026, 1, 30) - date(2019, 1, 7)).days
    used: set[tuple[date, int]] = set()
    members: list[Member] = []
    users: list[User] = []
    for number in range(1, count + 1):
        first_name, last_name = rng.choice(FIRST_NAMES), rng.choices(LAST_NAMES, weights)[0]
        birth = first_birth + timedelta(days=rng.randrange(birth_days))
        serial = rng.randrange(1, 999)
        while (birth, serial) in used:
            serial = rng.randrange(1, 999)
        used.add((birth, serial))
        office = rng.choice(offices)
        roll = rng.random()
        status = MemberStatus.APPLICANT if roll < 0.06 else MemberStatus.FORMER if roll < 0.14 else MemberStatus.MEMBER
        roll = rng.random()
        category = MemberCategory.A if roll < 0.9 else MemberCategory.B if roll < 0.97 else MemberCategory.C
        applied = first_application + timedelta(days=rng.randrange(application_days))
        admitted = left = None
        if status == MemberStatus.APPLICANT:
            applied = date(2026, 1, 30) - timedelta(days=rng.randrange(60))
        else:
            admitted = applied + timedelta(days=rng.randrange(7, 60))
        if status == MemberStatus.FORMER:
            left = applied + timedelta(days=rng.randrange(90, 1500))
        iban = belgian_iban(rng)
        member = Member(
            number=number,
            kind=PersonKind.NATURAL,
            category=category,
            status=status,
            first_name=first_name,
            last_name=last_name,
            birth_date=birth,
            national_number=national_number(birth, serial),
            street=f"{rng.choice(STREETS)} {rng.randrange(1, 250)}",
            postal_code=office.postal_code,
            city=office.city,
            phone=f"+32 4{rng.randrange(70, 100)} {rng.randrange(10, 100)} {rng.randrange(10, 100)} "
            f"{rng.randrange(10, 100)}",
            iban=iban,
            bic=bics[iban[4:7]],
            office=office,
            advisor=None
            if status == MemberStatus.APPLICANT and rng.random() < 0.5
            else rng.choice(advisors_of[office.pk]),
            applied_on=applied,
            admitted_on=admitted,
            left_on=left,
            exit_reason="Sortie volontaire" if left else "",
        )
        user = User(
            email=f"{ascii_slug(first_name)}.{ascii_slug(last_name)}.{number}@example.be",
            password=make_password(None),
            first_name=first_name,
            last_name=last_name,
            language=rng.choices(["fr", "nl", "en"], [55, 40, 5])[0],
        )
        members.append(member)
        users.append(user)
    return members, users


Line = tuple[date, int, ShareOperationKind, Member, int, str]  # date, member id, kind, member, quantity, reason


def register_lines(members: list[Member], rng: random.Random) -> list[Line]:
    """Each member's lines of the register, in the order they were written (date, then member)."""
    lines: list[Line] = []
    for member in members:
        if member.status == MemberStatus.APPLICANT:
            lines.append((member.applied_on, member.pk, ShareOperationKind.SUBSCRIPTION, member, 1, ""))
            continue
        assert member.admitted_on is not None
        held = rng.choices([1, 2, 3, 4], [50, 30, 12, 8])[0]
        lines.append((member.admitted_on, member.pk, ShareOperationKind.ISSUE, member, held, ""))
        if member.status == MemberStatus.FORMER:
            assert member.left_on is not None
            lines.append((member.left_on, member.pk, ShareOperationKind.BUYBACK, member, held, "Sortie volontaire"))
            continue
        roll = rng.random()
        later = member.admitted_on + timedelta(days=rng.randrange(30, 700))
        if roll < 0.25:
            lines.append((later, member.pk, ShareOperationKind.ISSUE, member, rng.randrange(1, 4), ""))
        elif roll < 0.35 and held > 1:
            lines.append((later, member.pk, ShareOperationKind.BUYBACK, member, held - 1, "Remboursement partiel"))
    lines.sort(key=lambda line: (line[0], line[1]))
    return lines


def seed(count: int) -> Seeded:
    """`count` members, their logins and register lines, 9 offices and 80 advisors, in bulk."""
    rng = random.Random(20260201)  # noqa: S311  # reproducible test data, no secret
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    offices, advisor, superuser, advisors_of = seed_staff(rng)
    members, users = people(count, rng, offices, advisors_of)
    assert all(nn.is_valid(m.national_number) for m in members)
    seconds["generate"] = time.perf_counter() - started

    with transaction.atomic():
        loading = time.perf_counter()
        User.objects.bulk_create(users, batch_size=BATCH)
        member_group = Group.objects.get(name=Role.MEMBER.value)
        User.groups.through.objects.bulk_create(
            (User.groups.through(user_id=user.pk, group_id=member_group.pk) for user in users), batch_size=BATCH
        )
        seconds["users"] = time.perf_counter() - loading
        loading = time.perf_counter()
        for user, member in zip(users, members, strict=True):
            member.user = user
        Member.objects.bulk_create(members, batch_size=BATCH)
        seconds["members"] = time.perf_counter() - loading

        loading = time.perf_counter()
        lines = register_lines(members, rng)
        ShareOperation.objects.bulk_create(
            (
                ShareOperation(
                    number=register_number,
                    key=f"bench:member:{member.number}:{kind.value}:{register_number}",
                    kind=kind,
                    member=member,
                    share_class=member.category,
                    quantity=quantity,
                    delta=quantity * HOLDING_SIGN[kind],
                    unit_value=NOMINAL_VALUE,
                    operation_date=day,
                    reason=reason,
                )
                for register_number, (day, _pk, kind, member, quantity, reason) in enumerate(lines, start=1)
            ),
            batch_size=BATCH,
        )
        for name, value in {"share_register": len(lines), "member_number": count}.items():
            RegisterCounter.objects.update_or_create(name=name, defaults={"value": value})
        seconds["register"] = time.perf_counter() - loading
    loading = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {', '.join(VACUUMED)}")
    seconds["vacuum"] = time.perf_counter() - loading
    seconds["total"] = time.perf_counter() - started
    return Seeded(offices, advisor, superuser, members, len(lines), seconds)


@dataclass
class Scenario:
    label: str
    client: Client
    path: str
    params: dict[str, str]
    expected: int  # rows found: the admin's result count, the API's count
    api: bool

    def get(self) -> Any:
        response = self.client.get(self.path, self.params)
        assert response.status_code == 200, f"{self.label}: HTTP {response.status_code}"
        return response

    def found(self, response: Any) -> int:
        if self.api:
            return int(response.json()["count"])
        return int(response.context["cl"].result_count)


@dataclass
class Measured:
    scenario: Scenario
    timings: list[float]  # wall clock, ms
    cpu: list[float]  # CPU time of this process (Django, not PostgreSQL), ms
    queries: list[dict[str, str]]

    @property
    def median(self) -> float:
        return statistics.median(self.timings)

    @property
    def p95(self) -> float:
        return percentile(self.timings, 0.95)

    @property
    def met(self) -> bool:
        return self.p95 < TARGET_P95_MS

    @property
    def sql_ms(self) -> float:
        return sum(float(q["time"]) for q in self.queries) * 1000

    @property
    def slowest(self) -> dict[str, str]:
        return max(self.queries, key=lambda q: float(q["time"]))

    def row(self) -> list[str]:
        return [
            self.scenario.label,
            f"{self.scenario.expected:,}",
            str(len(self.timings)),
            f"{self.median:.1f}",
            f"{self.p95:.1f}",
            f"{max(self.timings):.1f}",
            f"{statistics.median(self.cpu):.1f}",
            str(len(self.queries)),
            f"{self.sql_ms:.0f}",
            f"{float(self.slowest['time']) * 1000:.0f}",
            "PASS" if self.met else "MISS",
        ]


HEADERS = [
    "request",
    "rows found",
    "n",
    "median ms",
    "p95 ms",
    "max ms",
    "app CPU ms",
    "queries",
    "SQL ms",
    "slowest SQL ms",
    "p95 < 300",
]


def measure(scenario: Scenario) -> Measured:
    first = scenario.get()
    found = scenario.found(first)
    assert found == scenario.expected, f"{scenario.label}: found {found} rows, expected {scenario.expected}"
    with CaptureQueriesContext(connection) as captured:
        scenario.get()
    queries = list(captured.captured_queries)  # the next request empties connection.queries
    timings: list[float] = []
    cpu: list[float] = []
    for _ in range(WARM_UP):
        scenario.get()
    for _ in range(READS):
        started, started_cpu = time.perf_counter(), time.process_time()
        scenario.get()
        timings.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return Measured(scenario, timings, cpu, queries)


def explain(sql: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql)
        return [row[0] for row in cursor.fetchall()]


def test_members_lists(raw_connection: psycopg.Connection[Any]) -> None:
    count = bench_size("BENCH_MEMBERS", 50_000)
    seeded = seed(count)
    home, away = seeded.offices[0], seeded.offices[1]
    assert Member.objects.count() == count
    assert ShareOperation.objects.count() == seeded.operations

    advisor, superuser = Client(), Client()
    advisor.force_login(seeded.advisor)
    superuser.force_login(seeded.superuser)
    own, other = seeded.first_member(home=True), seeded.first_member(home=False)
    in_reach = seeded.count(home)
    name_home = seeded.count(home, last_name=SEARCHED_NAME)
    name_all = sum(seeded.count(office, last_name=SEARCHED_NAME) for office in seeded.offices)
    home_members = seeded.count(home, status=MemberStatus.MEMBER)
    away_members = seeded.count(away, status=MemberStatus.MEMBER)
    status_office_home = {"status": "member", "office__id__exact": str(home.pk)}
    status_office_away = {"status": "member", "office__id__exact": str(away.pk)}
    scenarios = [
        Scenario("admin list, advisor", advisor, ADMIN, {}, in_reach, api=False),
        Scenario("admin list, superuser", superuser, ADMIN, {}, count, api=False),
        Scenario(f"admin ?q={SEARCHED_NAME}, advisor", advisor, ADMIN, {"q": SEARCHED_NAME}, name_home, api=False),
        Scenario(f"admin ?q={SEARCHED_NAME}, superuser", superuser, ADMIN, {"q": SEARCHED_NAME}, name_all, api=False),
        Scenario("admin ?status=member&office, advisor", advisor, ADMIN, status_office_home, home_members, api=False),
        Scenario(
            "admin ?status=member&office, superuser", superuser, ADMIN, status_office_away, away_members, api=False
        ),
        Scenario("admin ?q=<NN with dots>, advisor", advisor, ADMIN, {"q": dotted(own.national_number)}, 1, api=False),
        Scenario(
            "admin ?q=<NN with dots>, superuser", superuser, ADMIN, {"q": dotted(other.national_number)}, 1, api=False
        ),
        Scenario("api page 1, advisor", advisor, API, {}, in_reach, api=True),
        Scenario(f"api ?q={SEARCHED_NAME}, advisor", advisor, API, {"q": SEARCHED_NAME}, name_home, api=True),
        Scenario("api ?q=<NN with dots>, advisor", advisor, API, {"q": dotted(own.national_number)}, 1, api=True),
        Scenario("api ?status=member, advisor", advisor, API, {"status": "member"}, home_members, api=True),
        Scenario("api page 1, superuser", superuser, API, {}, count, api=True),
    ]
    results = [measure(scenario) for scenario in scenarios]
    misses = [r for r in results if not r.met]

    s = seeded.seconds
    print_table(
        f"Member lists: {count:,} members ({in_reach:,} in the advisor's office), {seeded.operations:,} register "
        f"lines, {len(seeded.offices)} offices, {ADVISORS} advisors; target p95 < {TARGET_P95_MS:.0f} ms",
        HEADERS,
        [r.row() for r in results],
        [
            f"{READS} timed requests after {WARM_UP} warm-up requests each, through django.test.Client in-process; "
            "app CPU ms: median CPU time of the Django process per request (PostgreSQL excluded); queries, "
            "SQL ms (their sum) and slowest SQL ms from one more request under CaptureQueriesContext",
            f"admin: {MemberAdmin.list_per_page} rows a page; API: 50 rows a page; "
            f"NN = a national register number typed {dotted(own.national_number)}",
            f"seed: generate {s['generate']:.1f} s, users {s['users']:.1f} s, members {s['members']:.1f} s, "
            f"register {s['register']:.1f} s, VACUUM (ANALYZE) {s['vacuum']:.1f} s; total {s['total']:.1f} s",
            server_description(raw_connection),
        ],
    )
    for result in misses:
        share = result.sql_ms / result.median
        print(
            f"   MISS {result.scenario.label}: p95 {result.p95:.1f} ms; its {len(result.queries)} queries take "
            f"{result.sql_ms:.0f} ms of the median {result.median:.1f} ms ({share:.0%}), the rest is Django "
            f"(app CPU {statistics.median(result.cpu):.1f} ms: views, template, serializer)"
        )
        if share >= SQL_SHARE_EXPLAINED:
            print(f"     plan of its slowest statement: {result.slowest['sql']}")
            for line in explain(result.slowest["sql"]):
                print(f"       {line}")
    print(flush=True)
    missed = [r.scenario.label for r in misses]
    assert not missed, (
        f"{len(misses)} of {len(results)} member lists miss the target p95 < {TARGET_P95_MS:.0f} ms: "
        + "; ".join(f"{r.scenario.label}: p95 {r.p95:.1f} ms" for r in misses)
        + " (the MISS lines under the table say how much of it is SQL)"
    )
