"""The invoice pages of the Espace membre: the draft read as the client will, issued once however often
it is asked, the list and its filters (overdue included), one invoice with its payments and credit
notes, its PDF and UBL, crediting it, and nothing of it shown to another member.

Pages are asked through Django's test client on the real database; the PDF is WeasyPrint's, read
back with pypdf. The holder reads English (`member_client`), so words are the catalogues' msgids;
the document previewed in the client's language is compared with the catalogue's own text in
that language, so the tests hold once the catalogues are translated.
"""

import io
import threading
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from activities.models import Activity
from invoicing import vat
from invoicing.issuers import activity_issuer
from invoicing.models import Invoice, InvoiceCounter, InvoiceState, InvoiceStatus
from invoicing.selectors import OPEN, current_state, filter_state, with_state
from invoicing.services.invoices import InvoiceData, credit_note_create, invoice_draft_create, invoice_issue
from invoicing.services.payments import invoice_payment_record
from members.models import Member, User
from members.services import shares_issue
from smartcoop.ledger.models import Transaction
from smartcoop.money import amount_text
from tests.activities.conftest import DAY
from tests.invoicing.conftest import ISSUED_ON, MakeInvoice, _client, line

pytestmark = pytest.mark.django_db


@pytest.fixture
def stranger(make_member, advisor: User) -> Member:
    """An admitted member who holds nothing of the holder's."""
    member: Member = make_member("Bart", "Peeters")
    shares_issue(member=member, quantity=1, on=DAY, key=f"test:{member.pk}:share", actor=advisor)
    member.refresh_from_db()
    return member


@pytest.fixture
def member_client(client: Client, holder: Member) -> Client:
    """The holder, signed in, reading English: the pages' words are then the catalogues' msgids."""
    User.objects.filter(pk=holder.user_id).update(language="en")
    client.force_login(holder.user)
    return client


