"""The invoicing API end to end: a holder drafts, issues, downloads and credits; advisors follow up.

Who reaches what is the access policy's answer: another member and an advisor of another office
find the invoice as absent as a missing one (404), an accountant reads it but changes nothing
(403). Refusals come in the one error shape, naming the value at fault by its path
(`lines.0.vat_rate`), and write nothing. Retries change nothing: an invoice issued twice is
numbered once, a payment sent twice with its key is recorded once.
"""

import io
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone
from lxml import etree
from pypdf import PdfReader
from rest_framework.test import APIClient

from activities.models import Activity, ActivityHolder, HolderRole, ThirdParty
from activities.services import activity_add_holder
from invoicing.bank.coda import coda_write
from invoicing.bank.data import LineData as StatementLine
from invoicing.bank.data import StatementData
from invoicing.models import (
    BankStatement,
    BankStatementLine,
    Invoice,
    InvoiceCounter,
    InvoicePayment,
    InvoiceStatus,
    LineStatus,
    PeppolDirection,
    PeppolDocument,
    PeppolStatus,
    StatementFormat,
)
from invoicing.services.invoices import credit_note_create, invoice_issue
from members.models import Member, Office, Role, User
from members.services import shares_issue
from smartcoop.audit.models import AuditEntry
from smartcoop.ledger.models import Transaction
from tests.activities.conftest import DAY
from tests.invoicing.conftest import ISSUED_ON, MakeInvoice, line

pytestmark = pytest.mark.django_db
INVOICES = "/api/invoices/"
UBL_NS = {"cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"}


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path  # the PDFs written by the tests stay out of .data/


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def brussels_advisor(make_staff) -> User:
    brussels = Office.objects.create(code="bruxelles", name="Bruxelles", city="Bruxelles")
    user: User = make_staff("bruno.conseil@smartcoop.be", office=brussels)
    return user


@pytest.fixture
def accountant(make_staff) -> User:
    user: User = make_staff("compta@smartcoop.be", role=Role.ACCOUNTANT)
    return user


@pytest.fixture
def other_member(make_member, advisor: User) -> Member:
    member: Member = make_member("Marc", "Peeters")
    shares_issue(member=member, quantity=1, on=DAY, key=f"test:{member.pk}:share", actor=advisor)
    member.refresh_from_db()
    return member


def _line(**changes: Any) -> dict[str, Any]:
    given = {
        "description": "Concert du 14 mars",
        "quantity": "2",
        "unit": "C62",
        "unit_price": "500",
        "vat_category": "S",
        "vat_rate": "21",
    }
    return {**given, **changes}


def _draft(activity: Activity, client: ThirdParty, *lines: dict[str, str], **fields: Any) -> dict[str, Any]:
    return {"activity": activity.code, "client": client.pk, "lines": list(lines) or [_line()], **fields}


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


# --- the holder's way: draft, issue, documents, credit note ------------------------------------


