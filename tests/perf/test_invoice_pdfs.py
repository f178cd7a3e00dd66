"""Invoice PDFs per second per core: the real Celery worker against WeasyPrint alone, in the same run.

BENCH_INVOICE_PDFS invoices (default 1,000) are issued through the services, for three clients in
French, Dutch and English, with one to five lines at 21 % and 6 %, so most are one page and some
run longer. Then, in ROUNDS interleaved rounds (a slower minute of the shared machine lands on both
methods, not one), each round's share of the invoices is:

- built by the worker: `invoice_build_pdf` queued for each, timed from the first message sent to the
  last PDF stored (read the invoice again, render its HTML in its client's language, lay it out,
  write the PDF to storage, record it). One worker process, `--pool solo`: concurrency 1, one core,
  so its PDFs per second are its PDFs per second per core. Its CPU time is read from /proc too;
- laid out by WeasyPrint directly, in a loop in this process, from the same HTML rendered
  beforehand (`invoice_pdf_html`, untimed): `HTML(string=...).render()` and `write_pdf()`, nothing
  fetched, nothing stored.

The ratio worker / direct is the share of WeasyPrint's own speed the whole path keeps: what the
database, the template, Celery and the storage cost on top. Target: at least TARGET_RATIO.

The worker listens on a queue of this run's own and writes under the project's MEDIA_ROOT; the
PDFs it wrote are removed at the end.
"""

import os
import statistics
import subprocess
import time
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
from weasyprint import HTML  # type: ignore[import-untyped]

from activities.models import Activity, ThirdParty
from activities.services import third_party_add
from activities.services.third_parties import ThirdPartyData
from invoicing.documents import invoice_pdf_html
from invoicing.issuers import activity_issuer
from invoicing.models import Invoice
from invoicing.services.invoices import InvoiceData, LineData, invoice_draft_create, invoice_issue
from invoicing.tasks import invoice_build_pdf
from members.models import Member
from smartcoop.celery import app
from tests.invoicing import conftest as invoicing_fixtures
from tests.perf.bench import BENCH, bench_size, print_table, server_description
from tests.support import ROOT, celery_worker, worker_output

pytestmark = BENCH

# The Activity and its clients, as the invoicing tests have them.
activity = invoicing_fixtures.activity
advisor = invoicing_fixtures.advisor
client_be = invoicing_fixtures.client_be
client_us = invoicing_fixtures.client_us
holder = invoicing_fixtures.holder
make_activity = invoicing_fixtures.make_activity
musician = invoicing_fixtures.musician

TARGET_RATIO = 0.8
ROUNDS = 5
WORKER_CONCURRENCY = 1  # tests.support.celery_worker runs --pool solo
ISSUED_ON = date(2026, 3, 10)
TIMEOUT_SECONDS = 1800
LINES = [
    ("Concert du 28 février, deux sets", "1", "1200.00", "21"),
    ("Répétitions et balances", "6", "45.50", "21"),
    ("Affiches A2, impression quadri", "150", "1.85", "6"),
    ("Frais de déplacement, forfait", "1", "80.00", "21"),
    ("Programmes imprimés", "300", "0.4125", "6"),
]


def _client_nl(activity: Activity, holder: Member) -> ThirdParty:
    data = ThirdPartyData(
        kind="company",
        name="Muziekcentrum De Kreun vzw",
        street="Conservatoriumplein 1",
        postal_code="8500",
        city="Kortrijk",
        country="BE",
        language="nl",
        email="facturen@example.be",
        vat_number="BE0456789034",
    )
    return third_party_add(activity=activity, data=data, actor=holder.user)


def _issue(activity: Activity, holder: Member, clients: list[ThirdParty], n: int) -> list[Invoice]:
    """`n` invoices through the services: drafted, then issued, each in its own committed transaction."""
    issuer = activity_issuer(activity)
    invoices = []
    for i in range(n):
        lines = [
            LineData(description=d, quantity=Decimal(q), unit_price=Decimal(p), vat_category="S", vat_rate=Decimal(r))
            for d, q, p, r in LINES[: 1 + i % len(LINES)]
        ]
        draft = invoice_draft_create(
            issuer=issuer,
            data=InvoiceData(client=clients[i % len(clients)], lines=lines, buyer_reference=f"Commande {i}"),
            actor=holder.user,
        )
        invoices.append(invoice_issue(invoice=draft, actor=holder.user, on=ISSUED_ON))
    return invoices


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _stored(ids: list[int]) -> int:
    return Invoice.objects.filter(pk__in=ids).exclude(pdf="").count()


def _wait_stored(ids: list[int], worker: subprocess.Popen[str], log: list[str], deadline: float) -> None:
    while _stored(ids) < len(ids):
        assert worker.poll() is None, "".join(log[-50:]) or "worker died"
        assert time.monotonic() < deadline, "the worker fell behind the benchmark's time limit:\n" + "".join(log[-50:])
        time.sleep(0.05)


@dataclass
class Method:
    """What one method did over the rounds: PDFs, wall seconds, CPU seconds, rate of each round."""

    pdfs: int = 0
    seconds: float = 0.0
    cpu: float = 0.0
    rates: list[float] = field(default_factory=list)

    def add(self, pdfs: int, seconds: float, cpu: float) -> None:
        self.pdfs += pdfs
        self.seconds += seconds
        self.cpu += cpu
        self.rates.append(pdfs / seconds)

    @property
    def rate(self) -> float:
        return self.pdfs / self.seconds

    def row(self, label: str, concurrency: int) -> list[str]:
        return [
            label,
            f"{self.pdfs:,}",
            f"{self.seconds:.1f}",
            f"{self.rate:.2f}",
            f"{self.rate / concurrency:.2f}",
            f"{self.pdfs / self.cpu:.2f}" if self.cpu else "?",
            f"{min(self.rates):.2f}",
            f"{max(self.rates):.2f}",
        ]


