"""Joining the cooperative end to end, in a real browser: an applicant applies online, an advisor of
their office approves in the admin (after the TOTP step), the applicant sees the capital call, the
advisor records the payment, and the applicant downloads the certificate of the shares issued.

The applicant and the advisor each have their own browser context (their own cookies). Both have
English as their saved language, so the visible strings asserted are the catalogues' English msgids
(true before and after the French and Dutch translations); figures and references come from the
database.
"""

import io
import re
import time
from datetime import date
from pathlib import Path

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time
from django.urls import reverse
from playwright.sync_api import BrowserContext, Page, expect
from pypdf import PdfReader

from members.models import (
    ApplicationStatus,
    CapitalCall,
    CapitalCallStatus,
    Member,
    MembershipApplication,
    Office,
    ShareOperation,
    ShareOperationKind,
    User,
)
from smartcoop.models import CooperativeEntity
from tests.conftest import PASSWORD
from tests.members.conftest import national_number

APPLICANT_EMAIL = "elise.lambert@example.be"
ADVISOR_EMAIL = "sophie.advisor@example.be"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # the secret make_staff activates
TOTP_PERIOD = 30
BIRTH = date(1990, 4, 12)
SHARES = 2
AMOUNT = "60.00"  # 2 shares at the cooperative fixture's nominal value of 30.00 EUR
# The Belgian structured communication, as the admin's message and the member's page print it.
REFERENCE = re.compile(r"\+\+\+\d{3}/\d{4}/\d{5}\+\+\+")


def url_of(live_server, name: str, *args: object) -> str:
    return f"{live_server.url}{reverse(name, args=args)}"


def exact_url(live_server, name: str, *args: object) -> re.Pattern[str]:
    return re.compile(re.escape(url_of(live_server, name, *args)) + r"$")


def current_totp_code() -> str:
    # A code is valid in its own 30-second window only: never type one that is about to expire.
    if time.time() % TOTP_PERIOD > TOTP_PERIOD - 3:
        time.sleep(TOTP_PERIOD - time.time() % TOTP_PERIOD + 0.1)
    counter = next(iter(yield_hotp_counters_from_time()))
    return str(format_hotp_value(hotp_value(TOTP_SECRET, counter)))


def log_in(page: Page, live_server, email: str, *, start: str = "") -> None:
    """Fill allauth's login form, reached from `start` (a path) when given, else opened directly."""
    page.goto(f"{live_server.url}{start}" if start else url_of(live_server, "account_login"))
    expect(page).to_have_url(re.compile(re.escape(url_of(live_server, "account_login"))))
    login = page.locator(f"main form[action^='{reverse('account_login')}']")
    login.locator("input[name=login]").fill(email)
    login.locator("input[name=password]").fill(PASSWORD)
    login.locator("button[type=submit]").click()


def apply_for_membership(page: Page, live_server, office: Office, document: Path) -> None:
    page.goto(url_of(live_server, "members:apply"))
    form = page.locator("main form[enctype='multipart/form-data']")
    form.locator("select[name=kind]").select_option("natural")
    form.locator("input[name=first_name]").fill("Élise")
    form.locator("input[name=last_name]").fill("Lambert")
    form.locator("input[name=birth_date]").fill(BIRTH.isoformat())
    form.locator("input[name=national_number]").fill(national_number(BIRTH, 123))
    form.locator("input[name=street]").fill("Rue Saint-Gilles 12")
    form.locator("input[name=postal_code]").fill("4000")
    form.locator("input[name=city]").fill("Liège")
    form.locator("input[name=phone]").fill("+32 4 123 45 67")
    form.locator("input[name=iban]").fill("BE02 3630 0000 0040")
    form.locator("select[name=office]").select_option(str(office.pk))
    design = form.locator("details.sector", has=form.page.locator("input[value=illustrator]"))
    design.locator("summary").click()  # the sector opens; both trades are in it
    for trade in ("graphic-designer", "illustrator"):
        design.locator(f"input[name=trades][value='{trade}']").check()
    form.locator("input[name=shares_requested]").fill(str(SHARES))
    form.locator("input[name=identity_document]").set_input_files(document)
    for consent in ("accepts_statutes", "accepts_rules", "accepts_privacy"):
        form.locator(f"input[name={consent}]").check()
    form.get_by_role("button", name="Send my application").click()


