"""The advisor's desk in a real browser at 1280 x 800: the index lists the queues with their counts,
the claims queue keeps its "waiting since" column in view, a claim opens with its receipt shown in
the page, and "approve and open the next one" lands on the next claim of the office. axe-core
checks the index, the queue and the decision page.

The advisor's saved language is English, so the strings asserted are the catalogues' msgids.
"""
# ruff: noqa: F811

import io
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image
from playwright.sync_api import Page, ViewportSize, expect

from activities.models import Activity, ClaimStatus, ExpenseCategory, ExpenseClaim
from activities.services import ExpenseLineData, expense_claim_create, expense_claim_submit, expense_line_add
from members.models import Member, Office, User

# The Activities' fixtures (a holder with a share, an Activity with money, the categories); their
# `advisor` is this module's, the one log_in_to_admin signs in.
from tests.activities.conftest import (  # noqa: F401
    MakeActivity,
    holder,
    make_activity,
    musician,
    supplies,
)
from tests.e2e.axe import assert_accessible
from tests.e2e.test_membership_journey import ADVISOR_EMAIL, exact_url, log_in_to_admin, url_of

DESK_VIEWPORT: ViewportSize = {"width": 1280, "height": 800}


@pytest.fixture
def advisor(make_staff, office: Office) -> User:
    user: User = make_staff(ADVISOR_EMAIL, office=office, language="en")
    return user


def _receipt_png() -> SimpleUploadedFile:
    picture = io.BytesIO()
    Image.new("RGB", (120, 80), (240, 240, 230)).save(picture, format="PNG")
    return SimpleUploadedFile("ticket.png", picture.getvalue(), content_type="image/png")


def _claim(activity: Activity, member: Member, category: ExpenseCategory, title: str, days: int) -> ExpenseClaim:
    claim = expense_claim_create(activity=activity, title=title, actor=member.user)
    expense_line_add(
        claim=claim,
        data=ExpenseLineData(
            spent_on=date(2026, 3, 3), category=category, description="Strings", amount=Decimal("24.20")
        ),
        receipt=_receipt_png(),
        actor=member.user,
    )
    claim = expense_claim_submit(claim=claim, actor=member.user)
    ExpenseClaim.objects.filter(pk=claim.pk).update(submitted_at=timezone.now() - timedelta(days=days, hours=1))
    return claim


def _within_the_viewport(page: Page, selector: str) -> None:
    box = page.locator(selector).bounding_box()
    assert box is not None, f"{selector} is not shown"
    assert box["x"] >= 0 and box["x"] + box["width"] <= DESK_VIEWPORT["width"], f"{selector} is out of view: {box}"


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_advisor_works_the_claims_queue_from_the_index_to_the_next_claim(
    cooperative: object,
    holder: Member,
    make_activity: MakeActivity,
    supplies: ExpenseCategory,
    advisor: User,
    media_root: object,
    live_server,
    page: Page,
) -> None:
    activity = make_activity(funds=Decimal("500.00"))
    first = _claim(activity, holder, supplies, "Tour of March", days=3)
    second = _claim(activity, holder, supplies, "Tour of April", days=1)
    page.set_viewport_size(DESK_VIEWPORT)

    # 1. After the two steps of the login, the index shows the queues with their counts.
    log_in_to_admin(page, live_server)
    queues = page.locator("section.desk-queues")
    claims_row = queues.locator("tr", has_text="Expense claims to approve")
    expect(claims_row.locator("td.number")).to_have_text("2")
    expect(claims_row).to_contain_text(re.compile(r"oldest: 3\s+days"))
    assert_accessible(page, label="admin index with the queues")

    # 2. The queue, oldest first, its "waiting since" column in view at 1280 px.
    claims_row.get_by_role("link", name="Expense claims to approve").click()
    expect(page).to_have_url(re.compile(re.escape(url_of(live_server, "admin:activities_expenseclaim_changelist"))))
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Tour of March")
    _within_the_viewport(page, "#result_list th.column-waiting_since")
    assert page.evaluate("document.documentElement.scrollWidth") <= DESK_VIEWPORT["width"]
    assert_accessible(page, label="expense claims queue")

    # 3. The oldest claim opens with its receipt shown in the page.
    rows.first.locator("th a").click()
    # The list's filters ride along in the query string, so the breadcrumbs lead back to the same queue.
    change = re.escape(url_of(live_server, "admin:activities_expenseclaim_change", first.pk))
    expect(page).to_have_url(re.compile(change + r"(\?.*)?$"))
    receipt = page.locator("#documents img")
    expect(receipt).to_have_count(1)
    expect(receipt).to_be_visible()
    receipt.scroll_into_view_if_needed()  # loaded lazily, once in view
    page.wait_for_function("document.querySelector('#documents img').naturalWidth === 120")
    approve = page.get_by_role("button", name="Approve: charge the Activity")
    expect(approve).to_have_class(re.compile(r"\bdefault\b"))
    assert_accessible(page, label="expense claim decision page", preload=False)

    # 4. Approve and open the next one: the next claim of the queue.
    page.get_by_role("button", name="Approve and open the next one").click()
    expect(page).to_have_url(exact_url(live_server, "admin:activities_expenseclaim_change", second.pk))
    expect(page.locator("ul.messagelist")).to_contain_text("Approved.")
    first.refresh_from_db()
    assert first.status == ClaimStatus.APPROVED

    # 5. The last one: back to the queue, which says nothing else waits.
    page.get_by_role("button", name="Approve and open the next one").click()
    expect(page).to_have_url(re.compile(re.escape(url_of(live_server, "admin:activities_expenseclaim_changelist"))))
    expect(page.locator("ul.messagelist")).to_contain_text("Nothing else waits in this queue.")
