"""An Activity's life in a real browser: a member opens an Activity from the trade register, money
arrives, the member submits an expense claim with its receipt, an advisor of the office approves it
in the admin (after the TOTP step), and the Activity page shows the new balance and the movement.

Both people have English as their saved language, so the strings asserted are the catalogues'
English msgids; amounts and codes come from the database.
"""

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from activities.models import Activity, ClaimStatus, ExpenseClaim
from activities.selectors import activity_books
from activities.services import activity_income_record
from members.models import Member, Office, User
from members.services import shares_issue
from smartcoop.models import CooperativeEntity
from tests.e2e.test_membership_journey import ADVISOR_EMAIL, exact_url, log_in, log_in_to_admin, url_of

SUBSIDY = Decimal("1000.00")


@pytest.fixture
def advisor(make_staff, office: Office) -> User:
    user: User = make_staff(ADVISOR_EMAIL, office=office, language="en")
    return user


@pytest.fixture
def musician_member(make_member, advisor: User) -> Member:
    member: Member = make_member("Amélie", "Dubois")
    User.objects.filter(pk=member.user_id).update(language="en")
    shares_issue(member=member, quantity=1, on=date(2026, 1, 6), key="e2e:share", actor=advisor)
    member.refresh_from_db()
    return member


@pytest.fixture
def receipt(tmp_path: Path) -> Path:
    path = tmp_path / "ticket-librairie.pdf"
    path.write_bytes(b"%PDF-1.4\n% a bookshop receipt, scanned\n%%EOF\n")
    return path


def open_activity(page: Page, live_server) -> Activity:
    page.goto(url_of(live_server, "activities:create"))
    form = page.locator("main form")
    form.locator("input[name=name]").fill("Atelier Dubois")
    form.locator("details.sector").filter(has_text="Arts and performance").locator("summary").click()
    form.get_by_label("Musician", exact=True).check()
    form.get_by_role("button", name="Open the Activity").click()
    activity = Activity.objects.get(name="Atelier Dubois")
    expect(page).to_have_url(exact_url(live_server, "activities:detail", activity.code))
    return activity


def submit_claim(page: Page, live_server, activity: Activity, receipt: Path) -> ExpenseClaim:
    page.goto(url_of(live_server, "activities:claim_create", activity.code))
    page.locator("main form input[name=title]").fill("Books for the workshop")
    page.get_by_role("button", name="Create the claim").click()
    claim = ExpenseClaim.objects.get(activity=activity)
    expect(page).to_have_url(exact_url(live_server, "activities:claim_detail", claim.pk))
    line = page.locator("form#expense-line-form")
    line.locator("input[name=spent_on]").fill("2026-03-03")
    line.locator("select[name=category]").select_option(label="Supplies and small equipment")
    line.locator("input[name=description]").fill("Illustration books")
    line.locator("input[name=amount]").fill("121.00")
    line.locator("input[name=vat]").fill("21.00")
    line.locator("input[name=receipt]").set_input_files(receipt)
    line.get_by_role("button", name="Add the expense").click()
    expect(page.locator("#claim-total")).to_contain_text("121.00")
    page.get_by_role("button", name="Submit the claim").click()
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED
    return claim


def approve_claim(admin: Page, live_server, claim: ExpenseClaim) -> None:
    admin.goto(url_of(live_server, "admin:activities_expenseclaim_changelist"))
    rows = admin.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Books for the workshop")
    rows.first.locator("th a").click()
    change_url = exact_url(live_server, "admin:activities_expenseclaim_change", claim.pk)
    expect(admin).to_have_url(change_url)
    expect(admin.locator("form#decision-form")).to_have_count(1)
    admin.get_by_role("button", name="Approve: charge the Activity").click()
    expect(admin).to_have_url(change_url)
    expect(admin.locator("ul.messagelist li.error")).to_have_count(0)
    expect(admin.locator("ul.messagelist")).to_contain_text("Approved.")


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_member_opens_an_activity_claims_an_expense_advisor_approves_and_the_books_show_it(
    cooperative: CooperativeEntity,
    musician_member: Member,
    advisor: User,
    media_root: Path,
    receipt: Path,
    live_server,
    page: Page,
    advisor_context: BrowserContext,
) -> None:
    # 1. The member opens an Activity, choosing a trade from the register.
    log_in(page, live_server, musician_member.user.email)
    expect(page).to_have_url(exact_url(live_server, "members:dashboard"))
    activity = open_activity(page, live_server)

    # 2. A subsidy arrives on the cooperative's account for the Activity.
    activity_income_record(
        activity=activity,
        amount=SUBSIDY,
        source="subsidy",
        memo="Subsidy of the Wallonia-Brussels Federation",
        received_on=date(2026, 3, 1),
        key="e2e:subsidy",
        actor=advisor,
    )

    # 3. The member claims an expense with its receipt and submits the claim.
    claim = submit_claim(page, live_server, activity, receipt)
    with claim.lines.get().receipt.open("rb") as stored:
        assert stored.read() == receipt.read_bytes()

    # 4. The advisor of the office approves it in the admin.
    admin = advisor_context.new_page()
    log_in_to_admin(admin, live_server)
    approve_claim(admin, live_server, claim)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.APPROVED

    # 5. The Activity page shows the new balance (121 spent, 21 of VAT recovered) and the movement.
    books = activity_books(activity=activity)
    assert (books.available, books.committed) == (Decimal("900.00"), Decimal("100.00"))
    page.goto(url_of(live_server, "activities:detail", activity.code))
    main = page.locator("main")
    expect(main).to_contain_text(re.compile(r"900\.00\s*EUR"))
    expect(main).to_contain_text(re.compile(r"100\.00\s*EUR"))
    expect(main).to_contain_text("Books for the workshop")
    expect(main).to_contain_text("Subsidy of the Wallonia-Brussels Federation")
