"""Advisors follow their office's invoices in the admin, only through the services; the Peppol outbox.

The invoice's page shows the document as issued (lines, payments, PDF and UBL) and the decisions
after it: a payment recorded once however often the form is sent, a dispute opened and closed, a
write-off with its reason, a delivery queued again. An advisor of another office finds nothing, an
accountant reads without deciding. The desk counts the overdue and disputed invoices of the office
and the documents Peppol could not deliver.
"""

import io
import os
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone, translation
from lxml import etree
from pypdf import PdfReader

from activities.models import ThirdParty
from invoicing.models import (
    Invoice,
    InvoicePayment,
    InvoiceStatus,
    PeppolDirection,
    PeppolDocument,
    PeppolStatus,
)
from invoicing.services.invoices import invoice_dispute
from invoicing.services.payments import invoice_payment_record
from members.models import Member, Office, Role, User
from members.services import shares_issue
from smartcoop.audit.selectors import trail_of
from smartcoop.celery import app
from smartcoop.ledger.models import Transaction
from smartcoop.tasks import worker_heartbeat
from tests.activities.conftest import DAY, MakeActivity
from tests.invoicing.conftest import MakeInvoice, line
from tests.support import ROOT, celery_worker, worker_output

pytestmark = pytest.mark.django_db
INVOICES = "/admin/invoicing/invoice/"
PEPPOL = "/admin/invoicing/peppoldocument/"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path  # the PDFs written by the tests stay out of .data/


@pytest.fixture
def advisor_client(client: Client, advisor: User) -> Client:
    client.force_login(advisor)
    return client


@pytest.fixture
def brussels(db: None) -> Office:
    return Office.objects.create(code="bruxelles", name="Bruxelles", city="Bruxelles")


@pytest.fixture
def brussels_invoice(make_member, make_activity: MakeActivity, brussels: Office, advisor: User) -> Invoice:
    """An issued invoice of an Activity of Brussels, past its due date."""
    from activities.services import third_party_add
    from activities.services.third_parties import ThirdPartyData
    from invoicing.issuers import activity_issuer
    from invoicing.services.invoices import InvoiceData, invoice_draft_create, invoice_issue

    member: Member = make_member("Bruno", "Bruxellois", office=brussels)
    shares_issue(member=member, quantity=1, on=DAY, key=f"test:{member.pk}:share", actor=advisor)
    member.refresh_from_db()
    activity = make_activity("Atelier bruxellois", holder=member)
    client = third_party_add(
        activity=activity,
        data=ThirdPartyData(kind="person", name="Nora Lambert", street="Rue Haute 1", postal_code="1000",
                            city="Bruxelles", country="BE", language="fr", email="nora@example.be"),
        actor=member.user,
    )  # fmt: skip
    draft = invoice_draft_create(
        issuer=activity_issuer(activity), data=InvoiceData(client=client, lines=[line()]), actor=member.user
    )
    invoice = invoice_issue(invoice=draft, actor=member.user, on=DAY)
    Invoice.objects.filter(pk=invoice.pk).update(due_date=timezone.localdate() - timedelta(days=3))
    return invoice


def listed(response: Any) -> list[int]:
    assert response.status_code == 200
    return [row.pk for row in response.context["cl"].result_list]


