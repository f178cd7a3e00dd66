"""An invoice's life on a phone, in a real browser: a member opens the invoice form from their
Activity, is told what is missing, adds a new client on the way, types two lines while the server
totals them, saves the draft, reads it as the client will, issues it, and downloads its PDF. Then
every invoice page of the demo cooperative (a draft, overdue, partly paid, paid, credited invoices,
a credit note), on a phone and on a desktop.

Every page fits a 390 px screen without sideways scrolling and passes axe-core with no serious or
critical violation (`tests/e2e/axe.py`). The member of the journey reads English, so the words
asserted are the catalogues' msgids; amounts and numbers come from the database.
"""

import io
import re
from datetime import date
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader

from activities.models import Activity, ThirdParty, Trade
from activities.services import activity_create
from invoicing.models import Invoice, InvoiceStatus
from members.models import Member, Office, User
from members.services import shares_issue
from smartcoop.demo import DEMO_PASSWORD
from smartcoop.models import CooperativeEntity
from smartcoop.money import amount_text
from tests.e2e.axe import assert_accessible
from tests.e2e.test_member_pages import DESKTOP, PHONE, assert_fits, browsing, visit_all
from tests.e2e.test_member_pages import log_in as member_log_in
from tests.e2e.test_membership_journey import exact_url, log_in, url_of


@pytest.fixture
def holder(make_member, make_staff, office: Office) -> Member:
    advisor: User = make_staff("sophie.advisor@example.be", office=office, language="en")
    member: Member = make_member("Amélie", "Dubois")
    User.objects.filter(pk=member.user_id).update(language="en")
    shares_issue(member=member, quantity=1, on=date(2026, 1, 6), key="e2e:invoice:share", actor=advisor)
    member.refresh_from_db()
    return member


@pytest.fixture
def activity(holder: Member) -> Activity:
    return activity_create(
        name="Studio Dubois", holder=holder, trades=[Trade.objects.get(code="musician")], actor=holder.user
    )


def checked(page: Page, label: str) -> None:
    """The page as it is now fits a phone and passes axe."""
    assert_fits(page, label)
    assert_accessible(page, label=label)


def fill_line(page: Page, index: int, description: str, quantity: str, price: str, vat: str | None = None) -> None:
    line = page.locator(f"fieldset#line-{index + 1}")
    line.locator(f"input[name='lines-{index}-description']").fill(description)
    line.locator(f"input[name='lines-{index}-quantity']").fill(quantity)
    line.locator(f"input[name='lines-{index}-unit_price']").fill(price)
    if vat is not None:
        line.locator(f"select[name='lines-{index}-vat']").select_option(vat)


def save_refused(page: Page) -> None:
    page.locator(".page-actions button[value=save]").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).not_to_have_count(0)
    # The Activity has no client yet: a new one is to be typed, and its fields say what is missing.
    expect(page.locator("input[name='new_client-name']")).to_have_attribute("aria-invalid", "true")
    checked(page, "new invoice refused (phone)")


def downloaded_pdf_text(page: Page, directory: Path, number: str) -> str:
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the PDF").click()
    download = download_info.value
    assert download.failure() is None and download.suggested_filename == f"{number}.pdf"
    saved = directory / download.suggested_filename
    download.save_as(saved)
    body = saved.read_bytes()
    assert body.startswith(b"%PDF")
    return "".join(pdf_page.extract_text() for pdf_page in PdfReader(io.BytesIO(body)).pages)


