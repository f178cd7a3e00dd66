"""An issued invoice reaches its client once: its UBL through the access point, or its PDF by e-mail.

Real pieces throughout: the directory access point writes its outbox in the test's own folder,
e-mails go through Django's mail backend (the test's outbox, or a mail server that refuses),
PDFs are printed by WeasyPrint and read back with pypdf, and one test runs the task on a real
Celery worker process.
"""

import io
import os
import subprocess
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from hashlib import sha256
from pathlib import Path
from typing import ClassVar

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.db import connection
from django.utils import timezone, translation
from pypdf import PdfReader

from activities.models import ThirdParty
from invoicing.delivery import MAX_ATTEMPTS, invoice_deliver, invoices_awaiting_delivery
from invoicing.documents import invoice_pdf_bytes
from invoicing.models import Invoice, PeppolDirection, PeppolDocument, PeppolStatus
from invoicing.peppol import DirectoryAccessPoint, InboundFile, access_point
from invoicing.services.invoices import credit_note_create, invoice_issue
from invoicing.tasks import invoice_deliver as invoice_deliver_task
from invoicing.tasks import invoice_deliver_pending
from invoicing.ubl import invoice_ubl
from invoicing.ubl_rules import ubl_problems
from smartcoop.audit.models import AuditEntry
from smartcoop.celery import app
from smartcoop.money import amount_text
from smartcoop.tasks import worker_heartbeat
from tests.invoicing.conftest import line
from tests.support import ROOT, celery_worker, worker_output