def said(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def _overdue(invoice: Invoice, days: int = 3) -> Invoice:
    Invoice.objects.filter(pk=invoice.pk).update(due_date=timezone.localdate() - timedelta(days=days))
    invoice.refresh_from_db()
    return invoice


def _not_due(invoice: Invoice) -> Invoice:
    Invoice.objects.filter(pk=invoice.pk).update(due_date=timezone.localdate() + timedelta(days=10))
    invoice.refresh_from_db()
    return invoice


# --- the list -----------------------------------------------------------------------------------


def test_advisor_lists_their_offices_invoices_by_state_and_search(
    advisor_client: Client,
    make_invoice: MakeInvoice,
    client_be: ThirdParty,
    client_person: ThirdParty,
    brussels_invoice: Invoice,
    advisor: User,
) -> None:
    late = _overdue(make_invoice(client_be))
    current = _not_due(make_invoice(client_person))
    disputed = invoice_dispute(invoice=_not_due(make_invoice(client_be)), reason="Contesté", actor=advisor)
    draft = make_invoice(client_be, issue=False)

    assert listed(advisor_client.get(INVOICES)) == [draft.pk, disputed.pk, current.pk, late.pk]
    assert brussels_invoice.pk not in listed(advisor_client.get(INVOICES))
    assert listed(advisor_client.get(INVOICES, {"state": "overdue"})) == [late.pk]
    assert listed(advisor_client.get(INVOICES, {"state": "issued"})) == [current.pk]
    assert listed(advisor_client.get(INVOICES, {"state": "disputed"})) == [disputed.pk]
    assert listed(advisor_client.get(INVOICES, {"state": "open"})) == [disputed.pk, current.pk, late.pk]
    assert late.activity is not None
    assert listed(advisor_client.get(INVOICES, {"activity": late.activity.code.lower()})) == listed(
        advisor_client.get(INVOICES)
    )
    assert listed(advisor_client.get(INVOICES, {"q": str(late.number)})) == [late.pk]
    assert listed(advisor_client.get(INVOICES, {"q": "claire"})) == [current.pk]
    digits = "".join(char for char in late.reference or "" if char.isdigit())
    assert listed(advisor_client.get(INVOICES, {"q": digits})) == [late.pk]
    assert listed(advisor_client.get(INVOICES, {"q": str(late.reference)})) == [late.pk]


@pytest.mark.parametrize("rows", [2, 20])
def test_the_invoice_list_costs_the_same_few_queries_for_2_rows_as_for_20(
    advisor_client: Client,
    make_invoice: MakeInvoice,
    client_be: ThirdParty,
    django_assert_max_num_queries: Any,
    rows: int,
) -> None:
    for _ in range(rows):
        make_invoice(client_be)
    # Session, user, two-factor (the site and its menu), permissions (user, groups), the office
    # filter's offices, the page with its Activity, office and client joined.
    with django_assert_max_num_queries(8):
        response = advisor_client.get(INVOICES)
    assert len(listed(response)) == rows


# --- the page and its decisions -----------------------------------------------------------------


def test_the_page_shows_the_issued_document_its_lines_payments_and_files(
    advisor_client: Client, make_invoice: MakeInvoice, client_be: ThirdParty, advisor: User
) -> None:
    invoice = make_invoice(client_be, line("Concert", "2", "500"), line("Affiche", "10", "3.15", rate="6"))
    invoice_payment_record(
        invoice=invoice, amount=Decimal("100.00"), paid_on=timezone.localdate(), key="t:1", actor=advisor
    )
    page = advisor_client.get(f"{INVOICES}{invoice.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert str(invoice.number) in html and "Affiche" in html and "Théâtre de la Balsamine" in html
    assert 'id="invoice-payment"' in html and 'id="invoice-write-off"' in html and 'id="invoice-dispute"' in html
    assert f"{INVOICES}{invoice.pk}/pdf/" in html and f"{INVOICES}{invoice.pk}/ubl/" in html

    pdf = advisor_client.get(f"{INVOICES}{invoice.pk}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.getvalue())).pages)
    assert str(invoice.number) in text
    ubl = advisor_client.get(f"{INVOICES}{invoice.pk}/ubl/")
    assert ubl.status_code == 200 and etree.fromstring(ubl.content) is not None
    assert advisor_client.get(f"{INVOICES}{make_invoice(client_be, issue=False).pk}/pdf/").status_code == 404


def test_an_advisor_records_a_payment_once_however_often_the_form_is_sent(
    advisor_client: Client, make_invoice: MakeInvoice, client_be: ThirdParty
) -> None:
    invoice = make_invoice(client_be)  # 1210.00
    form = advisor_client.get(f"{INVOICES}{invoice.pk}/change/").context["payment_form"]
    token = form.initial["form_token"]
    posted = {
        "payment-amount": "605,00",
        "payment-paid_on": timezone.localdate().isoformat(),
        "payment-form_token": token,
    }
    first = advisor_client.post(f"{INVOICES}{invoice.pk}/payment/", posted, follow=True)
    advisor_client.post(f"{INVOICES}{invoice.pk}/payment/", posted)  # a double click

    assert first.redirect_chain[-1][0] == f"{INVOICES}{invoice.pk}/change/"
    assert InvoicePayment.objects.filter(invoice=invoice).count() == 1
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_paid) == (InvoiceStatus.PARTLY_PAID, Decimal("605.00"))
    assert any(entry.action == "invoice.payment_recorded" for entry in trail_of(invoice))

    too_much = advisor_client.post(
        f"{INVOICES}{invoice.pk}/payment/", {**posted, "payment-amount": "700", "payment-form_token": "other"},
        follow=True,
    )  # fmt: skip
    assert any("605,00" in message for message in said(too_much))  # what the invoice still expects
    assert InvoicePayment.objects.filter(invoice=invoice).count() == 1


def test_an_advisor_disputes_closes_and_writes_off_an_invoice_with_a_reason(
    advisor_client: Client, make_invoice: MakeInvoice, client_be: ThirdParty
) -> None:
    invoice = make_invoice(client_be)
    url = f"{INVOICES}{invoice.pk}/"

    advisor_client.post(f"{url}dispute/", {"dispute-reason": "Le client conteste les heures"})
    invoice.refresh_from_db()
    assert (invoice.status, invoice.status_reason) == (InvoiceStatus.DISPUTED, "Le client conteste les heures")
    assert 'id="invoice-close-dispute"' in advisor_client.get(f"{url}change/").content.decode()
    advisor_client.post(f"{url}close-dispute/")
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED

    no_reason = advisor_client.post(f"{url}write-off/", {"write_off-reason": ""}, follow=True)
    assert said(no_reason) and Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.ISSUED
    advisor_client.post(f"{url}write-off/", {"write_off-reason": "Client en faillite"})
    advisor_client.post(f"{url}write-off/", {"write_off-reason": "Client en faillite"})
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_written_off) == (InvoiceStatus.WRITTEN_OFF, Decimal("1210.00"))
    assert Transaction.objects.filter(key=f"invoice:{invoice.pk}:write-off").count() == 1
    html = advisor_client.get(f"{url}change/").content.decode()
    assert 'id="invoice-write-off"' not in html and 'id="invoice-payment"' not in html


def test_sending_again_queues_the_delivery_once_the_request_is_done(
    advisor_client: Client,
    make_invoice: MakeInvoice,
    client_be: ThirdParty,
    django_capture_on_commit_callbacks: Any,
) -> None:
    invoice = make_invoice(client_be)
    draft = make_invoice(client_be, issue=False)
    with django_capture_on_commit_callbacks() as queued:
        advisor_client.post(f"{INVOICES}{invoice.pk}/resend/")
        advisor_client.post(f"{INVOICES}{draft.pk}/resend/")  # a draft is sent when issued, not before
    assert len(queued) == 1

    with django_capture_on_commit_callbacks() as queued:
        asked = advisor_client.post(INVOICES, {"action": "resend_selected", "_selected_action": [invoice.pk, draft.pk]})
    assert asked.status_code == 200 and len(queued) == 0  # the confirmation page first
    assert str(invoice.number) in asked.content.decode() and f"draft {draft.pk}" not in asked.content.decode()
    with django_capture_on_commit_callbacks() as queued:
        advisor_client.post(
            INVOICES, {"action": "resend_selected", "_selected_action": [invoice.pk, draft.pk], "confirmed": "yes"}
        )
    assert len(queued) == 1


# --- who reaches what ---------------------------------------------------------------------------


def test_an_advisor_of_another_office_finds_neither_the_invoice_nor_its_decisions(
    client: Client, make_staff, make_invoice: MakeInvoice, client_be: ThirdParty, brussels: Office
) -> None:
    invoice = make_invoice(client_be)
    client.force_login(make_staff("conseil.bxl@smartcoop.be", office=brussels))

    assert listed(client.get(INVOICES)) == []
    assert client.get(f"{INVOICES}{invoice.pk}/change/").status_code == 302  # "does not exist"
    for decision in ("payment", "dispute", "close-dispute", "write-off", "resend", "pdf", "ubl"):
        assert client.post(f"{INVOICES}{invoice.pk}/{decision}/", {"dispute-reason": "x"}).status_code == 404
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED


def test_an_accountant_reads_every_invoice_and_decides_nothing(
    client: Client, make_staff, make_invoice: MakeInvoice, client_be: ThirdParty, brussels_invoice: Invoice
) -> None:
    invoice = make_invoice(client_be)
    client.force_login(make_staff("compta@smartcoop.be", role=Role.ACCOUNTANT))

    assert set(listed(client.get(INVOICES))) == {invoice.pk, brussels_invoice.pk}
    page = client.get(f"{INVOICES}{invoice.pk}/change/")
    assert page.status_code == 200 and 'id="invoice-payment"' not in page.content.decode()
    assert "resend_selected" not in page.content.decode()
    assert client.post(f"{INVOICES}{invoice.pk}/dispute/", {"dispute-reason": "Contesté"}).status_code == 403
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.ISSUED


# --- the desk -----------------------------------------------------------------------------------


def _queue(response: Any, title: str) -> Any:
    return next(state for state in response.context["queues"] if str(state.queue.title) == title)


def test_the_desk_counts_the_offices_overdue_and_disputed_invoices_and_failed_documents(
    client: Client,
    advisor: User,
    make_invoice: MakeInvoice,
    client_be: ThirdParty,
    brussels_invoice: Invoice,
) -> None:
    late = _overdue(make_invoice(client_be), days=9)
    _overdue(make_invoice(client_be), days=2)
    _not_due(make_invoice(client_be))
    invoice_dispute(invoice=_not_due(make_invoice(client_be)), reason="Contesté", actor=advisor)
    PeppolDocument.objects.create(
        direction=PeppolDirection.OUTBOUND, status=PeppolStatus.FAILED, invoice=late, errors=["No e-mail address"]
    )
    client.force_login(advisor)

    desk = client.get("/admin/")

    with translation.override("en"):
        overdue = _queue(desk, "Overdue invoices")
        assert (overdue.count, overdue.age) == (2, "1\xa0week")  # not the one of Brussels
        assert overdue.queue.url == f"{INVOICES}?state=overdue"
        assert _queue(desk, "Disputed invoices").count == 1
        assert _queue(desk, "Peppol documents that failed").count == 1
    assert listed(client.get(overdue.queue.url)) == [pk for pk in listed(client.get(INVOICES, {"state": "overdue"}))]


# --- the Peppol outbox --------------------------------------------------------------------------


def test_a_failed_sending_is_tried_again_and_nothing_else_is(
    advisor_client: Client,
    make_invoice: MakeInvoice,
    client_be: ThirdParty,
    django_capture_on_commit_callbacks: Any,
) -> None:
    failed_invoice, sent_invoice = make_invoice(client_be), make_invoice(client_be)
    failed = PeppolDocument.objects.create(
        direction=PeppolDirection.OUTBOUND, status=PeppolStatus.FAILED, invoice=failed_invoice, attempts=5,
        receiver_id="0208:0403019261", document_number=failed_invoice.number or "",
        errors=[{"rule": "PEPPOL-EN16931-R020", "message": "Seller electronic address missing"}],
    )  # fmt: skip
    sent = PeppolDocument.objects.create(
        direction=PeppolDirection.OUTBOUND, status=PeppolStatus.SENT, invoice=sent_invoice,
        document_number=sent_invoice.number or "",
    )  # fmt: skip
    received = PeppolDocument.objects.create(
        direction=PeppolDirection.INBOUND, status=PeppolStatus.REJECTED, document_number="INV-7", sha256="1" * 64
    )

    assert listed(advisor_client.get(PEPPOL, {"status__exact": "failed"})) == [failed.pk]
    page = advisor_client.get(f"{PEPPOL}{failed.pk}/change/").content.decode()
    assert "PEPPOL-EN16931-R020: Seller electronic address missing" in page and 'id="peppol-retry"' in page
    assert 'id="peppol-retry"' not in advisor_client.get(f"{PEPPOL}{sent.pk}/change/").content.decode()

    with django_capture_on_commit_callbacks() as queued:
        advisor_client.post(f"{PEPPOL}{failed.pk}/retry/", follow=True)
        advisor_client.post(f"{PEPPOL}{sent.pk}/retry/", follow=True)
    assert len(queued) == 1
    with django_capture_on_commit_callbacks() as queued:
        response = advisor_client.post(
            PEPPOL, {"action": "retry_selected", "_selected_action": [failed.pk, sent.pk, received.pk]}, follow=True
        )
    assert len(queued) == 1 and len(said(response)) == 2  # one queued, and why the others are not


def test_only_who_may_decide_retries_a_sending(
    client: Client, make_staff, make_invoice: MakeInvoice, client_be: ThirdParty, holder: Member
) -> None:
    invoice = make_invoice(client_be)
    failed = PeppolDocument.objects.create(
        direction=PeppolDirection.OUTBOUND, status=PeppolStatus.FAILED, invoice=invoice
    )
    client.force_login(make_staff("compta@smartcoop.be", role=Role.ACCOUNTANT))
    assert client.get(f"{PEPPOL}{failed.pk}/change/").status_code == 200
    assert client.post(f"{PEPPOL}{failed.pk}/retry/").status_code == 403
    client.force_login(holder.user)
    assert client.get(PEPPOL).status_code == 302  # not staff: the admin's login


@pytest.mark.django_db(transaction=True)
def test_retry_sending_has_a_real_worker_deliver_the_failed_document_once(
    client: Client,
    advisor: User,
    make_invoice: MakeInvoice,
    client_be: ThirdParty,
    settings: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings.PEPPOL_DIRECTORY = tmp_path / "peppol"
    monkeypatch.setenv("PEPPOL_DIRECTORY", str(tmp_path / "peppol"))  # the worker's access point writes here
    queue = f"test-invoice-admin-{os.getpid()}"
    default_queue = app.conf.task_default_queue
    app.conf.task_default_queue = queue  # this test's tasks go to its own queue, and only its worker reads it
    media = Path(ROOT) / ".data" / "media"  # the worker prints under the project's MEDIA_ROOT
    invoice = None
    try:
        invoice = make_invoice(client_be)  # its first delivery task is queued here, and purged below
        failed = PeppolDocument.objects.create(
            direction=PeppolDirection.OUTBOUND, status=PeppolStatus.FAILED, invoice=invoice, attempts=1,
            document_number=invoice.number or "", errors=["ConnectionRefusedError: the access point was away"],
        )  # fmt: skip
        with celery_worker("invoice-admin-worker", queue=queue) as worker:
            log = worker_output(worker)
            client.force_login(advisor)
            client.post(f"{PEPPOL}{failed.pk}/retry/")
            client.post(f"{PEPPOL}{failed.pk}/retry/")  # a double click: the second run sends nothing

            deadline = time.monotonic() + 90
            while PeppolDocument.objects.get(pk=failed.pk).status != PeppolStatus.SENT:
                assert worker.poll() is None, "".join(log) or "worker died"
                assert time.monotonic() < deadline, "the worker did not send within 90 s:\n" + "".join(log)
                time.sleep(0.2)
            worker_heartbeat.delay()  # one worker, one task at a time: once this ran, both deliveries did
            while not any("smartcoop.tasks.worker_heartbeat[" in entry and "succeeded" in entry for entry in log):
                assert time.monotonic() < deadline + 30, "".join(log)
                time.sleep(0.2)

        row = PeppolDocument.objects.get(pk=failed.pk)
        assert (row.status, row.attempts, row.errors) == (PeppolStatus.SENT, 2, [])
        assert [path.name for path in (tmp_path / "peppol" / "outbox").iterdir()] == [f"{invoice.number}.xml"]
    finally:
        app.conf.task_default_queue = default_queue
        if invoice is not None:
            invoice.refresh_from_db()
            if invoice.pdf.name:
                (media / invoice.pdf.name).unlink(missing_ok=True)
