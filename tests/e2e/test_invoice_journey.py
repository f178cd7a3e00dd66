"""From invoice to money, on a phone: a member invoices a client from their Activity, a real worker
delivers it, the member downloads its PDF; the accountant uploads in the admin the bank's CODA
statement paying it by its structured communication (written with the CODA writer); the member
reloads and finds the invoice paid and the Activity's money moved from incoming to available, less
the cooperative's contribution.

The browser is Chromium at 390 x 844; every page visited fits the screen and passes axe-core with
no serious or critical violation. The member reads English, so the words asserted are the
catalogues' msgids; amounts come from the database through the one formatter.

The worker is a real Celery process (`tests.support.celery_worker`) on a queue of this test's own:
what the issue queues when it commits reaches it and no other suite's worker. It writes under its
own MEDIA_ROOT, the project's, so this test keeps that one for the live server too and removes the
PDF it made.
"""

import io
import os
import re
import subprocess
import time
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, Page, expect
from pypdf import PdfReader

from activities.models import Activity, ThirdParty, ThirdPartyKind, Trade
from activities.services import ThirdPartyData, activity_create, third_party_add
from invoicing.bank.coda import coda_write
from invoicing.bank.data import LineData, StatementData
from invoicing.models import Invoice, InvoiceStatus, PeppolDirection, PeppolDocument, PeppolStatus
from members.models import Member, Office, Role, User
from members.services import shares_issue
from smartcoop.celery import app
from smartcoop.models import CooperativeEntity
from smartcoop.money import amount_text
from tests.e2e.axe import assert_accessible
from tests.e2e.test_member_pages import PHONE, assert_fits, browsing
from tests.e2e.test_membership_journey import current_totp_code, exact_url, log_in, url_of
from tests.support import celery_worker, worker_output

FEE = Decimal("800.00")  # one private concert, excl. VAT; 21 % on top
CLIENT_IBAN = "BE71096123456769"
DELIVERY_TIMEOUT_S = 90


@pytest.fixture
def worker(transactional_db: None) -> Iterator[subprocess.Popen[str]]:
    queue = f"test-invoice-journey-{os.getpid()}"
    default_queue = app.conf.task_default_queue
    app.conf.task_default_queue = queue  # what the live server queues on commit goes there
    try:
        with celery_worker("invoice-journey-worker", queue=queue) as process:
            yield process
    finally:
        app.conf.task_default_queue = default_queue


@pytest.fixture
def holder(make_member, make_staff, office: Office) -> Member:
    advisor: User = make_staff("sophie.advisor@example.be", office=office, language="en")
    member: Member = make_member("Pieter", "Janssens")
    User.objects.filter(pk=member.user_id).update(language="en")
    shares_issue(member=member, quantity=1, on=date(2026, 1, 6), key="e2e:journey:share", actor=advisor)
    member.refresh_from_db()
    return member


@pytest.fixture
def accountant(make_staff, office: Office) -> User:
    """Who imports the bank's statements (the accountants' permission), with the second factor the admin asks."""
    user: User = make_staff("marc.accountant@example.be", role=Role.ACCOUNTANT, office=office, language="en")
    return user


@pytest.fixture
def activity(holder: Member) -> Activity:
    return activity_create(
        name="Janssens Live", holder=holder, trades=[Trade.objects.get(code="musician")], actor=holder.user
    )


@pytest.fixture
def client(activity: Activity, holder: Member) -> ThirdParty:
    """A private client: no Peppol identifier, so the invoice goes to her by e-mail."""
    data = ThirdPartyData(
        kind=ThirdPartyKind.PERSON, name="Claire Martin", street="Rue Neuve 3", postal_code="5000", city="Namur",
        country="BE", language="en", email="claire.martin@example.be",
    )  # fmt: skip
    return third_party_add(activity=activity, data=data, actor=holder.user)


def checked(page: Page, label: str) -> None:
    assert_fits(page, label)
    assert_accessible(page, label=label)


def figures(page: Page) -> dict[str, str]:
    """The Activity page's figures as shown: the amount, without the words read out to screen readers."""
    return {
        name: page.locator(f"#figure-{name}").inner_text().strip().splitlines()[0] for name in ("available", "incoming")
    }