def log_in_to_admin(admin: Page, live_server) -> None:
    """The admin sends to allauth's login, then to the TOTP step, then back to the admin."""
    log_in(admin, live_server, ADVISOR_EMAIL, start=reverse("admin:index"))
    expect(admin).to_have_url(exact_url(live_server, "mfa_authenticate"))
    second_step = admin.locator(f"main form[action='{reverse('mfa_authenticate')}']")
    second_step.locator("input[name=code]").fill(current_totp_code())
    second_step.locator("button[type=submit]").first.click()
    expect(admin).to_have_url(exact_url(live_server, "admin:index"))


def approve(admin: Page, live_server, application: MembershipApplication) -> None:
    admin.goto(url_of(live_server, "admin:members_membershipapplication_changelist"))
    rows = admin.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Élise Lambert")
    rows.first.locator("th a").click()
    change_url = exact_url(live_server, "admin:members_membershipapplication_change", application.pk)
    expect(admin).to_have_url(change_url)
    # The decision buttons submit, through their `form` attribute, a form of their own that must
    # stand outside the change form: a <form> written inside another is dropped by the HTML parser,
    # and a button pointing at a missing form does nothing when clicked.
    expect(admin.locator("form#decision-form")).to_have_count(1)
    admin.get_by_role("button", name="Approve and call for the capital").click()
    expect(admin).to_have_url(change_url)


def record_payment(admin: Page, live_server, reference: str) -> None:
    """Find the call by the communication's 12 digits (as a bank statement may show it) and record it."""
    admin.goto(url_of(live_server, "admin:members_capitalcall_changelist"))
    digits = re.sub(r"\D", "", reference)
    assert len(digits) == 12
    admin.locator("#changelist-search input[name=q]").fill(digits)
    admin.locator("#changelist-search input[type=submit]").click()
    expect(admin).to_have_url(re.compile(rf"\?q={digits}$"))
    rows = admin.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(reference)
    rows.first.locator("input[name=_selected_action]").check()
    actions = admin.locator("#changelist-form")
    actions.locator("select[name=action]").select_option("record_payment_today")
    actions.locator("button[name=index]").click()
    # A bulk action states what it will do (one record, its amount) and waits for the advisor's word.
    expect(admin.locator(".bulk-summary")).to_contain_text("This acts on 1 record, for a total of")
    admin.get_by_role("button", name="Confirm").click()
    # message_user's default level: an "info" message, and no error next to it.
    expect(admin.locator("ul.messagelist")).to_contain_text("1 payment(s) recorded; the shares are issued.")
    expect(admin.locator("ul.messagelist li.error")).to_have_count(0)


def download_certificate(page: Page, live_server, member: Member, directory: Path) -> bytes:
    page.goto(url_of(live_server, "members:shares"))
    expect(page.locator("main")).to_contain_text(f"You hold {SHARES} shares.")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download my share certificate (PDF)").click()
    download = download_info.value
    assert download.failure() is None
    assert download.suggested_filename == f"certificate_{member.number}.pdf"
    saved = directory / download.suggested_filename
    download.save_as(saved)
    return saved.read_bytes()


@pytest.fixture
def liege(db: None) -> Office:
    return Office.objects.create(code="liege", name="Liège", city="Liège")


@pytest.fixture
def applicant(make_user) -> User:
    user: User = make_user(APPLICANT_EMAIL, language="en")
    return user