def test_holder_drafts_issues_downloads_and_credits_an_invoice(
    api: APIClient, activity: Activity, holder: Member, client_be: ThirdParty
) -> None:
    api.force_authenticate(holder.user)

    created = api.post(
        INVOICES,
        _draft(activity, client_be, _line(), _line(description="Affiches", quantity="10", unit_price="3.15",
               vat_rate="6"), buyer_reference="BALS-2026-03"),
        format="json",
    )  # fmt: skip
    assert created.status_code == 201, created.json()
    draft = created.json()
    assert (draft["kind"], draft["state"], draft["number"], draft["activity"]) == (
        "invoice",
        "draft",
        None,
        activity.code,
    )
    assert (draft["total_excl_vat"], draft["total_vat"], draft["total_incl_vat"]) == ("1031.50", "211.89", "1243.39")
    assert [(group["rate"], group["base"], group["vat"]) for group in draft["vat_breakdown"]] == [
        ("21.00", "1000.00", "210.00"),
        ("6.00", "31.50", "1.89"),
    ]
    assert draft["lines"][1]["unit_price"] == "3.1500" and draft["lines"][1]["quantity"] == "10.000"

    # A draft is replaced whole: one line now.
    url = f"{INVOICES}{draft['id']}/"
    whole = {"client": client_be.pk, "lines": [_line(quantity="3")], "buyer_reference": "BALS-2026-03"}
    replaced = api.put(url, whole, format="json")
    assert replaced.status_code == 200, replaced.json()
    assert replaced.json()["total_incl_vat"] == "1815.00" and len(replaced.json()["lines"]) == 1
    assert api.get(f"{url}pdf/").status_code == 409  # a draft has no document yet

    issued = api.post(f"{url}issue/")
    assert issued.status_code == 200, issued.json()
    invoice = issued.json()
    assert invoice["number"] == f"F{timezone.localdate().year}-000001"
    assert invoice["state"] == "issued" and invoice["reference"].startswith("+++")
    assert invoice["client_name"] == "Théâtre de la Balsamine"

    pdf = api.get(f"{url}pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert f"{invoice['number'].lower()}.pdf" in pdf["Content-Disposition"]
    assert f"{invoice['number']}.xml" in api.get(f"{url}ubl/")["Content-Disposition"]
    text = _pdf_text(pdf.getvalue())
    assert invoice["number"] in text and "Théâtre de la Balsamine" in text

    ubl = api.get(f"{url}ubl/")
    assert ubl.status_code == 200 and ubl["Content-Type"] == "application/xml"
    document = etree.fromstring(ubl.content)
    assert document.findtext("cbc:ID", namespaces=UBL_NS) == invoice["number"]
    assert document.findtext("cbc:BuyerReference", namespaces=UBL_NS) == "BALS-2026-03"

    note = api.post(f"{url}credit-note/", {"reason": "Concert écourté", "lines": [_line(quantity="1")]}, format="json")
    assert note.status_code == 201, note.json()
    assert (note.json()["kind"], note.json()["credited_invoice"], note.json()["total_incl_vat"]) == (
        "credit", invoice["id"], "605.00",
    )  # fmt: skip
    credit = api.post(f"{INVOICES}{note.json()['id']}/issue/").json()
    assert credit["number"] == f"NC{timezone.localdate().year}-000001"
    after = api.get(url).json()
    assert (after["amount_credited"], after["amount_open"], after["credit_notes"]) == (
        "605.00",
        "1210.00",
        [credit["id"]],
    )


def test_an_invoice_issued_twice_is_numbered_and_posted_once(
    api: APIClient, activity: Activity, holder: Member, client_be: ThirdParty
) -> None:
    api.force_authenticate(holder.user)
    draft = api.post(INVOICES, _draft(activity, client_be), format="json").json()

    first = api.post(f"{INVOICES}{draft['id']}/issue/")
    again = api.post(f"{INVOICES}{draft['id']}/issue/")

    assert first.status_code == again.status_code == 200
    assert first.json()["number"] == again.json()["number"]
    assert InvoiceCounter.objects.get(series="F").last == 1
    assert Transaction.objects.filter(key=f"invoice:{draft['id']}:issue").count() == 1
    # An issued invoice is no longer a draft: corrected by a credit note, never edited nor deleted.
    assert (
        api.put(f"{INVOICES}{draft['id']}/", {"client": client_be.pk, "lines": [_line()]}, format="json").status_code
        == 409
    )
    assert api.delete(f"{INVOICES}{draft['id']}/").status_code == 409


def test_a_draft_is_deleted_and_leaves_an_audit_row(
    api: APIClient, activity: Activity, holder: Member, client_be: ThirdParty
) -> None:
    api.force_authenticate(holder.user)
    draft = api.post(INVOICES, _draft(activity, client_be), format="json").json()

    assert api.delete(f"{INVOICES}{draft['id']}/").status_code == 204
    assert not Invoice.objects.filter(pk=draft["id"]).exists()
    assert AuditEntry.objects.filter(action="invoice.draft_deleted").count() == 1
    assert api.get(f"{INVOICES}{draft['id']}/").status_code == 404


# --- refusals ---------------------------------------------------------------------------------


def test_refusals_name_each_line_and_field_and_write_nothing(
    api: APIClient, activity: Activity, holder: Member, client_be: ThirdParty
) -> None:
    api.force_authenticate(holder.user)

    # The form of a value: read by the serializer, named by its path.
    response = api.post(
        INVOICES,
        _draft(activity, client_be, _line(), _line(quantity="deux"), _line(unit_price=12, vat_category="X")),
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"message", "fields"}
    assert set(body["fields"]) == {"lines.1.quantity", "lines.2.unit_price", "lines.2.vat_category"}

    # What an invoice may hold: judged by the service, named the same way.
    response = api.post(INVOICES, _draft(activity, client_be, _line(), _line(vat_rate="19")), format="json")
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"lines.1.vat_rate"}
    response = api.post(INVOICES, _draft(activity, client_be, _line(vat_category="AE", vat_rate="0")), format="json")
    assert response.status_code == 400 and set(response.json()["fields"]) == {"client"}
    response = api.post(INVOICES, _draft(activity, client_be, period_start="2026-03-10", period_end="2026-03-01"),
                        format="json")  # fmt: skip
    assert set(response.json()["fields"]) == {"period_end"}
    response = api.post(INVOICES, {**_draft(activity, client_be), "lines": []}, format="json")
    assert set(response.json()["fields"]) == {"lines"}
    response = api.post(INVOICES, {**_draft(activity, client_be), "activity": "A999999"}, format="json")
    assert set(response.json()["fields"]) == {"activity"}

    assert Invoice.objects.count() == 0