@pytest.fixture(autouse=True)
def _folders(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"  # the PDFs of a test land in its own directory
    settings.PEPPOL_DIRECTORY = tmp_path / "peppol"  # and so does the access point's outbox


def outbox() -> Path:
    return Path(django_settings.PEPPOL_DIRECTORY) / "outbox"


def outbound(invoice: Invoice) -> PeppolDocument:
    return PeppolDocument.objects.get(invoice=invoice, direction=PeppolDirection.OUTBOUND)


def actions(invoice: Invoice) -> list[str]:
    return list(
        AuditEntry.objects.filter(object_id=str(invoice.pk), action__startswith="invoice.")
        .exclude(action__in=["invoice.draft_saved", "invoice.issued", "invoice.credit_note_issued"])
        .order_by("pk")
        .values_list("action", flat=True)
    )


def without_peppol_id(client: ThirdParty) -> ThirdParty:
    ThirdParty.objects.filter(pk=client.pk).update(peppol_id="")
    client.refresh_from_db()
    return client


# --- Peppol ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_peppol_client_receives_the_ubl_through_the_access_point_once(make_invoice, client_be):
    invoice = make_invoice(client_be, line("Concert", "2", "500"))
    assert invoice.client_peppol_id == "0208:0403019261"

    assert invoice_deliver(invoice_id=invoice.pk) == PeppolStatus.SENT

    written = outbox() / "F2026-000001.xml"
    invoice.refresh_from_db()
    assert written.read_bytes() == invoice_ubl(invoice)  # the document, with the stored PDF inside
    assert ubl_problems(written.read_bytes()) == []
    row = outbound(invoice)
    assert (row.status, row.attempts, row.errors) == (PeppolStatus.SENT, 1, [])
    assert (row.sender_id, row.receiver_id) == ("0208:0754316243", "0208:0403019261")
    assert row.document_number == "F2026-000001" and row.file_name == "F2026-000001.xml"
    assert row.transmission_id.startswith("directory:") and row.sha256 in row.transmission_id
    assert row.done_at is not None
    assert actions(invoice) == ["invoice.sent_peppol"]
    assert mail.outbox == []

    # Run again (a retried or redelivered task): nothing is sent, nothing is recorded.
    sent_at = written.stat().st_mtime_ns
    assert invoice_deliver(invoice_id=invoice.pk) == PeppolStatus.SENT
    assert written.stat().st_mtime_ns == sent_at
    assert outbound(invoice).attempts == 1
    assert actions(invoice) == ["invoice.sent_peppol"]
    assert PeppolDocument.objects.filter(invoice=invoice).count() == 1


@pytest.mark.django_db
def test_a_document_with_problems_is_never_sent(make_invoice, client_be):
    # A Peppol identifier in a scheme Peppol does not know: the document would be refused.
    ThirdParty.objects.filter(pk=client_be.pk).update(peppol_id="9999:0403019261")
    client_be.refresh_from_db()
    invoice = make_invoice(client_be)

    assert invoice_deliver(invoice_id=invoice.pk) == PeppolStatus.FAILED

    row = outbound(invoice)
    assert row.status == PeppolStatus.FAILED
    assert [error.split(":")[0] for error in row.errors] == ["PEPPOL-EN16931-CL008"]
    assert not outbox().exists()
    assert mail.outbox == []
    assert actions(invoice) == ["invoice.delivery_failed"]


@pytest.mark.django_db
def test_a_malformed_peppol_identifier_fails_saying_what_to_correct(make_invoice, client_be):
    ThirdParty.objects.filter(pk=client_be.pk).update(peppol_id="0403019261")
    client_be.refresh_from_db()
    invoice = make_invoice(client_be)
    assert invoice_deliver(invoice_id=invoice.pk) == PeppolStatus.FAILED
    (error,) = outbound(invoice).errors
    assert "0403019261" in error and "0208:0403019261" in error
    assert not outbox().exists()


@pytest.mark.django_db
def test_an_access_point_that_refuses_for_now_is_tried_again(make_invoice, client_be, settings, tmp_path):
    invoice = make_invoice(client_be)
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    settings.PEPPOL_DIRECTORY = blocked  # the outbox cannot be created: the access point is away

    with pytest.raises(OSError):
        invoice_deliver(invoice_id=invoice.pk)  # Celery retries on OSError (autoretry_for)

    row = outbound(invoice)
    assert (row.status, row.attempts) == (PeppolStatus.QUEUED, 1)  # still the platform's to send
    assert row.errors and row.errors[0].split(":")[0] in ("FileExistsError", "NotADirectoryError")

    settings.PEPPOL_DIRECTORY = tmp_path / "peppol"  # back
    assert invoice_deliver(invoice_id=invoice.pk) == PeppolStatus.SENT
    row.refresh_from_db()
    assert (row.status, row.attempts, row.errors) == (PeppolStatus.SENT, 2, [])
    assert actions(invoice) == ["invoice.delivery_failed", "invoice.sent_peppol"]


# --- e-mail ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_client_without_peppol_receives_the_pdf_by_email_once(make_invoice, client_fr):
    invoice = make_invoice(client_fr, line("Mixage", "8", "75", category="AE", rate="0"))
    assert invoice.client_peppol_id == ""

    assert invoice_deliver(invoice_id=invoice.pk) == PeppolStatus.EMAILED

    (message,) = mail.outbox
    assert message.to == ["factures@example.be"]
    assert "F2026-000001" in message.subject
    ((name, content, mimetype),) = message.attachments
    assert (name, mimetype) == ("F2026-000001.pdf", "application/pdf")
    invoice.refresh_from_db()
    assert content == invoice_pdf_bytes(invoice)
    assert "F2026-000001" in PdfReader(io.BytesIO(content)).pages[0].extract_text()
    # In the client's language (French): amounts and dates as a French reader writes them.
    assert amount_text(invoice.total_incl_vat, language="fr") in message.body  # 600,00 EUR
    assert invoice.reference in message.body and "BE36068200000081" in message.body
    assert invoice.due_date.strftime("%d/%m/%Y") in message.body
    row = outbound(invoice)
    assert (row.status, row.attempts, row.receiver_id) == (PeppolStatus.EMAILED, 1, "factures@example.be")
    assert row.transmission_id == message.extra_headers["Message-ID"]
    assert actions(invoice) == ["invoice.emailed"]
    assert not outbox().exists()

    assert invoice_deliver(invoice_id=invoice.pk) == PeppolStatus.EMAILED
    assert len(mail.outbox) == 1
    assert actions(invoice) == ["invoice.emailed"]


@pytest.mark.django_db
def test_the_email_speaks_the_invoices_language(make_invoice, client_us):
    invoice = make_invoice(client_us, line("Ampli", "1", "2400", category="G", rate="0"), supply_kind="goods")
    invoice_deliver(invoice_id=invoice.pk)
    (message,) = mail.outbox
    with translation.override("en"):
        assert message.subject == "Invoice F2026-000001 from Studio Dubois"
        assert message.body.startswith("Dear Brooklyn Sound Inc.,\n")
        assert "Please find attached our invoice F2026-000001 of 10/03/2026, for 2,400.00 EUR incl. VAT." in (
            message.body
        )
        assert f"with the structured communication {invoice.reference}." in message.body


@pytest.mark.django_db
def test_a_credit_note_is_emailed_as_a_set_off_not_a_request_to_pay(make_invoice, client_us, holder):
    invoice = make_invoice(client_us, line("Composition", "1", "1500", category="O", rate="0"))
    note = invoice_issue(
        invoice=credit_note_create(invoice=invoice, reason="Cancelled", actor=holder.user), actor=holder.user
    )
    assert invoice_deliver(invoice_id=note.pk) == PeppolStatus.EMAILED
    (message,) = mail.outbox
    with translation.override("en"):
        assert message.subject == f"Credit note {note.number} from Studio Dubois"
        assert "It is set off against invoice F2026-000001." in message.body
        assert "Please transfer" not in message.body
    assert message.attachments[0][0] == f"{note.number}.pdf"


@pytest.mark.django_db
def test_a_client_with_no_address_at_all_fails_with_a_clear_error(make_invoice, client_person):
    ThirdParty.objects.filter(pk=client_person.pk).update(email="")
    client_person.refresh_from_db()
    invoice = make_invoice(client_person)

    assert invoice_deliver(invoice_id=invoice.pk) == PeppolStatus.FAILED

    row = outbound(invoice)
    (error,) = row.errors
    assert "e-mail address" in error and "Peppol identifier" in error  # stored in English, as the rules
    assert mail.outbox == []
    assert actions(invoice) == ["invoice.delivery_failed"]


@pytest.mark.django_db
def test_a_mail_server_that_refuses_for_now_leaves_the_invoice_queued(make_invoice, client_fr, settings):
    invoice = make_invoice(client_fr)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 5  # nothing listens
    settings.EMAIL_USE_TLS = False

    with pytest.raises(OSError):
        invoice_deliver(invoice_id=invoice.pk)
    row = outbound(invoice)
    assert (row.status, row.attempts) == (PeppolStatus.QUEUED, 1)

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert invoice_deliver(invoice_id=invoice.pk) == PeppolStatus.EMAILED
    assert len(mail.outbox) == 1
    row.refresh_from_db()
    assert (row.status, row.attempts, row.errors) == (PeppolStatus.EMAILED, 2, [])


# --- at once, lost, and on a worker ------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_workers_delivering_at_once_send_one_email(make_invoice, client_fr):
    invoice = make_invoice(client_fr)
    app.control.purge()  # the issue queued its delivery on commit: this test runs it by hand
    start = threading.Barrier(2)
    results: dict[str, object] = {}

    def deliver(name: str) -> None:
        try:
            start.wait(10)
            results[name] = invoice_deliver(invoice_id=invoice.pk)
        except Exception as error:  # noqa: BLE001 -- reported by the assertion below
            results[name] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver, args=(name,)) for name in ("first", "second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)

    assert results == {"first": PeppolStatus.EMAILED, "second": PeppolStatus.EMAILED}
    assert len(mail.outbox) == 1
    row = outbound(invoice)
    assert (row.status, row.attempts) == (PeppolStatus.EMAILED, 1)
    assert actions(invoice) == ["invoice.emailed"]


@pytest.mark.django_db
def test_the_sweep_finds_deliveries_lost_or_still_refused(make_invoice, client_be, client_fr):
    now = timezone.now()
    lost = make_invoice(client_be)  # no task ever ran: no outbound row
    refused = make_invoice(client_fr)  # refused for now: queued with attempts left
    given_up = make_invoice(client_fr)  # refused too often: a person must look
    sent = make_invoice(client_be)
    recent = make_invoice(client_be)  # its task may still be on its way
    Invoice.objects.exclude(pk=recent.pk).update(issued_at=now - timedelta(hours=1))
    for invoice, status, attempts in (
        (refused, PeppolStatus.QUEUED, 3),
        (given_up, PeppolStatus.QUEUED, MAX_ATTEMPTS),
        (sent, PeppolStatus.SENT, 1),
    ):
        PeppolDocument.objects.create(
            invoice=invoice, direction=PeppolDirection.OUTBOUND, status=status, attempts=attempts
        )
    make_invoice(client_be, issue=False)  # a draft is never sent

    assert invoices_awaiting_delivery(now=now) == [lost.pk, refused.pk]
    assert invoices_awaiting_delivery(now=now + timedelta(days=8)) == []  # after a week, a person looks


def test_the_beat_sweeps_deliveries_every_quarter_of_an_hour():
    entry = django_settings.CELERY_BEAT_SCHEDULE["invoice-deliveries"]
    assert entry["task"] == "invoicing.tasks.invoice_deliver_pending" == invoice_deliver_pending.name
    assert entry["schedule"] == timedelta(minutes=15)
    assert entry["task"] in app.tasks
    assert invoice_deliver_task.name in app.tasks


@pytest.fixture
def worker(transactional_db: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[subprocess.Popen[str]]:
    monkeypatch.setenv("PEPPOL_DIRECTORY", str(tmp_path / "peppol"))  # the worker's outbox is this test's
    queue = f"test-invoice-delivery-{os.getpid()}"
    default_queue = app.conf.task_default_queue
    app.conf.task_default_queue = queue  # every task this test sends goes there, and only there
    try:
        with celery_worker("invoice-delivery-worker", queue=queue) as process:
            yield process
    finally:
        app.conf.task_default_queue = default_queue


@pytest.mark.django_db(transaction=True)
def test_a_worker_delivers_an_issued_invoice_once_however_often_queued(worker, make_invoice, client_be):
    log = worker_output(worker)
    invoice = make_invoice(client_be)  # committed: the issue queues its delivery

    deadline = time.monotonic() + 90
    while not PeppolDocument.objects.filter(invoice=invoice, status=PeppolStatus.SENT).exists():
        assert worker.poll() is None, "".join(log) or "worker died"
        assert time.monotonic() < deadline, "the worker did not deliver within 90 s:\n" + "".join(log)
        time.sleep(0.2)
    invoice.refresh_from_db()
    media = Path(ROOT) / ".data" / "media"  # the worker prints under the project's MEDIA_ROOT
    try:
        written = outbox() / "F2026-000001.xml"
        assert ubl_problems(written.read_bytes()) == []
        first = written.stat().st_mtime_ns

        invoice_deliver_task.delay(invoice.pk)  # queued again: a retry, a second request
        worker_heartbeat.delay()  # one worker, one task at a time: once this ran, the delivery did
        while not any("smartcoop.tasks.worker_heartbeat[" in entry and "succeeded" in entry for entry in log):
            assert time.monotonic() < deadline + 30, "".join(log)
            time.sleep(0.2)
        assert written.stat().st_mtime_ns == first
        row = outbound(invoice)
        assert (row.status, row.attempts) == (PeppolStatus.SENT, 1)
        assert actions(invoice) == ["invoice.sent_peppol"]
    finally:
        if invoice.pdf.name:
            (media / invoice.pdf.name).unlink(missing_ok=True)


# --- the access point ---------------------------------------------------------------------------------


class ProviderAccessPoint(DirectoryAccessPoint):
    """A provider's adapter as the settings would name one: it keeps what it was handed."""

    handed: ClassVar[list[tuple[str, str, str]]] = []

    def send(self, document: bytes, *, sender: str, receiver: str, document_number: str) -> str:
        self.handed.append((sender, receiver, document_number))
        return f"provider-{len(self.handed)}"


@pytest.mark.django_db
def test_the_access_point_the_settings_name_is_the_one_that_sends(make_invoice, client_be, settings):
    settings.PEPPOL_ACCESS_POINT = "tests.invoicing.test_delivery.ProviderAccessPoint"
    ProviderAccessPoint.handed.clear()
    assert isinstance(access_point(), ProviderAccessPoint)
    invoice = make_invoice(client_be)
    assert invoice_deliver(invoice_id=invoice.pk) == PeppolStatus.SENT
    assert ProviderAccessPoint.handed == [("0208:0754316243", "0208:0403019261", "F2026-000001")]
    assert outbound(invoice).transmission_id == "provider-1"
    assert not outbox().exists()


def test_the_directory_access_point_offers_what_arrived_and_moves_it_aside_once_dealt_with(tmp_path):
    point = DirectoryAccessPoint(tmp_path)
    assert list(point.inbound()) == []  # no inbox yet: nothing arrived
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "b.xml").write_bytes(b"<b/>")
    (inbox / "a.xml").write_bytes(b"<a/>")
    (inbox / "c.xml.part").write_bytes(b"<c")  # still being written
    (inbox / ".hidden.xml").write_bytes(b"<h/>")

    arrived = list(point.inbound())
    assert arrived == [InboundFile("a.xml", b"<a/>"), InboundFile("b.xml", b"<b/>")]

    point.acknowledge(arrived[0], accepted=True)
    point.acknowledge(arrived[1], accepted=False)
    point.acknowledge(arrived[1], accepted=False)  # twice (two workers): nothing more happens
    assert [file.name for file in point.inbound()] == []
    assert (inbox / "done" / "a.xml").read_bytes() == b"<a/>"
    assert (inbox / "rejected" / "b.xml").read_bytes() == b"<b/>"

    (inbox / "a.xml").write_bytes(b"<a2/>")  # the same name again: kept beside the first, not over it
    (again,) = point.inbound()
    point.acknowledge(again, accepted=True)
    assert (
        sorted(path.name for path in (inbox / "done").iterdir())[0] == "a-" + sha256(b"<a2/>").hexdigest()[:12] + ".xml"
    )
    assert (inbox / "done" / "a.xml").read_bytes() == b"<a/>"