def money(value: Decimal) -> str:
    return amount_text(value, language="en")


def write_and_issue(page: Page, live_server, activity: Activity, client: ThirdParty) -> Invoice:
    page.get_by_role("link", name="New invoice", exact=True).click()
    expect(page).to_have_url(exact_url(live_server, "invoicing:create", activity.code))
    checked(page, "new invoice (phone)")
    page.get_by_label("Client", exact=True).select_option(str(client.pk))
    line = page.locator("fieldset#line-1")
    line.get_by_label("Description").fill("Private concert, 12 September")
    line.get_by_label("Quantity").fill("1")
    line.get_by_label("Unit price excl. VAT (EUR)").fill(f"{FEE}")
    expect(page.locator("#total-incl")).to_have_text(money(FEE * Decimal("1.21")))
    page.get_by_role("button", name="Save the draft").click()
    invoice = Invoice.objects.get(activity=activity)
    expect(page).to_have_url(exact_url(live_server, "invoicing:invoice", invoice.pk))
    checked(page, "draft invoice (phone)")
    page.get_by_role("button", name="Issue the invoice").click()
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED and invoice.number and invoice.reference
    expect(page.locator("h1")).to_contain_text(invoice.number)
    expect(page.locator("#invoice-reference")).to_have_text(invoice.reference)
    checked(page, "issued invoice (phone)")
    return invoice


def delivered(invoice: Invoice, log: list[str], worker: subprocess.Popen[str]) -> PeppolDocument:
    """The worker built the PDF and e-mailed it: the outbox row says so."""
    deadline = time.monotonic() + DELIVERY_TIMEOUT_S
    while True:
        row = PeppolDocument.objects.filter(invoice=invoice, direction=PeppolDirection.OUTBOUND).first()
        if row is not None and row.status == PeppolStatus.EMAILED:
            return row
        assert worker.poll() is None, "".join(log) or "the worker died"
        assert time.monotonic() < deadline, f"not delivered in {DELIVERY_TIMEOUT_S} s:\n" + "".join(log)
        time.sleep(0.2)


def downloaded_pdf(page: Page, directory: Path, number: str) -> bytes:
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the PDF").click()
    download = download_info.value
    assert download.failure() is None and download.suggested_filename == f"{number}.pdf"
    saved = directory / download.suggested_filename
    download.save_as(saved)
    return saved.read_bytes()


def import_in_the_admin(admin: Page, live_server, accountant: User, statement: Path, number: str) -> None:
    """Signed in with the second factor, the accountant uploads the file above the list of statements."""
    log_in(admin, live_server, accountant.email, start=reverse("admin:index"))
    expect(admin).to_have_url(exact_url(live_server, "mfa_authenticate"))
    second_step = admin.locator(f"main form[action='{reverse('mfa_authenticate')}']")
    second_step.locator("input[name=code]").fill(current_totp_code())
    second_step.locator("button[type=submit]").first.click()
    expect(admin).to_have_url(exact_url(live_server, "admin:index"))
    admin.goto(url_of(live_server, "admin:invoicing_bankstatement_changelist"))
    upload = admin.locator("#statement-upload")
    upload.get_by_label("Statement file (CODA or camt.053)").set_input_files(statement)
    upload.get_by_role("button", name="Import").click()
    # The answer is the statement's lines: the one line, matched to the invoice.
    lines = url_of(live_server, "admin:invoicing_bankstatementline_changelist")
    expect(admin).to_have_url(re.compile(re.escape(lines) + r"\?statement__id__exact=\d+"))
    expect(admin.locator("ul.messagelist li.error")).to_have_count(0)
    expect(admin.locator("ul.messagelist")).to_contain_text("1 line(s), 1 matched, 0 to review")
    expect(admin.locator("#result_list tbody tr")).to_have_count(1)
    expect(admin.locator("#result_list tbody tr")).to_contain_text(number)
    assert_accessible(admin, label="bank statement's lines, after the import (admin)", preload=False)