def test_a_client_of_another_activity_is_refused(
    api: APIClient, make_activity, activity: Activity, holder: Member, client_be: ThirdParty
) -> None:
    other = make_activity("Atelier du soir")
    api.force_authenticate(holder.user)
    response = api.post(INVOICES, _draft(other, client_be), format="json")
    assert response.status_code == 400 and set(response.json()["fields"]) == {"client"}


def test_a_worker_of_the_activity_may_not_invoice_for_it(
    api: APIClient, activity: Activity, holder: Member, other_member: Member, client_be: ThirdParty
) -> None:
    activity_add_holder(activity=activity, member=other_member, role=HolderRole.WORKER, actor=holder.user)
    api.force_authenticate(other_member.user)
    response = api.post(INVOICES, _draft(activity, client_be), format="json")
    assert response.status_code == 403 and set(response.json()) == {"message", "fields"}
    assert Invoice.objects.count() == 0


# --- who reaches what ---------------------------------------------------------------------------


def _every_url(invoice: Invoice) -> list[tuple[str, str]]:
    url = f"{INVOICES}{invoice.pk}/"
    return [
        ("get", url), ("get", f"{url}pdf/"), ("get", f"{url}ubl/"), ("get", f"{url}payments/"),
        ("post", f"{url}issue/"), ("post", f"{url}credit-note/"), ("post", f"{url}dispute/"),
        ("post", f"{url}write-off/"), ("post", f"{url}payments/"), ("delete", url), ("put", url),
    ]  # fmt: skip


def test_another_member_finds_the_invoice_as_absent_as_a_missing_one(
    api: APIClient, make_invoice: MakeInvoice, client_be: ThirdParty, other_member: Member
) -> None:
    invoice = make_invoice(client_be)
    api.force_authenticate(other_member.user)
    for method, url in _every_url(invoice):
        response = getattr(api, method)(url, {}, format="json")
        assert response.status_code == 404, (method, url)
        assert set(response.json()) == {"message", "fields"}
    assert api.get(INVOICES).json()["count"] == 0


def test_an_advisor_of_another_office_finds_nothing(
    api: APIClient, make_invoice: MakeInvoice, client_be: ThirdParty, brussels_advisor: User
) -> None:
    invoice = make_invoice(client_be)
    api.force_authenticate(brussels_advisor)
    assert api.get(INVOICES).json()["count"] == 0
    for method, url in _every_url(invoice):
        assert getattr(api, method)(url, {}, format="json").status_code == 404, (method, url)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED


def test_an_accountant_reads_every_invoice_but_changes_none(
    api: APIClient, make_invoice: MakeInvoice, client_be: ThirdParty, accountant: User
) -> None:
    invoice = make_invoice(client_be)
    api.force_authenticate(accountant)

    assert [row["id"] for row in api.get(INVOICES).json()["results"]] == [invoice.pk]
    assert api.get(f"{INVOICES}{invoice.pk}/").status_code == 200
    assert api.get(f"{INVOICES}{invoice.pk}/payments/").json() == []
    refused = [
        api.post(f"{INVOICES}{invoice.pk}/payments/", {"amount": "10.00", "key": "k1"}, format="json"),
        api.post(f"{INVOICES}{invoice.pk}/dispute/", {"reason": "Contesté"}, format="json"),
        api.post(f"{INVOICES}{invoice.pk}/write-off/", {"reason": "Faillite"}, format="json"),
        api.post(f"{INVOICES}{invoice.pk}/credit-note/", {"reason": "Erreur"}, format="json"),
    ]
    assert [response.status_code for response in refused] == [403] * 4
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_paid) == (InvoiceStatus.ISSUED, Decimal("0.00"))