@pytest.fixture(autouse=True)
def _media(settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"  # the PDFs a test prints land in its own directory


def page_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return str(response.content.decode())


# --- the draft, read and issued -------------------------------------------------------------------------


def test_the_draft_reads_as_the_client_will_in_their_language(member_client, make_invoice, client_fr):
    draft = make_invoice(client_fr, line("Mixage", "3", "400", category="AE", rate="0"), issue=False)
    page = page_of(member_client.get(reverse("invoicing:invoice", args=[draft.pk])))
    assert '<article class="card invoice-document" lang="fr"' in page
    with translation.override("fr"):
        mention, total = str(vat.REVERSE_CHARGE.mention), amount_text(Decimal("1200.00"))
    assert mention in page and total in page
    assert "Atelier Lumière SARL" in page and "FR 403 032 650 45" in page
    assert "Issue the invoice" in page and reverse("invoicing:edit", args=[draft.pk]) in page


def test_a_public_buyer_on_peppol_is_asked_for_its_reference(member_client, make_invoice, client_be):
    draft = make_invoice(client_be, issue=False)
    assert "Peppol" in page_of(member_client.get(reverse("invoicing:invoice", args=[draft.pk])))
    referenced = make_invoice(client_be, issue=False, buyer_reference="DOSSIER-2026-17")
    assert "Peppol" not in page_of(member_client.get(reverse("invoicing:invoice", args=[referenced.pk])))


def test_issuing_twice_issues_once_with_one_number(member_client, make_invoice, client_be):
    draft = make_invoice(client_be, issue=False)
    issue = reverse("invoicing:issue", args=[draft.pk])
    first, second = member_client.post(issue), member_client.post(issue)
    detail = reverse("invoicing:invoice", args=[draft.pk])
    assert first.status_code == second.status_code == 302 and first["Location"] == second["Location"] == detail
    draft.refresh_from_db()
    assert draft.status == InvoiceStatus.ISSUED and draft.number == f"F{date.today().year}-000001"
    assert InvoiceCounter.objects.get(series="F").last == 1
    assert Transaction.objects.filter(key=f"invoice:{draft.pk}:issue").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_double_click_sent_at_once_issues_once(make_invoice, client_be, holder):
    draft = make_invoice(client_be, issue=False)
    issue = reverse("invoicing:issue", args=[draft.pk])
    start = threading.Barrier(2, timeout=30)
    statuses: list[int] = []

    def click() -> None:
        browser = Client()
        browser.force_login(holder.user)
        start.wait()
        try:
            statuses.append(browser.post(issue).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert statuses == [302, 302]
    draft.refresh_from_db()
    assert draft.number is not None and InvoiceCounter.objects.get(series="F").last == 1
    assert Transaction.objects.filter(key=f"invoice:{draft.pk}:issue").count() == 1


def test_a_draft_is_deleted(member_client, make_invoice, client_be, activity):
    draft = make_invoice(client_be, issue=False)
    response = member_client.post(reverse("invoicing:delete", args=[draft.pk]))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('invoicing:list')}?activity={activity.code}"
    assert not Invoice.objects.filter(pk=draft.pk).exists()
    issued = make_invoice(client_be)
    member_client.post(reverse("invoicing:delete", args=[issued.pk]))
    assert Invoice.objects.filter(pk=issued.pk).exists()  # an issued invoice is credited, never deleted


# --- one issued invoice ---------------------------------------------------------------------------------


def test_the_invoice_shows_what_was_paid_credited_and_is_still_due(
    member_client, make_invoice, client_be, holder, advisor
):
    invoice = make_invoice(client_be, line("Concert", "1", "1000"), line("Affiches", "10", "3.15", rate="6"))
    invoice_payment_record(invoice=invoice, amount=Decimal("500.00"), paid_on=ISSUED_ON, key="t:1", actor=advisor)
    note = credit_note_create(invoice=invoice, reason="Affiches non livrées", actor=holder.user, lines=[
        line("Affiches", "1", "31.50", rate="6")
    ])  # fmt: skip
    note = invoice_issue(invoice=note, actor=holder.user, on=ISSUED_ON)
    page = page_of(member_client.get(reverse("invoicing:invoice", args=[invoice.pk])))
    with translation.override("en"):
        figures = {name: amount_text(Decimal(value)) for name, value in (
            ("total", "1243.39"), ("paid", "500.00"), ("credited", "33.39"), ("open", "710.00")
        )}  # fmt: skip
    for figure in figures.values():
        assert figure in page
    assert f'id="amount-open"><strong>{figures["open"]}</strong>' in page
    assert f"{note.number}<" in page and "Affiches non livrées" in page
    assert f'data-copy="{invoice.reference}"' in page
    assert "<svg" in page  # the EPC QR code for what is still due
    assert reverse("invoicing:pdf", args=[invoice.pk]) in page and reverse("invoicing:ubl", args=[invoice.pk]) in page
    assert "Credit this invoice" in page
    credit_page = page_of(member_client.get(reverse("invoicing:invoice", args=[note.pk])))
    assert reverse("invoicing:invoice", args=[invoice.pk]) in credit_page and "Credit this invoice" not in credit_page


def test_the_pdf_downloaded_is_the_invoice(member_client, make_invoice, client_be):
    invoice = make_invoice(client_be, line("Concert", "1", "1000"))
    response = member_client.get(reverse("invoicing:pdf", args=[invoice.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{invoice.number}.pdf"'
    body = response.content
    assert body.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
    assert invoice.number in text and "Théâtre de la Balsamine" in text


def test_the_ubl_downloaded_is_the_invoice(member_client, make_invoice, client_be):
    invoice = make_invoice(client_be)
    response = member_client.get(reverse("invoicing:ubl", args=[invoice.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/xml"
    assert f"<cbc:ID>{invoice.number}</cbc:ID>".encode() in response.content


def test_a_draft_has_no_document_to_download(member_client, make_invoice, client_be):
    draft = make_invoice(client_be, issue=False)
    assert member_client.get(reverse("invoicing:pdf", args=[draft.pk])).status_code == 404
    assert member_client.get(reverse("invoicing:ubl", args=[draft.pk])).status_code == 404


def test_another_member_finds_nothing(client: Client, make_invoice, client_be, stranger):
    invoice, draft = make_invoice(client_be), make_invoice(client_be, issue=False)
    client.force_login(stranger.user)
    for name, pk in (("invoice", invoice.pk), ("pdf", invoice.pk), ("ubl", invoice.pk), ("credit", invoice.pk),
                     ("invoice", draft.pk), ("edit", draft.pk)):  # fmt: skip
        assert client.get(reverse(f"invoicing:{name}", args=[pk])).status_code == 404, name
    for name in ("issue", "delete"):
        assert client.post(reverse(f"invoicing:{name}", args=[draft.pk])).status_code == 404, name
    draft.refresh_from_db()
    assert draft.status == InvoiceStatus.DRAFT
    assert "Théâtre" not in page_of(client.get(reverse("invoicing:list")))


# --- crediting ---------------------------------------------------------------------------------------------


def test_part_of_an_invoice_is_credited_then_issued(member_client, make_invoice, client_be):
    invoice = make_invoice(client_be, line("Concert", "1", "1000"), line("Affiches", "10", "3.15", rate="6"))
    concert = invoice.lines.get(description="Concert")
    response = member_client.post(
        reverse("invoicing:credit", args=[invoice.pk]),
        {"reason": "Concert écourté", "extent": "part", f"line_{concert.pk}": "250,00"},
    )
    note = Invoice.objects.get(credited_invoice=invoice)
    assert response.status_code == 302 and response["Location"] == reverse("invoicing:invoice", args=[note.pk])
    assert note.status == InvoiceStatus.DRAFT and note.total_excl_vat == Decimal("250.00")
    assert member_client.post(reverse("invoicing:issue", args=[note.pk])).status_code == 302
    invoice.refresh_from_db()
    assert invoice.amount_credited == Decimal("302.50")


def test_crediting_more_than_a_line_charged_is_refused_and_nothing_saved(member_client, make_invoice, client_be):
    invoice = make_invoice(client_be, line("Concert", "1", "1000"))
    concert = invoice.lines.get()
    response = member_client.post(
        reverse("invoicing:credit", args=[invoice.pk]),
        {"reason": "Erreur", "extent": "part", f"line_{concert.pk}": "1000,01"},
    )
    assert response.status_code == 400
    assert "only 1,000.00 EUR is left to credit" in response.content.decode()
    assert not Invoice.objects.filter(credited_invoice=invoice).exists()
    whole = member_client.post(reverse("invoicing:credit", args=[invoice.pk]), {"reason": "Annulé", "extent": "whole"})
    assert whole.status_code == 302
    assert Invoice.objects.get(credited_invoice=invoice).total_incl_vat == Decimal("1210.00")


# --- the list ----------------------------------------------------------------------------------------------


@pytest.fixture
def invoices_of_every_state(make_invoice: MakeInvoice, make_activity, client_be, holder, advisor) -> dict[str, Invoice]:
    """Issued on 10/03/2026: one due in April, one paid, one due in June, a draft, another Activity's due in June."""
    late = make_invoice(client_be, line("Concert", "1", "1000"))
    paid = make_invoice(client_be, line("Atelier", "1", "300"))
    invoice_payment_record(invoice=paid, amount=Decimal("363.00"), paid_on=ISSUED_ON, key="t:paid", actor=advisor)
    later = make_invoice(client_be, line("Résidence", "1", "800"), due_date=date(2026, 6, 30))
    draft = make_invoice(client_be, line("Tournée", "1", "2000"), issue=False)
    second: Activity = make_activity("Atelier Verre")
    elsewhere_client = _client(
        second, holder, kind="person", name="Lucie Verrier", city="Charleroi", postal_code="6000"
    )
    elsewhere = invoice_issue(
        invoice=invoice_draft_create(
            issuer=activity_issuer(second),
            data=InvoiceData(client=elsewhere_client, lines=[line()], due_date=date(2026, 6, 30)),
            actor=holder.user,
        ),
        actor=holder.user,
        on=ISSUED_ON,
    )
    return {"late": late, "paid": paid, "later": later, "draft": draft, "elsewhere": elsewhere}


def listed(client: Client, **filters: str) -> list[int]:
    response = client.get(reverse("invoicing:list"), filters)
    assert response.status_code == 200
    return [invoice.pk for invoice, _label in response.context["rows"]]


@time_machine.travel(date(2026, 5, 1), tick=False)
def test_the_list_filters_by_state_overdue_included_and_by_activity(member_client, invoices_of_every_state, activity):
    pk = {name: invoice.pk for name, invoice in invoices_of_every_state.items()}
    assert listed(member_client, state="overdue") == [pk["late"]]
    assert listed(member_client, state="issued") == [pk["elsewhere"], pk["later"]]
    assert sorted(listed(member_client, state=OPEN)) == sorted([pk["late"], pk["later"], pk["elsewhere"]])
    assert listed(member_client, state="paid") == [pk["paid"]]
    assert listed(member_client, state="draft") == [pk["draft"]]
    mine = listed(member_client, activity=activity.code)
    assert pk["elsewhere"] not in mine and mine[0] == pk["draft"]  # newest first, drafts on top
    assert listed(member_client, activity=activity.code, state="overdue") == [pk["late"]]
    page = page_of(member_client.get(reverse("invoicing:list"), {"state": "overdue"}))
    assert 'class="status status-overdue"' in page and "Overdue" in page


def test_overdue_is_computed_on_the_day_asked(invoices_of_every_state):
    late = Invoice.objects.filter(pk=invoices_of_every_state["late"].pk)
    assert current_state(with_state(late, today=date(2026, 4, 9)).get()) == InvoiceStatus.ISSUED
    assert current_state(with_state(late, today=date(2026, 4, 10)).get()) == InvoiceState.OVERDUE
    assert late.get().state_on(date(2026, 4, 10)) == InvoiceState.OVERDUE  # the model says the same
    assert not filter_state(late, "overdue", today=date(2026, 4, 9)).exists()
    assert not filter_state(late, "issued", today=date(2026, 4, 10)).exists()


def test_the_activity_page_offers_a_new_invoice_and_leads_from_incoming_to_open_invoices(
    member_client, make_invoice, client_be, activity
):
    make_invoice(client_be)
    page = page_of(member_client.get(reverse("activities:detail", args=[activity.code])))
    assert reverse("invoicing:create", args=[activity.code]) in page
    assert f"{reverse('invoicing:list')}?activity={activity.code}&amp;state=open" in page
    assert f'href="{reverse("invoicing:list")}"' in page  # in the member's navigation


# --- a fixed number of queries, whatever the history --------------------------------------------------------


def _queries(client: Client, url: str, **params: str) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url, params).status_code == 200
    return len(context.captured_queries)


def test_the_list_costs_the_same_queries_for_3_or_25_invoices(
    member_client, make_invoice, client_be, django_assert_max_num_queries
):
    for _ in range(3):
        make_invoice(client_be)
    few = _queries(member_client, reverse("invoicing:list"))
    for _ in range(22):
        make_invoice(client_be)
    assert _queries(member_client, reverse("invoicing:list")) == few
    # 8 measured: the page's own (session, user, unread notifications) and the list's, rows read with their relations.
    with django_assert_max_num_queries(8):
        member_client.get(reverse("invoicing:list"), {"state": "overdue"})


def test_the_invoice_page_costs_the_same_queries_whatever_its_payments_and_lines(
    member_client, make_invoice, client_be, holder, advisor, django_assert_max_num_queries
):
    small = make_invoice(client_be, line("Concert", "1", "1000"))
    invoice_payment_record(invoice=small, amount=Decimal("10.00"), paid_on=ISSUED_ON, key="s:1", actor=advisor)
    few = _queries(member_client, reverse("invoicing:invoice", args=[small.pk]))
    big = make_invoice(client_be, *[line(f"Séance {n}", "1", "100") for n in range(12)])
    for n in range(6):
        invoice_payment_record(invoice=big, amount=Decimal("10.00"), paid_on=ISSUED_ON, key=f"b:{n}", actor=advisor)
    for _ in range(2):
        note = credit_note_create(invoice=big, reason="Séance annulée", actor=holder.user, lines=[line(price="50")])
        invoice_issue(invoice=note, actor=holder.user, on=ISSUED_ON)
    assert _queries(member_client, reverse("invoicing:invoice", args=[big.pk])) == few
    # 10 measured: the page's own, the invoice with its relations, its lines, payments and credit notes, and the
    # policy's one question (may this member credit it?).
    with django_assert_max_num_queries(10):
        member_client.get(reverse("invoicing:invoice", args=[big.pk]))
