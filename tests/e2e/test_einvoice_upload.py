"""A member on a phone hands over a supplier's e-invoice from the Activity page, in a real browser.

The first file breaks a rule (its total does not add up, BR-CO-15): the page lists it by its rule and
records nothing; the second is right and becomes a purchase, shown among the Activity's purchases.
The member's saved language is English, so the asserted texts are the catalogue's English msgids;
the rule ids and invoice numbers come from the supplier's files (tests/invoicing/fixtures).
"""

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import LazySettings
from playwright.sync_api import Page, ViewportSize, expect

from activities.models import Activity, Purchase, Trade
from activities.services import activity_create
from members.models import Member, User
from members.services import shares_issue
from tests.e2e.axe import assert_accessible
from tests.e2e.test_membership_journey import exact_url, log_in, url_of

PHONE = ViewportSize(width=390, height=844)
FIXTURES = Path(__file__).parent.parent / "invoicing" / "fixtures"


@pytest.fixture(autouse=True)
def _media(settings: LazySettings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def activity(make_member, make_staff, office) -> Activity:
    advisor: User = make_staff("advisor@smartcoop.be", office=office, language="en")
    member: Member = make_member("Amélie", "Dubois")
    User.objects.filter(pk=member.user_id).update(language="en")
    shares_issue(member=member, quantity=1, on=date(2026, 1, 6), key="e2e:share", actor=advisor)
    member.refresh_from_db()
    return activity_create(
        name="Studio Dubois", holder=member, trades=[Trade.objects.get(code="musician")], actor=member.user
    )


def _supplier_file(tmp_path: Path, name: str, activity: Activity) -> Path:
    path = tmp_path / name
    path.write_bytes((FIXTURES / name).read_bytes().replace(b"A123456", activity.code.encode()))
    return path


def _fits_the_phone(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "no sideways scroll at 390 px"


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_member_on_a_phone_uploads_a_supplier_e_invoice_and_finds_it_among_the_purchases(
    live_server, page: Page, activity: Activity, tmp_path: Path
) -> None:
    page.set_viewport_size(PHONE)
    email = activity.holders.get().member.user.email
    log_in(page, live_server, email)
    page.goto(url_of(live_server, "activities:detail", activity.code))
    page.get_by_role("link", name="Receive a supplier's e-invoice").click()
    expect(page).to_have_url(exact_url(live_server, "invoicing:einvoice_upload", activity.code))
    _fits_the_phone(page)
    assert_accessible(page, label="e-invoice upload, 390 px")

    form = page.locator("main form")
    form.locator("input[name=file]").set_input_files(
        _supplier_file(tmp_path, "delvaux_totals_do_not_add_up.xml", activity)
    )
    form.get_by_role("button", name="Send for approval").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("BR-CO-15")
    expect(page.locator(".field-error-message")).to_contain_text("TaxInclusiveAmount 266.52")
    assert not Purchase.objects.exists()
    _fits_the_phone(page)
    assert_accessible(page, label="e-invoice upload refused, 390 px")

    form = page.locator("main form")
    form.locator("input[name=file]").set_input_files(
        _supplier_file(tmp_path, "hayez_invoice_two_vat_rates.xml", activity)
    )
    form.get_by_role("button", name="Send for approval").click()
    expect(page).to_have_url(
        re.compile(re.escape(url_of(live_server, "activities:detail", activity.code)) + "#purchases-title$")
    )
    expect(page.locator(".message-success")).to_contain_text("IH/26/1187")
    expect(page.locator("section[aria-labelledby=purchases-title]")).to_contain_text("Imprimerie Hayez SA")
    assert Purchase.objects.get().amount == Decimal("937.80")