def test_staff_without_two_factor_reads_no_invoice(
    api: APIClient, make_invoice: MakeInvoice, client_be: ThirdParty, make_user, office: Office
) -> None:
    invoice = make_invoice(client_be)
    api.force_authenticate(make_user("sans.2fa@smartcoop.be", role=Role.ADVISOR, is_staff=True, office=office))
    assert api.get(INVOICES).json()["count"] == 0
    assert api.get(f"{INVOICES}{invoice.pk}/").status_code == 404


def test_a_holder_who_left_the_activity_no_longer_reads_nor_issues_their_draft(
    api: APIClient, activity: Activity, holder: Member, other_member: Member, client_be: ThirdParty
) -> None:
    activity_add_holder(activity=activity, member=other_member, role=HolderRole.HOLDER, actor=holder.user)
    api.force_authenticate(other_member.user)
    draft = api.post(INVOICES, _draft(activity, client_be), format="json").json()

    ActivityHolder.objects.filter(activity=activity, member=other_member).delete()  # they left the Activity

    assert api.get(f"{INVOICES}{draft['id']}/").status_code == 404
    assert api.post(f"{INVOICES}{draft['id']}/issue/").status_code == 404
    assert Invoice.objects.get(pk=draft["id"]).status == InvoiceStatus.DRAFT


# --- lists and filters --------------------------------------------------------------------------


def test_the_list_filters_by_activity_state_overdue_and_kind(
    api: APIClient, make_invoice: MakeInvoice, make_activity, activity: Activity, holder: Member,
    client_be: ThirdParty,
) -> None:  # fmt: skip
    overdue = make_invoice(client_be)  # issued on 10 March 2026, due 30 days later: past due today
    Invoice.objects.filter(pk=overdue.pk).update(due_date=timezone.localdate() - timedelta(days=1))
    current = make_invoice(client_be)
    Invoice.objects.filter(pk=current.pk).update(due_date=timezone.localdate() + timedelta(days=5))
    draft = make_invoice(client_be, issue=False)
    note = invoice_issue(
        invoice=credit_note_create(invoice=current, reason="Erreur", actor=holder.user, lines=[line(price="10")]),
        actor=holder.user,
        on=ISSUED_ON,
    )
    make_activity("Atelier du soir")
    api.force_authenticate(holder.user)

    def ids(**query: str) -> list[int]:
        response = api.get(INVOICES, query)
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert ids() == [draft.pk, note.pk, current.pk, overdue.pk]  # drafts first, then newest first
    assert ids(state="overdue") == [overdue.pk]
    assert ids(state="issued") == [current.pk]
    assert ids(state="open") == [current.pk, overdue.pk]
    assert ids(state="draft") == [draft.pk]
    assert ids(kind="credit") == [note.pk]
    assert ids(state="") == ids()
    assert ids(activity=activity.code.lower()) == ids()
    assert ids(activity="A999999") == []
    rows = {row["id"]: row for row in api.get(INVOICES).json()["results"]}
    assert rows[overdue.pk]["state"] == "overdue" and rows[overdue.pk]["status"] == "issued"

    refused = api.get(INVOICES, {"state": "late"})
    assert refused.status_code == 400 and set(refused.json()["fields"]) == {"state"}
    assert set(api.get(INVOICES, {"kind": "bill"}).json()["fields"]) == {"kind"}


def test_the_list_reads_in_a_fixed_number_of_queries(
    api: APIClient, make_invoice: MakeInvoice, holder: Member, client_be: ThirdParty, advisor: User,
    django_assert_max_num_queries: Any,
) -> None:  # fmt: skip
    for _ in range(3):
        make_invoice(client_be)
    for user in (holder.user, advisor):
        api.force_authenticate(user)
        api.get(INVOICES)
        # Standing (two-factor, permissions), the count, the page with its Activity and client.
        with django_assert_max_num_queries(6):
            first = api.get(INVOICES).json()
        for _ in range(12):
            make_invoice(client_be)
        with django_assert_max_num_queries(6):
            assert api.get(INVOICES).json()["count"] == first["count"] + 12