def bank_statement(invoice: Invoice, directory: Path) -> Path:
    """The bank's CODA file of today: the client's transfer, with the invoice's structured communication."""
    entity = CooperativeEntity.objects.get(country="BE")
    today = timezone.localdate()
    statement = StatementData(
        account_iban=entity.iban,
        statement_id=f"{today.year}-{today.timetuple().tm_yday:03d}",
        date=today,
        opening_balance=Decimal("25310.44"),
        lines=[
            LineData(
                amount=invoice.total_incl_vat,
                counterparty_name="MARTIN CLAIRE",
                counterparty_iban=CLIENT_IBAN,
                communication=invoice.reference or "",
                structured=True,
                value_date=today,
                bank_reference="E2EJOURNEY0001",
            )
        ],
        account_holder=entity.name,
        bic=entity.bic,
        enterprise_number=entity.enterprise_number,
    )
    path = directory / f"statement-{statement.statement_id}.cod"
    path.write_bytes(coda_write(statement))
    return path


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_member_invoices_from_a_phone_and_the_imported_coda_statement_makes_the_money_available(
    worker: subprocess.Popen[str],
    cooperative: CooperativeEntity,
    holder: Member,
    activity: Activity,
    client: ThirdParty,
    accountant: User,
    tmp_path: Path,
    live_server,
    browser: Browser,
    advisor_context: BrowserContext,
) -> None:
    log = worker_output(worker)
    made: list[Path] = []
    try:
        with browsing(browser, PHONE) as page:
            # 1. The member signs in and opens the Activity: nothing available, nothing incoming.
            log_in(page, live_server, holder.user.email)
            page.goto(url_of(live_server, "activities:detail", activity.code))
            assert figures(page) == {"available": money(Decimal(0)), "incoming": money(Decimal(0))}
            checked(page, "activity before invoicing (phone)")

            # 2. From the Activity: the invoice, written, read as the client will, issued.
            invoice = write_and_issue(page, live_server, activity, client)
            assert invoice.total_excl_vat == FEE and invoice.total_incl_vat == FEE * Decimal("1.21")

            # 3. A real worker builds its PDF and e-mails it to the client (she has no Peppol address).
            delivered(invoice, log, worker)
            invoice.refresh_from_db()
            number, stored = invoice.number or "", invoice.pdf.name or ""
            assert stored and invoice.pdf_pages and invoice.pdf_pages > 0
            made.append(Path(settings.MEDIA_ROOT) / stored)

            # 4. The member downloads it: a PDF of this invoice, pages and all.
            body = downloaded_pdf(page, tmp_path, number)
            assert body.startswith(b"%PDF")
            reader = PdfReader(io.BytesIO(body))
            assert len(reader.pages) > 0
            assert number in "".join(pdf_page.extract_text() for pdf_page in reader.pages)

            # The Activity counts it as incoming: not available until the client pays.
            page.goto(url_of(live_server, "activities:detail", activity.code))
            assert figures(page) == {"available": money(Decimal(0)), "incoming": money(FEE)}

            # 5. The bank's statement arrives; the accountant imports it in the admin, and the
            # transfer is matched by its structured communication.
            statement = bank_statement(invoice, tmp_path)
            import_in_the_admin(advisor_context.new_page(), live_server, accountant, statement, number)

            # 6. The member reloads the invoice: paid, nothing left due.
            page.goto(url_of(live_server, "invoicing:invoice", invoice.pk))
            expect(page.locator("#invoice-state")).to_have_text("paid")
            expect(page.locator("#amount-open")).to_have_text(money(Decimal(0)))
            expect(page.locator("#amount-paid")).to_have_text(money(invoice.total_incl_vat))
            checked(page, "paid invoice (phone)")

            # 7. And the Activity: incoming back to 0, available up by the fee less the 6.5 % contribution.
            page.goto(url_of(live_server, "activities:detail", activity.code))
            contribution = (FEE * cooperative.turnover_contribution_rate).quantize(Decimal("0.01"))
            assert figures(page) == {"available": money(FEE - contribution), "incoming": money(Decimal(0))}
            checked(page, "activity after payment (phone)")
    finally:
        for path in made:
            path.unlink(missing_ok=True)
