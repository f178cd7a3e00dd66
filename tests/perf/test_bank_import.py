"""Importing a day's bank statement against a year's open invoices: under TARGET_SECONDS.

BENCH_BANK_INVOICES open invoices (default 250,000) are loaded in bulk (rows, not `invoice_issue`,
which would take hours), each with its number and structured communication, over
BENCH_BANK_CLIENTS clients (default 5,000). A statement of BENCH_BANK_LINES lines (default 10,000)
is written as a CODA file by `coda_write` and imported by `statement_import`, timed whole (reading,
checking, matching, the payments through `invoice_payments_record_many` with their postings, audit
rows and notifications, the suspense posting, the commit). The lines are a realistic day's mix:

- 40 % an invoice's exact structured communication (each paid in full through the payment service);
- 10 % a communication with wrong check digits (suggestions only);
- 25 % no communication, the amount of an open invoice and its client's name (to review, suggested);
- 25 % nothing we know (to review, booked to suspense).

The references of a statement are looked up in one query, the amounts in one: the time is the
payments' and postings' own, not the lookups', so it grows with the lines, not with the invoices.
The table parts it: the time inside the payments (and, of it, the members' notifications), inside
the suspense posting, and the rest (reading, checking, matching, writing the lines, committing).
Booked one posting per payment, each in a nested atomic block (a subtransaction), the import took
569 s: past 64 subtransactions PostgreSQL's snapshot checks consult pg_subtrans, and every update
of the same maintained totals (550's balance and its day) grew slower. The payments of a day are
now one posting, and nothing in the import takes a savepoint.
"""

import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import psycopg
from django.db import connection, transaction
from django.db.models import Count

from activities.models import ThirdParty
from invoicing.bank import statements
from invoicing.bank.coda import coda_write
from invoicing.bank.data import LineData, StatementData
from invoicing.bank.statements import statement_import
from invoicing.models import BankStatementLine, Invoice, InvoiceKind, InvoiceStatus, LineStatus
from invoicing.services import payments
from invoicing.services.invoices import REFERENCE_BASE, invoice_number_text
from members.identity import structured_communication
from members.models import Office, User
from smartcoop.ledger.models import AnalyticAccount
from smartcoop.models import CooperativeEntity
from tests.conftest import BELGIAN_ENTITY
from tests.perf.bench import BENCH, bench_size, print_table, server_description

pytestmark = BENCH

TARGET_SECONDS = 30.0
BATCH = 5_000
BOOKED_ON = date(2026, 11, 30)
WORDS = [
    "Atelier", "Studio", "Théâtre", "Compagnie", "Collectif", "Maison", "Galerie", "Festival", "Librairie",
    "Brasserie", "Fondation", "Centre", "Éditions", "Ferme", "Café", "Cinéma", "Radio", "École",
]  # fmt: skip
PLACES = [
    "de la Balsamine", "du Marais", "des Capucins", "Lumière", "Saint-Gilles", "de Namur", "du Parc", "Flagey",
    "des Arts", "de Liège", "Mosan", "du Nord", "Ixelles", "du Sablon", "Horta", "de Gand", "Molière", "Anspach",
]  # fmt: skip


@dataclass
class _Timer:
    seconds: float = 0.0
    calls: int = 0


@contextmanager
def _timed(module: Any, name: str) -> Iterator[_Timer]:
    """The time spent in `module.name` while the block runs (the function wrapped, then restored)."""
    timer, original = _Timer(), getattr(module, name)

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            timer.seconds += time.perf_counter() - started
            timer.calls += 1

    setattr(module, name, wrapped)
    try:
        yield timer
    finally:
        setattr(module, name, original)


def _wrong(reference: str) -> str:
    digits = "".join(char for char in reference if char.isdigit())
    return f"+++{digits[:3]}/{digits[3:7]}/{digits[7:10]}{(int(digits[10:]) % 97) + 1:02d}+++"


def _load(invoice_count: int, client_count: int, rng: random.Random) -> tuple[list[Invoice], User]:
    entity, _created = CooperativeEntity.objects.get_or_create(country="BE", defaults=BELGIAN_ENTITY)
    office = Office.objects.create(code="bench", name="Bench", city="Bruxelles")
    user = User.objects.create_user(email="bench.importer@example.be", password=None, office=office, is_staff=True)
    analytic = AnalyticAccount.objects.create(code="BENCH-BANK", name="Bench")
    with transaction.atomic():
        clients = ThirdParty.objects.bulk_create(
            (
                ThirdParty(
                    name=f"{rng.choice(WORDS)} {rng.choice(PLACES)} {n}",
                    street="Rue Haute 1",
                    postal_code="1000",
                    city="Bruxelles",
                    created_by=user,
                )
                for n in range(client_count)
            ),
            batch_size=BATCH,
        )
        with connection.cursor() as cursor:
            cursor.execute("SELECT coalesce(max(id), 0) FROM invoicing_invoice")
            (first_id,) = cursor.fetchone() or (0,)
        invoices = []
        for n in range(1, invoice_count + 1):
            pk = first_id + n
            client = clients[n % client_count]
            total = Decimal(rng.randrange(5_000, 500_000)) / 100
            excl = (total / Decimal("1.21")).quantize(Decimal("0.01"))
            issued = BOOKED_ON - timedelta(days=rng.randrange(1, 330))
            invoices.append(
                Invoice(
                    pk=pk,
                    kind=InvoiceKind.INVOICE,
                    status=InvoiceStatus.ISSUED,
                    entity=entity,
                    analytic=analytic,
                    office=office,
                    contribution_rate=Decimal("0.0650"),
                    client=client,
                    client_name=client.name,
                    language="fr",
                    series="F",
                    year=issued.year,
                    sequence=n,
                    number=invoice_number_text("F", issued.year, n),
                    reference=structured_communication(REFERENCE_BASE + pk),
                    issue_date=issued,
                    due_date=issued + timedelta(days=30),
                    total_excl_vat=excl,
                    total_vat=total - excl,
                    total_incl_vat=total,
                    created_by=user,
                )
            )
        Invoice.objects.bulk_create(invoices, batch_size=BATCH)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('invoicing_invoice', 'id'),"
                " (SELECT max(id) FROM invoicing_invoice))"
            )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) invoicing_invoice")
    return invoices, user