# --- advisors' decisions: payments, disputes, write-offs ----------------------------------------


def test_an_advisor_records_a_payment_once_however_often_it_is_sent(
    api: APIClient, make_invoice: MakeInvoice, client_be: ThirdParty, advisor: User, holder: Member
) -> None:
    invoice = make_invoice(client_be)  # 1210.00
    url = f"{INVOICES}{invoice.pk}/payments/"
    api.force_authenticate(advisor)
    paid_on = (timezone.localdate() - timedelta(days=2)).isoformat()

    first = api.post(url, {"amount": "605.00", "paid_on": paid_on, "key": "virement-0042"}, format="json")
    again = api.post(url, {"amount": "605.00", "paid_on": paid_on, "key": "virement-0042"}, format="json")
    other_amount = api.post(url, {"amount": "600.00", "paid_on": paid_on, "key": "virement-0042"}, format="json")

    assert (first.status_code, again.status_code, other_amount.status_code) == (201, 200, 409)
    assert first.json() == again.json()
    assert first.json()["amount"] == "605.00" and first.json()["source"] == "manual"
    assert InvoicePayment.objects.filter(invoice=invoice).count() == 1
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_paid) == (InvoiceStatus.PARTLY_PAID, Decimal("605.00"))

    too_much = api.post(url, {"amount": "700.00", "key": "virement-0043"}, format="json")
    assert too_much.status_code == 400 and set(too_much.json()["fields"]) == {"amount"}
    as_number = api.post(url, {"amount": 605, "key": "virement-0044"}, format="json")
    assert as_number.status_code == 400 and set(as_number.json()["fields"]) == {"amount"}

    # The holder reads the payments, but records none.
    api.force_authenticate(holder.user)
    assert [row["amount"] for row in api.get(url).json()] == ["605.00"]
    assert api.post(url, {"amount": "605.00", "key": "moi"}, format="json").status_code == 403


@pytest.mark.django_db(transaction=True)
def test_the_same_payment_sent_twice_at_once_is_recorded_once(
    make_invoice: MakeInvoice, client_be: ThirdParty, advisor: User
) -> None:
    invoice = make_invoice(client_be)
    start = threading.Barrier(2, timeout=60)

    def send() -> tuple[int, Any]:
        client = APIClient()
        client.force_authenticate(advisor)
        start.wait()
        try:
            response = client.post(
                f"{INVOICES}{invoice.pk}/payments/", {"amount": "1210.00", "key": "virement-0042"}, format="json"
            )
            return response.status_code, response.json()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = [future.result(timeout=120) for future in [pool.submit(send), pool.submit(send)]]

    assert {code for code, _body in answers} <= {200, 201}
    assert answers[0][1]["id"] == answers[1][1]["id"]
    assert InvoicePayment.objects.filter(invoice=invoice).count() == 1
    assert (
        Transaction.objects.filter(key__startswith="invoice-payment:").count() == 2
    )  # the payment and its contribution
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_paid) == (InvoiceStatus.PAID, Decimal("1210.00"))


def test_an_advisor_disputes_closes_and_writes_off_an_invoice(
    api: APIClient, make_invoice: MakeInvoice, client_be: ThirdParty, advisor: User, holder: Member
) -> None:
    invoice = make_invoice(client_be)
    url = f"{INVOICES}{invoice.pk}/"
    api.force_authenticate(holder.user)
    assert api.post(f"{url}dispute/", {"reason": "Le client conteste"}, format="json").status_code == 403

    api.force_authenticate(advisor)
    no_reason = api.post(f"{url}dispute/", {"reason": "  "}, format="json")
    assert no_reason.status_code == 400 and set(no_reason.json()["fields"]) == {"reason"}
    disputed = api.post(f"{url}dispute/", {"reason": "Le client conteste le nombre d'heures"}, format="json")
    assert (disputed.status_code, disputed.json()["state"]) == (200, "disputed")
    assert disputed.json()["status_reason"] == "Le client conteste le nombre d'heures"
    closed = api.post(f"{url}close-dispute/")
    assert (closed.status_code, closed.json()["status"]) == (200, "issued")
    assert api.post(f"{url}close-dispute/").status_code == 409

    written_off = api.post(f"{url}write-off/", {"reason": "Client en faillite"}, format="json")
    again = api.post(f"{url}write-off/", {"reason": "Client en faillite"}, format="json")
    assert (written_off.status_code, again.status_code) == (200, 200)
    assert (written_off.json()["state"], written_off.json()["amount_written_off"]) == ("written_off", "1210.00")
    assert Transaction.objects.filter(key=f"invoice:{invoice.pk}:write-off").count() == 1


