"""A supplier's e-invoice received, uploaded by a member or brought by the access point.

The suppliers' files are in tests/invoicing/fixtures (see its README): UBL 2.1 documents of Peppol
BIS Billing 3.0 written for these tests, whose buyer reference is the Activity code A123456; a test
puts the code of its own Activity in its place, as the supplier would have written it.
"""

import io
import os
import subprocess
import threading
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import LazySettings, settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from activities.models import Activity, ActivityThirdParty, ExpenseCategory, Purchase, PurchaseStatus, ThirdParty
from activities.services import third_party_add
from activities.services.third_parties import ThirdPartyData
from invoicing import receiving
from invoicing.models import PeppolDocument, PeppolStatus
from invoicing.receiving import einvoice_receive, peppol_receive_all
from invoicing.tasks import peppol_receive
from members.models import Member
from smartcoop.audit.models import AuditEntry
from smartcoop.errors import InvalidInput, NotFoundError
from tests.activities import conftest as activities_fixtures
from tests.support import ROOT, celery_worker, waiting_on_a_lock

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"
FIXTURE_CODE = b"A123456"
other = activities_fixtures.other
supplies = activities_fixtures.supplies


@pytest.fixture(autouse=True)
def _media(settings: LazySettings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"  # the files of a test run land in its own directory
    settings.PEPPOL_DIRECTORY = tmp_path / "peppol"


def ubl(name: str, activity: Activity | None = None) -> bytes:
    """A supplier's file, naming `activity` where the fixture names A123456."""
    content = (FIXTURES / name).read_bytes()
    return content.replace(FIXTURE_CODE, activity.code.encode()) if activity is not None else content


def _rules(document: PeppolDocument) -> list[str]:
    return [error["rule"] for error in document.errors]


def _refused_rules(error: pytest.ExceptionInfo[InvalidInput]) -> list[str]:
    return [problem.split(":")[0] for problem in error.value.fields["file"]]


def _nothing_written() -> None:
    assert not Purchase.objects.exists()
    assert not PeppolDocument.objects.exists()
    assert not AuditEntry.objects.filter(action="einvoice.received").exists()


def _pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


# --- accepted ---------------------------------------------------------------------------------------


def test_an_invoice_in_the_inbox_becomes_a_purchase_of_the_activity_its_buyer_reference_names(
    activity: Activity, holder: Member
) -> None:
    content = ubl("delvaux_invoice_with_pdf.xml", activity)

    document = einvoice_receive(content=content, file_name="delvaux.xml", actor=None)

    assert document.status == PeppolStatus.ACCEPTED and document.errors == []
    assert (document.document_number, document.sender_id, document.receiver_id) == (
        "PD-2026-0457",
        "0208:0477012346",
        "0208:0754316243",
    )
    purchase = Purchase.objects.select_related("supplier", "category").get()
    assert document.purchase == purchase
    assert purchase.activity_id == activity.pk
    assert (purchase.supplier_reference, purchase.invoice_date, purchase.due_date) == (
        "PD-2026-0457",
        date(2026, 11, 16),
        date(2026, 12, 16),
    )
    assert (purchase.amount, purchase.vat) == (Decimal("256.52"), Decimal("44.52"))
    assert purchase.description == "Papier recyclé A4, 80 g, boîte de 5 rames, Cartouche d'encre noire XL"
    assert (purchase.category.code, purchase.payee, purchase.status) == (
        "supplies",
        "supplier",
        PurchaseStatus.SUBMITTED,
    )
    # Submitted for the Activity's manager, who is told the advisor's decision; the platform received it.
    assert purchase.submitted_by == holder.user
    supplier = purchase.supplier
    assert (supplier.name, supplier.vat_number, supplier.country, supplier.city, supplier.language) == (
        "Papeterie Delvaux SRL",
        "BE0477012346",
        "BE",
        "Bruxelles",
        "fr",
    )
    assert ActivityThirdParty.objects.filter(activity=activity, third_party=supplier).exists()
    # The file is the supplier's own PDF, as embedded; the XML is kept as it came.
    with purchase.file.open("rb") as handle:
        assert handle.read() == (FIXTURES / "not_xml.pdf").read_bytes()
    with document.xml.open("rb") as handle:
        assert handle.read() == content
    entry = AuditEntry.objects.get(action="einvoice.received")
    assert entry.actor_id is None and entry.object_id == str(document.pk)
    assert entry.detail["activity"] == activity.code and entry.detail["amount"] == "256.52"


def test_a_member_uploads_an_invoice_with_two_vat_rates_and_gets_a_readable_copy_as_its_file(
    activity: Activity, holder: Member
) -> None:
    training = ExpenseCategory.objects.get(code="advertising")

    document = einvoice_receive(
        content=ubl("hayez_invoice_two_vat_rates.xml", activity),
        file_name="IH-26-1187.xml",
        actor=holder.user,
        activity=activity,
        category=training,
    )

    purchase = document.purchase
    assert purchase is not None and purchase.activity_id == activity.pk
    assert (purchase.amount, purchase.vat) == (Decimal("937.80"), Decimal("82.80"))  # 44.10 at 21 %, 38.70 at 6 %
    assert purchase.category == training and purchase.submitted_by == holder.user
    assert purchase.supplier.vat_number == "BE0812345603" and purchase.supplier.city == "Namur"
    # No PDF inside: the purchase keeps a copy drawn from the XML, a real PDF.
    with purchase.file.open("rb") as handle:
        text = _pdf_text(handle.read())
    assert "IH/26/1187" in text and "Livret de programme, 48 pages" in text and "Imprimerie Hayez SA" in text
    assert AuditEntry.objects.get(action="einvoice.received").actor_id == holder.user.pk


def test_without_buyer_reference_the_activity_code_is_read_in_the_order_reference(activity: Activity) -> None:
    document = einvoice_receive(
        content=ubl("lumieres_invoice_order_reference_only.xml", activity), file_name="ls.xml", actor=None
    )

    assert document.status == PeppolStatus.ACCEPTED, document.errors
    purchase = document.purchase
    assert purchase is not None and purchase.activity_id == activity.pk
    # Reverse charge: no VAT on the invoice, the cooperative accounts for it.
    assert (purchase.amount, purchase.vat) == (Decimal("540.00"), Decimal("0.00"))
    assert (purchase.supplier.country, purchase.supplier.vat_number) == ("FR", "FR44732829320")


def test_a_supplier_the_cooperative_knows_is_linked_not_recorded_twice(
    activity: Activity, make_activity, holder: Member
) -> None:
    elsewhere = make_activity("Atelier Dubois")
    known = third_party_add(
        activity=elsewhere,
        data=ThirdPartyData(
            kind="company",
            name="Delvaux papeterie",
            street="Rue des Fripiers 15",
            postal_code="1000",
            city="Bruxelles",
            country="BE",
            language="nl",
            vat_number="BE0477012346",
        ),
        actor=holder.user,
    )

    document = einvoice_receive(content=ubl("delvaux_invoice_with_pdf.xml", activity), file_name="d.xml", actor=None)

    assert document.purchase is not None and document.purchase.supplier == known
    assert ThirdParty.objects.filter(vat_number="BE0477012346").count() == 1
    assert ActivityThirdParty.objects.filter(activity=activity, third_party=known).exists()


# --- refused ----------------------------------------------------------------------------------------


def test_totals_that_do_not_add_up_are_refused_by_their_rule_and_nothing_is_written(
    activity: Activity, holder: Member
) -> None:
    content = ubl("delvaux_totals_do_not_add_up.xml", activity)
    suppliers = ThirdParty.objects.count()

    with pytest.raises(InvalidInput) as refused:
        einvoice_receive(content=content, file_name="wrong.xml", actor=holder.user, activity=activity)

    assert _refused_rules(refused) == ["BR-CO-15"]
    _nothing_written()
    assert ThirdParty.objects.count() == suppliers


def test_the_access_points_refused_document_is_recorded_with_its_problems_and_nothing_else(activity: Activity) -> None:
    suppliers = ThirdParty.objects.count()

    document = einvoice_receive(
        content=ubl("delvaux_totals_do_not_add_up.xml", activity), file_name="wrong.xml", actor=None
    )

    assert document.status == PeppolStatus.REJECTED
    assert _rules(document) == ["BR-CO-15"]
    assert "TaxInclusiveAmount 266.52" in document.errors[0]["message"]
    assert (document.document_number, document.purchase, bool(document.xml)) == ("PD-2026-0458", None, False)
    assert not Purchase.objects.exists() and ThirdParty.objects.count() == suppliers
    assert not AuditEntry.objects.filter(action="einvoice.received").exists()


@pytest.mark.parametrize(
    ("name", "rule"),
    [("hayez_invoice_truncated.xml", "XML"), ("not_xml.pdf", "XML")],
)
def test_a_file_that_is_no_xml_is_refused_before_any_rule(
    activity: Activity, holder: Member, name: str, rule: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        einvoice_receive(content=ubl(name, activity), file_name=name, actor=holder.user, activity=activity)

    assert _refused_rules(refused) == [rule]
    _nothing_written()


@pytest.mark.parametrize(
    ("content", "rule"),
    [
        (b"", "XML"),
        (b'<Order xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2"/>', "UBL-2.1-XSD"),
    ],
)
def test_a_document_that_is_no_invoice_is_refused(
    activity: Activity, holder: Member, content: bytes, rule: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        einvoice_receive(content=content, file_name="x.xml", actor=holder.user, activity=activity)

    assert _refused_rules(refused) == [rule]
    _nothing_written()


def test_an_empty_invoice_lists_its_first_problems_and_counts_the_rest(activity: Activity, holder: Member) -> None:
    content = b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>'

    with pytest.raises(InvalidInput) as refused:
        einvoice_receive(content=content, file_name="x.xml", actor=holder.user, activity=activity)

    problems = refused.value.fields["file"]
    assert len(problems) <= receiving.SHOWN_PROBLEMS + 1
    assert "UBL-2.1-XSD" in _refused_rules(refused) and "BR-01" in _refused_rules(refused)
    _nothing_written()


def test_a_truncated_file_from_the_access_point_says_where_it_stops(activity: Activity) -> None:
    document = einvoice_receive(content=ubl("hayez_invoice_truncated.xml", activity), file_name="t.xml", actor=None)

    assert document.status == PeppolStatus.REJECTED and _rules(document) == ["XML"]
    assert "line" in document.errors[0]["message"]


def test_a_supplier_credit_note_is_refused_as_no_purchase_can_be_negative(activity: Activity, holder: Member) -> None:
    with pytest.raises(InvalidInput) as refused:
        einvoice_receive(
            content=ubl("delvaux_credit_note.xml", activity), file_name="nc.xml", actor=holder.user, activity=activity
        )

    assert _refused_rules(refused) == ["RECEIVE-CREDIT-NOTE"]
    assert "PD-2026-0457" in refused.value.fields["file"][0]  # the invoice it credits
    _nothing_written()


def test_a_document_type_declaration_is_refused_so_no_entity_is_ever_expanded(
    activity: Activity, holder: Member
) -> None:
    content = (
        ubl("delvaux_invoice_with_pdf.xml", activity)
        .replace(
            b'<?xml version="1.0" encoding="UTF-8"?>\n',
            b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE Invoice [<!ENTITY leak SYSTEM "file:///etc/passwd">]>\n',
        )
        .replace(b"<cbc:Note>", b"<cbc:Note>&leak;")
    )

    with pytest.raises(InvalidInput) as refused:
        einvoice_receive(content=content, file_name="x.xml", actor=holder.user, activity=activity)

    assert _refused_rules(refused) == ["XML"]
    _nothing_written()


def test_without_an_activity_code_the_record_says_which_references_were_read(activity: Activity) -> None:
    content = ubl("delvaux_invoice_with_pdf.xml", activity).replace(
        f"<cbc:BuyerReference>{activity.code}<".encode(), b"<cbc:BuyerReference>Studio Dubois<"
    )

    document = einvoice_receive(content=content, file_name="d.xml", actor=None)

    assert document.status == PeppolStatus.REJECTED and _rules(document) == ["RECEIVE-ACTIVITY"]
    assert "Studio Dubois" in document.errors[0]["message"] and document.errors[0]["path"] == "BT-10, BT-13"
    assert not Purchase.objects.exists()


def test_a_code_that_is_no_activity_is_refused_by_name(activity: Activity) -> None:
    content = ubl("delvaux_invoice_with_pdf.xml")  # A123456: no Activity of this test

    document = einvoice_receive(content=content, file_name="d.xml", actor=None)

    assert _rules(document) == ["RECEIVE-ACTIVITY"] and "A123456" in document.errors[0]["message"]


def test_an_invoice_addressed_to_another_company_is_refused(activity: Activity, holder: Member) -> None:
    # Another Belgian company's numbers (valid check digits) wherever the cooperative's stood.
    content = ubl("hayez_invoice_two_vat_rates.xml", activity).replace(b"0754316243", b"0403019261")

    with pytest.raises(InvalidInput) as refused:
        einvoice_receive(content=content, file_name="h.xml", actor=holder.user, activity=activity)

    assert set(_refused_rules(refused)) == {"RECEIVE-BUYER"}
    _nothing_written()


def test_an_invoice_in_another_currency_is_refused(activity: Activity, holder: Member) -> None:
    content = ubl("hayez_invoice_two_vat_rates.xml", activity).replace(b"EUR", b"USD")

    with pytest.raises(InvalidInput) as refused:
        einvoice_receive(content=content, file_name="h.xml", actor=holder.user, activity=activity)

    assert "RECEIVE-CURRENCY" in _refused_rules(refused)
    _nothing_written()


def test_an_invoice_number_longer_than_a_purchase_keeps_is_refused_not_cut(activity: Activity, holder: Member) -> None:
    long_number = b"IH/26/" + b"1" * 60
    content = ubl("hayez_invoice_two_vat_rates.xml", activity).replace(b"IH/26/1187", long_number)

    with pytest.raises(InvalidInput) as refused:
        einvoice_receive(content=content, file_name="h.xml", actor=holder.user, activity=activity)

    assert _refused_rules(refused) == ["RECEIVE-LENGTH"] and "(BT-1)" in refused.value.fields["file"][0]
    _nothing_written()


def test_an_activity_the_uploader_does_not_hold_is_not_found(activity: Activity, other: Member) -> None:
    with pytest.raises(NotFoundError):
        einvoice_receive(
            content=ubl("delvaux_invoice_with_pdf.xml", activity),
            file_name="d.xml",
            actor=other.user,
            activity=activity,
        )
    _nothing_written()


# --- once -------------------------------------------------------------------------------------------


def test_the_same_file_received_twice_changes_nothing_the_second_time(activity: Activity, holder: Member) -> None:
    content = ubl("delvaux_invoice_with_pdf.xml", activity)
    first = einvoice_receive(content=content, file_name="delvaux.xml", actor=None)

    again = einvoice_receive(content=content, file_name="delvaux-again.xml", actor=None)
    uploaded = einvoice_receive(content=content, file_name="mail.xml", actor=holder.user, activity=activity)

    assert again.pk == first.pk == uploaded.pk
    assert (PeppolDocument.objects.count(), Purchase.objects.count()) == (1, 1)
    assert AuditEntry.objects.filter(action="einvoice.received").count() == 1
    first.refresh_from_db()
    assert (first.file_name, first.attempts) == ("delvaux.xml", 1)


def test_a_refused_document_received_again_the_same_changes_nothing(activity: Activity) -> None:
    content = ubl("delvaux_totals_do_not_add_up.xml", activity)
    first = einvoice_receive(content=content, file_name="wrong.xml", actor=None)
    seen = (first.errors, first.done_at, first.attempts)

    again = einvoice_receive(content=content, file_name="wrong.xml", actor=None)

    assert again.pk == first.pk and (again.errors, again.done_at, again.attempts) == seen
    assert PeppolDocument.objects.count() == 1


def test_a_document_refused_for_want_of_a_code_is_accepted_when_the_member_uploads_it(
    activity: Activity, holder: Member
) -> None:
    content = ubl("delvaux_invoice_with_pdf.xml", activity).replace(
        f"<cbc:BuyerReference>{activity.code}<".encode(), b"<cbc:BuyerReference>Studio Dubois<"
    )
    refused = einvoice_receive(content=content, file_name="d.xml", actor=None)
    assert refused.status == PeppolStatus.REJECTED

    accepted = einvoice_receive(content=content, file_name="d.xml", actor=holder.user, activity=activity)

    assert accepted.pk == refused.pk and accepted.status == PeppolStatus.ACCEPTED and accepted.errors == []
    assert accepted.purchase is not None and accepted.purchase.activity_id == activity.pk
    entry = AuditEntry.objects.get(action="einvoice.received")
    assert (entry.before, entry.after) == ({"status": "rejected"}, {"status": "accepted"})


@pytest.mark.django_db(transaction=True)
def test_two_receptions_of_one_file_at_once_make_one_purchase(
    activity: Activity, holder: Member, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = ubl("delvaux_invoice_with_pdf.xml", activity)
    claimed, release = threading.Event(), threading.Event()
    original = receiving._supplier

    def held_after_claiming(*args: object, **kwargs: object) -> ThirdParty:
        # The first reception holds its claim on the digest here, until the second waits on it.
        if threading.current_thread().name == "first":
            claimed.set()
            assert release.wait(30)
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(receiving, "_supplier", held_after_claiming)
    results: dict[str, PeppolDocument | Exception] = {}

    def receive(name: str) -> None:
        try:
            results[name] = einvoice_receive(content=content, file_name=f"{name}.xml", actor=None)
        except Exception as error:  # noqa: BLE001 -- the test reads what each thread met
            results[name] = error
        finally:
            connection.close()

    first = threading.Thread(target=receive, args=("first",), name="first")
    second = threading.Thread(target=receive, args=("second",), name="second")
    first.start()
    assert claimed.wait(30)
    second.start()
    deadline = time.monotonic() + 30
    while not waiting_on_a_lock():
        assert time.monotonic() < deadline, "the second reception never waited on the first's claim"
        time.sleep(0.02)
    release.set()
    first.join(60)
    second.join(60)

    documents = [results["first"], results["second"]]
    assert all(isinstance(document, PeppolDocument) for document in documents), documents
    assert {getattr(document, "pk", None) for document in documents} == {PeppolDocument.objects.get().pk}
    assert Purchase.objects.count() == 1
    assert AuditEntry.objects.filter(action="einvoice.received").count() == 1


# --- the inbox --------------------------------------------------------------------------------------


def _inbox() -> Path:
    inbox = Path(settings.PEPPOL_DIRECTORY) / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    return inbox


def test_the_inbox_moves_each_file_aside_by_its_outcome_and_leaves_unfinished_ones(activity: Activity) -> None:
    inbox = _inbox()
    (inbox / "delvaux.xml").write_bytes(ubl("delvaux_invoice_with_pdf.xml", activity))
    (inbox / "wrong.xml").write_bytes(ubl("delvaux_totals_do_not_add_up.xml", activity))
    (inbox / "arriving.xml.part").write_bytes(ubl("hayez_invoice_two_vat_rates.xml", activity)[:100])

    assert peppol_receive_all() == 1

    assert sorted(path.name for path in inbox.iterdir() if path.is_file()) == ["arriving.xml.part"]
    assert (inbox / "done" / "delvaux.xml").exists() and (inbox / "rejected" / "wrong.xml").exists()
    assert PeppolDocument.objects.get(file_name="wrong.xml").status == PeppolStatus.REJECTED
    # Run again, and the same file dropped once more: nothing new.
    (inbox / "delvaux.xml").write_bytes(ubl("delvaux_invoice_with_pdf.xml", activity))
    assert peppol_receive_all() == 1  # the first record, answered again
    assert (PeppolDocument.objects.count(), Purchase.objects.count()) == (2, 1)
    assert len(list((inbox / "done").iterdir())) == 2


def test_the_beat_runs_the_inbox_task_every_few_minutes() -> None:
    from smartcoop.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["peppol-inbox"]
    assert entry["task"] == "invoicing.tasks.peppol_receive" == peppol_receive.name
    assert entry["task"] in app.tasks


@pytest.mark.django_db(transaction=True)
def test_a_worker_process_receives_a_file_the_access_point_dropped(
    activity: Activity, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PEPPOL_DIRECTORY", str(settings.PEPPOL_DIRECTORY))  # the worker's inbox is ours
    inbox = _inbox()
    (inbox / "delvaux.xml").write_bytes(ubl("delvaux_invoice_with_pdf.xml", activity))
    stored: list[Path] = []
    # A queue of this test's own: a suite running beside it on the same Redis never takes the task.
    queue = f"test-einvoice-inbox-{os.getpid()}"
    process: subprocess.Popen[str]
    with celery_worker("einvoice-inbox-worker", queue=queue) as process:
        try:
            peppol_receive.apply_async(queue=queue)
            deadline = time.monotonic() + 60
            while not PeppolDocument.objects.filter(status=PeppolStatus.ACCEPTED).exists():
                assert process.poll() is None, process.stdout.read() if process.stdout else "worker died"
                assert time.monotonic() < deadline, "the worker did not receive the file within 60 s"
                time.sleep(0.2)
            document = PeppolDocument.objects.select_related("purchase").get()
            # The worker writes under its own MEDIA_ROOT (the project's): read there, then remove.
            media = Path(ROOT) / ".data" / "media"
            assert document.purchase is not None
            stored += [media / str(document.purchase.file.name), media / str(document.xml.name)]
            assert document.purchase.activity_id == activity.pk
            assert PdfReader(str(stored[0])).pages
            deadline = time.monotonic() + 30
            while not (inbox / "done" / "delvaux.xml").exists():
                assert time.monotonic() < deadline, "the file was not moved out of the inbox"
                time.sleep(0.2)
        finally:
            for path in stored:
                path.unlink(missing_ok=True)
    assert not (inbox / "delvaux.xml").exists()


# --- the upload page ----------------------------------------------------------------------------------


@pytest.fixture
def page(client: Client, holder: Member) -> Client:
    client.force_login(holder.user)
    return client


def _upload(client: Client, activity: Activity, content: bytes, category: ExpenseCategory) -> HttpResponse:
    response = client.post(
        reverse("invoicing:einvoice_upload", args=[activity.code]),
        {"file": SimpleUploadedFile("facture.xml", content, "application/xml"), "category": category.pk},
    )
    assert isinstance(response, HttpResponse)
    return response


def test_the_upload_page_records_the_purchase_and_leads_back_to_the_activitys_purchases(
    page: Client, activity: Activity, supplies: ExpenseCategory
) -> None:
    url = reverse("invoicing:einvoice_upload", args=[activity.code])
    assert url == f"/invoices/received/{activity.code}/upload/"
    shown = page.get(url)
    assert shown.status_code == 200 and b'type="file"' in shown.content

    response = _upload(page, activity, ubl("hayez_invoice_two_vat_rates.xml", activity), supplies)

    assert response.status_code == 302
    assert response["Location"] == reverse("activities:detail", args=[activity.code]) + "#purchases-title"
    assert Purchase.objects.get().supplier_reference == "IH/26/1187"
    followed = page.get(response["Location"])
    assert [message.level_tag for message in followed.context["messages"]] == ["success"]
    assert b"IH/26/1187" in followed.content


def test_the_upload_page_lists_each_problem_by_its_rule_and_records_nothing(
    page: Client, activity: Activity, supplies: ExpenseCategory
) -> None:
    response = _upload(page, activity, ubl("delvaux_totals_do_not_add_up.xml", activity), supplies)

    assert response.status_code == 400
    assert b"BR-CO-15" in response.content and b'class="error-summary"' in response.content
    _nothing_written()


def test_the_upload_page_is_no_page_for_who_does_not_hold_the_activity(
    client: Client, activity: Activity, other: Member, supplies: ExpenseCategory
) -> None:
    client.force_login(other.user)
    url = reverse("invoicing:einvoice_upload", args=[activity.code])

    assert client.get(url).status_code == 404
    assert _upload(client, activity, ubl("delvaux_invoice_with_pdf.xml", activity), supplies).status_code == 404
    _nothing_written()


def test_the_activity_page_offers_the_upload(page: Client, activity: Activity) -> None:
    response = page.get(reverse("activities:detail", args=[activity.code]))
    assert reverse("invoicing:einvoice_upload", args=[activity.code]).encode() in response.content