def _statement(invoices: list[Invoice], line_count: int, rng: random.Random) -> tuple[StatementData, dict[str, int]]:
    chosen = rng.sample(invoices, line_count)
    lines, mix = [], {"exact": 0, "wrong check digits": 0, "amount and name": 0, "unknown": 0}
    for n, invoice in enumerate(chosen):
        share = n % 20
        iban = f"BE{rng.randrange(10**14):014d}"
        if share < 8:
            kind, line = (
                "exact",
                LineData(
                    amount=invoice.total_incl_vat,
                    counterparty_name=invoice.client_name.upper()[:35],
                    counterparty_iban=iban,
                    communication=invoice.reference or "",
                    structured=True,
                ),
            )
        elif share < 10:
            kind, line = "wrong check digits", LineData(
                amount=invoice.total_incl_vat, counterparty_name=invoice.client_name.upper()[:35],
                communication=_wrong(invoice.reference or ""), structured=True,
            )  # fmt: skip
        elif share < 15:
            kind, line = "amount and name", LineData(
                amount=invoice.total_incl_vat, counterparty_name=invoice.client_name.upper()[:35],
                communication=f"Facture {invoice.issue_date:%B}", counterparty_iban=iban,
            )  # fmt: skip
        else:
            kind, line = "unknown", LineData(
                amount=Decimal(rng.randrange(100, 90_000)) / 100, counterparty_name=f"DONATEUR {n}",
                communication=f"Don {n}",
            )  # fmt: skip
        mix[kind] += 1
        lines.append(line)
    data = StatementData(
        account_iban=str(BELGIAN_ENTITY["iban"]),
        statement_id="2026-240",
        date=BOOKED_ON,
        opening_balance=Decimal("250000.00"),
        lines=lines,
        account_holder="SmartCoop",
        bic="GKCCBEBB",
    )
    return data, mix


def test_a_days_statement_imports_within_target_against_a_years_open_invoices(
    raw_connection: psycopg.Connection[Any],
) -> None:
    invoice_count = bench_size("BENCH_BANK_INVOICES", 250_000)
    line_count = bench_size("BENCH_BANK_LINES", 10_000)
    client_count = bench_size("BENCH_BANK_CLIENTS", 5_000)
    rng = random.Random(20261130)  # noqa: S311  # reproducible test data, no secret
    loading = time.perf_counter()
    invoices, _user = _load(invoice_count, client_count, rng)
    loaded = time.perf_counter() - loading
    data, mix = _statement(invoices, line_count, rng)
    content = coda_write(data)

    statements_run = [0]

    def counted(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        statements_run[0] += 1
        return execute(sql, params, many, context)

    with (
        connection.execute_wrapper(counted),
        _timed(statements, "invoice_payments_record_many") as paying,
        _timed(payments, "notify") as notifying,
        _timed(statements, "_to_suspense") as suspending,
    ):
        started = time.perf_counter()
        result = statement_import(content=content, file_name="bench.cod", actor=None)
        seconds = time.perf_counter() - started
    queries = statements_run[0]

    statuses = dict(
        BankStatementLine.objects.filter(statement=result.statement)
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    print_table(
        f"Bank statement import: {line_count:,} lines against {invoice_count:,} open invoices",
        ["measure", "value"],
        [
            ["import, commit included", f"{seconds:.2f} s"],
            ["per line", f"{seconds / line_count * 1000:.2f} ms"],
            ["of which in the payments", f"{paying.seconds:.2f} s ({paying.calls:,} calls)"],
            ["of which notifications", f"{notifying.seconds:.2f} s ({notifying.calls:,} calls)"],
            ["of which suspense postings", f"{suspending.seconds:.2f} s ({suspending.calls:,} calls)"],
            ["SQL statements", f"{queries:,}"],
            ["SQL statements per line", f"{queries / line_count:.1f}"],
            *[[f"lines: {kind}", f"{count:,}"] for kind, count in mix.items()],
            *[[f"status {status}", f"{count:,}"] for status, count in sorted(statuses.items())],
            ["bulk load of the invoices", f"{loaded:.1f} s"],
        ],
        notes=[server_description(raw_connection), f"target: under {TARGET_SECONDS:.0f} s"],
    )
    assert result.created
    assert result.matched == mix["exact"]
    assert statuses.get(LineStatus.MATCHED, 0) == mix["exact"]
    assert seconds < TARGET_SECONDS, f"the import took {seconds:.1f} s, over the {TARGET_SECONDS:.0f} s target"