# --- the VAT proposal ---------------------------------------------------------------------------


def test_the_vat_proposal_follows_the_clients_country_and_status(
    api: APIClient, holder: Member, client_be: ThirdParty, client_fr: ThirdParty, client_us: ThirdParty,
    other_member: Member,
) -> None:  # fmt: skip
    api.force_authenticate(holder.user)
    url = f"{INVOICES}vat-proposal/"

    def proposal(client: ThirdParty, **query: str) -> tuple[str, str]:
        body = api.get(url, {"client": str(client.pk), **query}, HTTP_ACCEPT_LANGUAGE="en").json()
        return body["vat_category"], body["vat_rate"]

    assert proposal(client_be) == ("S", "21.00")
    assert proposal(client_fr) == ("AE", "0.00")
    assert proposal(client_fr, supply_kind="goods") == ("K", "0.00")
    assert proposal(client_us) == ("S", "21.00")  # a private client outside the EU: no VAT number
    exemption = api.get(url, {"client": str(client_fr.pk)}).json()["exemption"]
    assert exemption and "196" in exemption

    assert set(api.get(url, {"client": "abc"}).json()["fields"]) == {"client"}
    assert set(api.get(url, {"client": str(client_be.pk), "supply_kind": "x"}).json()["fields"]) == {"supply_kind"}
    api.force_authenticate(other_member.user)
    assert api.get(url, {"client": str(client_be.pk)}).status_code == 400  # not a client of theirs


# --- staff's records: statements, the review queue, the Peppol outbox ---------------------------


@pytest.fixture
def statement_line(make_invoice: MakeInvoice, client_be: ThirdParty) -> BankStatementLine:
    invoice = make_invoice(client_be)
    statement = BankStatement.objects.create(
        format=StatementFormat.CODA, account_iban="BE36068200000081", statement_id="2026/045",
        statement_date=date(2026, 3, 20), opening_balance=Decimal("1000.00"), closing_balance=Decimal("2210.00"),
        file_name="045.cod", sha256="0" * 64,
    )  # fmt: skip
    line_ = BankStatementLine.objects.create(
        statement=statement, sequence=1, booking_date=date(2026, 3, 20), amount=Decimal("1210.00"),
        counterparty_name="BALSAMINE", communication="facture mars", status=LineStatus.REVIEW,
        match_note="No structured communication", unallocated=Decimal("1210.00"),
    )  # fmt: skip
    line_.suggested_invoices.add(invoice)
    BankStatementLine.objects.create(
        statement=statement, sequence=2, booking_date=date(2026, 3, 20), amount=Decimal("-10.00"),
        status=LineStatus.IGNORED,
    )  # fmt: skip
    return line_


def test_staff_read_the_statements_and_the_lines_to_review(
    api: APIClient, statement_line: BankStatementLine, advisor: User, brussels_advisor: User, holder: Member
) -> None:
    api.force_authenticate(advisor)
    (statement,) = api.get("/api/bank-statements/").json()["results"]
    assert (statement["lines"], statement["to_review"], statement["closing_balance"]) == (2, 1, "2210.00")
    (waiting,) = api.get("/api/payment-review/").json()["results"]
    assert (waiting["id"], waiting["amount"], waiting["unallocated"]) == (statement_line.pk, "1210.00", "1210.00")
    (suggested,) = waiting["suggested_invoices"]
    assert (suggested["number"], suggested["amount_open"]) == ("F2026-000001", "1210.00")
    # The cooperative's account: staff of every office read it; a member does not.
    api.force_authenticate(brussels_advisor)
    assert api.get("/api/payment-review/").json()["count"] == 1
    api.force_authenticate(holder.user)
    for url in ("/api/bank-statements/", "/api/payment-review/", "/api/peppol-documents/"):
        response = api.get(url)
        assert response.status_code == 403 and set(response.json()) == {"message", "fields"}, url