def _by_worker(ids: list[int], process: subprocess.Popen[str], log: list[str], deadline: float) -> tuple[float, float]:
    """Queue a build for each invoice and wait until every PDF is stored: (wall seconds, worker CPU seconds)."""
    cpu = _cpu_seconds(process.pid)
    started = time.perf_counter()
    for pk in ids:
        invoice_build_pdf.delay(pk)
    _wait_stored(ids, process, log, deadline)
    return time.perf_counter() - started, _cpu_seconds(process.pid) - cpu


def _directly(htmls: list[str], pages: list[int], sizes: list[int]) -> tuple[float, float]:
    """WeasyPrint alone on each HTML, in this process: (wall seconds, CPU seconds)."""
    cpu = time.process_time()
    started = time.perf_counter()
    for html in htmls:
        document = HTML(string=html).render()
        pdf = document.write_pdf()
        pages.append(len(document.pages))
        sizes.append(len(pdf))
    return time.perf_counter() - started, time.process_time() - cpu


def test_invoice_pdfs_per_second_per_core(
    raw_connection: psycopg.Connection[Any],
    activity: Activity,
    holder: Member,
    client_be: ThirdParty,
    client_us: ThirdParty,
) -> None:
    n = bench_size("BENCH_INVOICE_PDFS", 1_000)
    queue = f"bench-invoice-pdfs-{os.getpid()}"
    default_queue = app.conf.task_default_queue
    app.conf.task_default_queue = queue  # every task this process sends goes to the worker started below
    written: list[Path] = []
    worker, direct = Method(), Method()
    direct_pages: list[int] = []
    direct_sizes: list[int] = []
    try:
        clients = [client_be, _client_nl(activity, holder), client_us]
        issuing = time.perf_counter()
        warm_up, *invoices = _issue(activity, holder, clients, n + 1)
        issue_seconds = time.perf_counter() - issuing
        ids = [invoice.pk for invoice in invoices]
        # The same HTML the worker lays out, rendered beforehand for the direct loop (untimed).
        htmls = [invoice_pdf_html(invoice) for invoice in invoices]
        bounds = [n * r // ROUNDS for r in range(ROUNDS + 1)]

        # Issued before the worker starts: the deliveries the issues queued are purged with its queue.
        with celery_worker("bench-invoice-pdfs", queue=queue) as process:
            log = worker_output(process)
            deadline = time.monotonic() + TIMEOUT_SECONDS
            invoice_build_pdf.delay(warm_up.pk)  # the worker loads WeasyPrint, fonts and templates
            _wait_stored([warm_up.pk], process, log, deadline)
            HTML(string=invoice_pdf_html(warm_up)).render().write_pdf()  # and so does this process
            for r in range(ROUNDS):
                part = slice(bounds[r], bounds[r + 1])
                for method in ("worker", "direct") if r % 2 == 0 else ("direct", "worker"):
                    if method == "worker":
                        worker.add(len(ids[part]), *_by_worker(ids[part], process, log, deadline))
                    else:
                        direct.add(len(htmls[part]), *_directly(htmls[part], direct_pages, direct_sizes))

        stored = list(Invoice.objects.filter(pk__in=[warm_up.pk, *ids]).order_by("pk"))
        written = [Path(ROOT) / ".data" / "media" / str(invoice.pdf.name) for invoice in stored if invoice.pdf]
        assert len(written) == n + 1, "every invoice has its PDF"
        assert [invoice.pdf_pages for invoice in stored[1:]] == direct_pages, "the same documents, page for page"
        stored_sizes = [path.stat().st_size for path in written[1:]]
        description = server_description(raw_connection)
    finally:
        app.conf.task_default_queue = default_queue
        for path in written:
            path.unlink(missing_ok=True)

    ratio = worker.rate / direct.rate
    verdict = "met" if ratio >= TARGET_RATIO else "MISSED"
    pages = sorted(direct_pages)
    print_table(
        f"Invoice PDFs: {n:,} invoices, {ROUNDS} interleaved rounds",
        ["method", "PDFs", "seconds", "PDFs/s", "PDFs/s/core", "PDFs/CPU-s", "slowest round/s", "fastest round/s"],
        [
            worker.row("worker: invoice_build_pdf on a real Celery worker (solo)", WORKER_CONCURRENCY),
            direct.row("direct: WeasyPrint render + write_pdf of the same HTML", 1),
        ],
        [
            f"worker / direct = {ratio:.3f}   (target >= {TARGET_RATIO}: {verdict})",
            f"worker concurrency {WORKER_CONCURRENCY} (--pool solo, one process): PDFs/s/core = PDFs/s",
            f"pages per invoice: median {statistics.median(pages)}, max {pages[-1]}",
            f"PDF size: median {statistics.median(stored_sizes) / 1024:.1f} KiB stored,"
            f" {statistics.median(direct_sizes) / 1024:.1f} KiB direct",
            f"issuing the {n + 1:,} invoices through the services took {issue_seconds:.1f} s (not measured above)",
            "PDFs/s round by round, worker: " + " ".join(f"{r:.2f}" for r in worker.rates),
            "PDFs/s round by round, direct: " + " ".join(f"{r:.2f}" for r in direct.rates),
            description,
        ],
    )
    assert ratio >= TARGET_RATIO, f"the worker keeps {ratio:.2f} of WeasyPrint's speed, under {TARGET_RATIO}"
