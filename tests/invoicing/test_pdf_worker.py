"""A real Celery worker builds the PDF of an issued invoice, once, whatever is queued twice.

The invoice is issued in a transaction that commits, so what the issue queues reaches Redis (its
delivery, which builds the PDF too, then sends it). The worker is a separate process on the suite's
test database (`tests.support.celery_worker`), on a queue of this test's own, so another suite
running at the same time neither takes its tasks nor gives it theirs.
"""

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader

from activities.models import ThirdParty
from invoicing.models import Invoice
from invoicing.tasks import invoice_build_pdf
from smartcoop.celery import app
from tests.invoicing.conftest import MakeInvoice
from tests.support import ROOT, celery_worker, worker_output

BUILD_SUCCEEDED = "invoicing.tasks.invoice_build_pdf["


@pytest.fixture
def worker(transactional_db: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[subprocess.Popen[str]]:
    # The delivery runs on this worker too: what it sends lands in this test's directory.
    monkeypatch.setenv("PEPPOL_DIRECTORY", str(tmp_path / "peppol"))
    queue = f"test-invoice-pdf-{os.getpid()}"
    default_queue = app.conf.task_default_queue
    app.conf.task_default_queue = queue  # every task this test sends goes there
    try:
        with celery_worker("invoice-pdf-worker", queue=queue) as process:
            yield process
    finally:
        app.conf.task_default_queue = default_queue


def _succeeded_builds(log: list[str]) -> int:
    return sum(1 for line in list(log) if BUILD_SUCCEEDED in line and " succeeded in " in line)


@pytest.mark.django_db(transaction=True)
def test_the_worker_builds_an_issued_invoices_pdf_once(
    worker: subprocess.Popen[str], make_invoice: MakeInvoice, client_be: ThirdParty
) -> None:
    log = worker_output(worker)
    invoice = make_invoice(client_be)  # committed: the issue's own task (delivery) is queued too
    invoices_dir = Path(ROOT) / ".data" / "media" / "invoices" / "2026"
    before = set(invoices_dir.iterdir()) if invoices_dir.exists() else set()

    invoice_build_pdf.delay(invoice.pk)
    invoice_build_pdf.delay(invoice.pk)  # a retry, or a second request: it renders nothing more

    deadline = time.monotonic() + 90
    while _succeeded_builds(log) < 2:
        assert worker.poll() is None, "".join(log) or "worker died"
        assert time.monotonic() < deadline, "the worker did not run both builds within 90 s:\n" + "".join(log)
        time.sleep(0.2)
    stored = Invoice.objects.get(pk=invoice.pk)
    name = stored.pdf.name or ""
    # The worker writes under its own MEDIA_ROOT (the project's); read the file there, then remove it.
    path = Path(ROOT) / ".data" / "media" / name
    created = [p for p in set(invoices_dir.iterdir()) - before if p.name.startswith(str(invoice.number))]
    try:
        assert name.startswith(f"invoices/2026/{invoice.number}") and stored.pdf_pages == 1
        reader = PdfReader(str(path))
        assert len(reader.pages) == 1
        assert str(invoice.number) in reader.pages[0].extract_text()
        assert created == [path], "built once: one file, whatever was queued"
        assert [line for line in log if BUILD_SUCCEEDED in line and " succeeded in " in line and ": 1" in line]
    finally:
        for leftover in created:
            leftover.unlink(missing_ok=True)