def test_an_accountant_imports_a_statement_once_and_its_payment_settles_the_invoice(
    api: APIClient, make_invoice: MakeInvoice, client_be: ThirdParty, accountant: User, advisor: User
) -> None:
    invoice = make_invoice(client_be)
    day = timezone.localdate()
    content = coda_write(
        StatementData(
            account_iban="BE36068200000081", statement_id=f"{day.year}-045", date=day,
            opening_balance=Decimal("1000.00"), account_holder="SmartCoop", bic="GKCCBEBB",
            lines=[StatementLine(amount=Decimal("1210.00"), counterparty_name="THEATRE DE LA BALSAMINE",
                                 communication=invoice.reference or "", structured=True)],
        )
    )  # fmt: skip

    def upload() -> Any:
        return api.post("/api/bank-statements/", {"file": SimpleUploadedFile("045.cod", content)}, format="multipart")

    api.force_authenticate(advisor)  # reads statements, imports none
    assert upload().status_code == 403
    api.force_authenticate(accountant)
    first, again = upload(), upload()

    assert (first.status_code, again.status_code) == (201, 200), first.json()
    assert first.json() == again.json()
    assert (first.json()["format"], first.json()["lines"], first.json()["to_review"]) == ("coda", 1, 0)
    assert BankStatement.objects.count() == 1
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_paid) == (InvoiceStatus.PAID, Decimal("1210.00"))
    refused = api.post("/api/bank-statements/", {"file": SimpleUploadedFile("notes.txt", b"hello")}, format="multipart")
    assert refused.status_code == 400 and set(refused.json()["fields"]) == {"file"}


def test_staff_read_the_peppol_outbox_by_direction_and_status(
    api: APIClient, make_invoice: MakeInvoice, client_be: ThirdParty, advisor: User
) -> None:
    invoice = make_invoice(client_be)
    failed = PeppolDocument.objects.create(
        direction=PeppolDirection.OUTBOUND, status=PeppolStatus.FAILED, invoice=invoice,
        receiver_id="0208:0403019261", document_number=invoice.number or "", attempts=2,
        errors=[{"rule": "BR-CO-09", "message": "VAT identifier without a country prefix"}],
    )  # fmt: skip
    PeppolDocument.objects.create(
        direction=PeppolDirection.INBOUND, status=PeppolStatus.RECEIVED, sender_id="0208:0754316243",
        document_number="INV-7", sha256="1" * 64,
    )  # fmt: skip
    api.force_authenticate(advisor)

    assert api.get("/api/peppol-documents/").json()["count"] == 2
    (row,) = api.get("/api/peppol-documents/", {"direction": "out", "status": "failed"}).json()["results"]
    assert (row["id"], row["invoice_number"], row["attempts"]) == (failed.pk, "F2026-000001", 2)
    assert row["errors"][0]["rule"] == "BR-CO-09"
    assert set(api.get("/api/peppol-documents/", {"status": "lost"}).json()["fields"]) == {"status"}


def test_the_invoicing_endpoints_are_in_the_schema_with_their_refusals(api: APIClient, db: None) -> None:
    schema = api.get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    expected: dict[str, set[str]] = {
        "/api/invoices/": {"get", "post"},
        "/api/invoices/{id}/": {"get", "put", "delete"},
        "/api/invoices/{id}/issue/": {"post"},
        "/api/invoices/{id}/credit-note/": {"post"},
        "/api/invoices/{id}/pdf/": {"get"},
        "/api/invoices/{id}/ubl/": {"get"},
        "/api/invoices/{id}/payments/": {"get", "post"},
        "/api/invoices/{id}/dispute/": {"post"},
        "/api/invoices/{id}/close-dispute/": {"post"},
        "/api/invoices/{id}/write-off/": {"post"},
        "/api/invoices/vat-proposal/": {"get"},
        "/api/bank-statements/": {"get", "post"},
        "/api/payment-review/": {"get"},
        "/api/peppol-documents/": {"get"},
    }
    for path, methods in expected.items():
        assert methods <= set(paths.get(path, {})), path
    assert "application/pdf" in paths["/api/invoices/{id}/pdf/"]["get"]["responses"]["200"]["content"]
    assert "application/xml" in paths["/api/invoices/{id}/ubl/"]["get"]["responses"]["200"]["content"]
    line_schema = schema["components"]["schemas"]["LineInputRequest"]["properties"]
    assert line_schema["unit_price"]["type"] == "string" and "pattern" in line_schema["unit_price"]