@pytest.fixture
def advisor(make_staff, liege: Office) -> User:
    user: User = make_staff(ADVISOR_EMAIL, office=liege, language="en")
    return user


@pytest.fixture
def identity_pdf(tmp_path: Path) -> Path:
    path = tmp_path / "identity-card.pdf"
    path.write_bytes(b"%PDF-1.4\n% an identity card, scanned\n%%EOF\n")
    return path


@pytest.mark.e2e
# Transactional (live_server) and restoring the migrations' data first: the roles' groups and the
# chart of accounts (an issue of shares is posted to the ledger) come from migrations.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_applicant_joins_advisor_approves_payment_issues_shares_and_certificate_is_downloaded(
    cooperative: CooperativeEntity,
    liege: Office,
    applicant: User,
    advisor: User,
    media_root: Path,
    identity_pdf: Path,
    tmp_path: Path,
    live_server,
    page: Page,
    advisor_context: BrowserContext,
) -> None:
    # 1. The applicant logs in and applies; the application waits for an advisor.
    log_in(page, live_server, APPLICANT_EMAIL)
    expect(page).to_have_url(exact_url(live_server, "members:dashboard"))
    apply_for_membership(page, live_server, liege, identity_pdf)
    expect(page).to_have_url(exact_url(live_server, "members:membership"))
    expect(page.locator("main dl")).to_contain_text("Submitted, waiting for an advisor")
    application = MembershipApplication.objects.get(user=applicant)
    assert (application.status, application.office_id, application.shares_requested) == (
        ApplicationStatus.SUBMITTED,
        liege.pk,
        SHARES,
    )
    with application.identity_document.open("rb") as document:
        assert document.read() == identity_pdf.read_bytes()

    # 2. The advisor, in their own browser, enters the admin and approves: a capital call is issued.
    admin = advisor_context.new_page()
    log_in_to_admin(admin, live_server)
    approve(admin, live_server, application)
    success = admin.locator("ul.messagelist li.success")
    expect(success).to_contain_text(REFERENCE)
    call = CapitalCall.objects.get(member__user=applicant)
    assert call.reference is not None and REFERENCE.fullmatch(call.reference)
    assert (call.status, call.quantity, str(call.amount)) == (CapitalCallStatus.OPEN, SHARES, AMOUNT)
    expect(success).to_contain_text(call.reference)
    expect(success).to_contain_text(f"{AMOUNT} EUR")

    # 3. The applicant's page shows the call: the same reference, the amount and a QR code to scan.
    page.goto(url_of(live_server, "members:membership"))
    capital_call = page.locator("main section.capital-call")
    expect(capital_call).to_have_count(1)
    expect(capital_call.locator(".reference")).to_have_text(call.reference)
    expect(capital_call).to_contain_text(f"{AMOUNT} EUR")
    expect(capital_call.locator(".qr svg")).to_be_visible()

    # 4. The money arrived: the advisor records the payment, which issues the shares.
    record_payment(admin, live_server, call.reference)
    call.refresh_from_db()
    assert call.status == CapitalCallStatus.PAID
    issue = ShareOperation.objects.get(member__user=applicant, kind=ShareOperationKind.ISSUE)
    assert issue.quantity == SHARES

    # 5. The applicant holds the shares and downloads their certificate: one page, read back.
    member = Member.objects.get(user=applicant)
    content = download_certificate(page, live_server, member, tmp_path)
    assert content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(content))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert "Élise Lambert" in text
    assert re.search(rf"\b{SHARES}\s+Shares held", text, re.IGNORECASE), text
    # The issue's own line in the register: its number, its date, its kind, the shares, the unit value,
    # the amount paid and the shares held after it, as the shares page shows it.
    # English separators, as the page above: the certificate is in the member's language.
    issue_line = f"{issue.number} {issue.operation_date:%d/%m/%Y} Issue {SHARES} 30.00 EUR {AMOUNT} EUR {SHARES}"
    assert issue_line in text.splitlines(), text