def type_new_client(page: Page) -> None:
    page.locator("select[name=client]").select_option("new")
    new_client = page.locator("details.new-client")
    expect(new_client).to_have_attribute("open", "")
    for name, value in (
        ("name", "Théâtre de la Balsamine"),
        ("street", "Avenue Félix Marchal 1"),
        ("postal_code", "1030"),
        ("city", "Schaerbeek"),
        ("country", "BE"),
        ("vat_number", "BE 0403.019.261"),
    ):
        new_client.locator(f"input[name='new_client-{name}']").fill(value)
    new_client.locator("select[name='new_client-language']").select_option("fr")


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_member_writes_reads_issues_and_downloads_an_invoice_on_a_phone(
    cooperative: CooperativeEntity, holder: Member, activity: Activity, media_root: Path, live_server, browser: Browser
) -> None:
    with browsing(browser, PHONE) as page:
        log_in(page, live_server, holder.user.email)
        expect(page).not_to_have_url(re.compile("login"))

        # 1. From the Activity, "New invoice": the form, with one line.
        page.goto(url_of(live_server, "activities:detail", activity.code))
        page.get_by_role("link", name="New invoice", exact=True).click()
        expect(page).to_have_url(exact_url(live_server, "invoicing:create", activity.code))
        checked(page, "new invoice (phone)")

        # 2. Saved empty: every problem in one summary, focused, each leading to its field; nothing written.
        save_refused(page)
        assert not Invoice.objects.exists()

        # 3. The new client, typed on the way; the VAT proposed for them is said beside.
        type_new_client(page)
        expect(page.locator("#vat-proposal")).to_contain_text("Belgian client: VAT at 21 %")

        # 4. Lines: the server totals them as they are typed; a line added keeps what was typed.
        fill_line(page, 0, "Concert of 21 June", "2", "500")
        expect(page.locator("#total-incl")).to_have_text("1,210.00 EUR")
        page.get_by_role("button", name="Add a line").click()
        expect(page.locator("input[name='lines-0-description']")).to_have_value("Concert of 21 June")
        expect(page.locator("input[name='new_client-name']")).to_have_value("Théâtre de la Balsamine")
        fill_line(page, 1, "Posters", "10", "3.15", vat="S:6.00")
        expect(page.locator("#total-incl")).to_have_text("1,243.39 EUR")
        checked(page, "new invoice, two lines (phone)")

        # 5. Saved: the draft, read as the client will (in French, their language).
        page.locator(".page-actions button[value=save]").click()
        invoice = Invoice.objects.get()
        expect(page).to_have_url(exact_url(live_server, "invoicing:invoice", invoice.pk))
        assert invoice.status == InvoiceStatus.DRAFT and invoice.total_incl_vat == Decimal("1243.39")
        assert ThirdParty.objects.filter(name="Théâtre de la Balsamine", activity_links__activity=activity).exists()
        document = page.locator("article.invoice-document")
        expect(document).to_have_attribute("lang", "fr")
        expect(document).to_contain_text("Théâtre de la Balsamine")
        expect(document.locator("#invoice-total")).to_have_text(amount_text(Decimal("1243.39"), language="fr"))
        checked(page, "draft invoice (phone)")

        # 6. Issued: the invoice with its number, and how the client pays it.
        page.get_by_role("button", name="Issue the invoice").click()
        number = f"F{date.today().year}-000001"
        expect(page.locator("h1")).to_contain_text(number)
        invoice.refresh_from_db()
        assert invoice.number == number and invoice.status == InvoiceStatus.ISSUED
        expect(page.locator("#invoice-reference")).to_have_text(invoice.reference or "")
        checked(page, "issued invoice (phone)")

        # 7. Its PDF, downloaded: a PDF of this invoice.
        text = downloaded_pdf_text(page, media_root.parent, number)
        assert number in text and "Théâtre de la Balsamine" in text

        # 8. The list: the invoice, issued and awaiting payment.
        page.goto(f"{url_of(live_server, 'invoicing:list')}?activity={activity.code}&state=open")
        expect(page.locator("tr.invoice-row")).to_have_count(1)
        expect(page.locator("tr.invoice-row")).to_contain_text(number)
        checked(page, "invoices awaiting payment (phone)")

        # 9. Crediting it starts from its page: the form, before anything is written.
        page.locator("tr.invoice-row a").click()
        page.get_by_role("link", name="Credit this invoice").click()
        expect(page).to_have_url(exact_url(live_server, "invoicing:credit", invoice.pk))
        checked(page, "credit an invoice (phone)")


DEMO_MEMBER_EMAIL = "emma.walsh@demo.smartcoop.be"  # smartcoop/demo.py: her Activity has every kind of invoice


def demo_invoice_pages() -> list[tuple[str, str]]:
    emma = User.objects.get(email=DEMO_MEMBER_EMAIL)
    invoices = list(Invoice.objects.filter(activity__holders__member__user=emma).order_by("pk"))
    kinds = {invoice.state for invoice in invoices} | {invoice.kind for invoice in invoices}
    assert {"draft", "overdue", "paid", "credit"} <= kinds, kinds
    draft = next(invoice for invoice in invoices if invoice.status == InvoiceStatus.DRAFT)
    credited = next(invoice for invoice in invoices if invoice.credit_notes.exists())
    code = draft.activity.code if draft.activity else ""
    pages = [
        ("invoices", reverse("invoicing:list")),
        ("invoices overdue", f"{reverse('invoicing:list')}?state=overdue"),
        ("new invoice", reverse("invoicing:create", args=[code])),
        ("edit a draft", reverse("invoicing:edit", args=[draft.pk])),
        ("credit an invoice", reverse("invoicing:credit", args=[credited.pk])),
    ]
    return pages + [(f"{invoice.get_kind_display()} {invoice.state}", reverse("invoicing:invoice", args=[invoice.pk]))
                    for invoice in invoices]  # fmt: skip


@pytest.mark.e2e
def test_every_invoice_page_of_the_demo_fits_a_phone_and_passes_axe(
    transactional_db: None, media_root: Path, live_server, browser: Browser
) -> None:
    call_command("seed_demo", stdout=StringIO())
    pages = demo_invoice_pages()
    for screen, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        with browsing(browser, viewport) as page:
            member_log_in(page, live_server, DEMO_MEMBER_EMAIL, DEMO_PASSWORD)
            visit_all(page, live_server, pages, screen=screen)
