"""The audit trail in a real browser: an advisor (after the TOTP step) changes a member's IBAN and an
Activity's contribution rate in the admin, then opens each one's History page and reads who acted,
when, and the values before and after.

The advisor's saved language is English, so the strings asserted are the catalogues' English msgids.
"""

from datetime import date

import pytest
from django.utils import timezone, translation
from django.utils.formats import date_format
from playwright.sync_api import BrowserContext, Locator, expect

from activities.models import Activity, Trade
from activities.services import activity_create
from members.models import Member, Office, User
from members.services import shares_issue
from smartcoop.audit.models import AuditEntry
from smartcoop.audit.selectors import trail_of
from smartcoop.models import CooperativeEntity
from tests.e2e.test_membership_journey import ADVISOR_EMAIL, exact_url, log_in_to_admin, url_of

OLD_IBAN = "BE36068200000081"  # make_member's
NEW_IBAN = "BE71096123456769"


@pytest.fixture
def advisor(make_staff, office: Office) -> User:
    user: User = make_staff(ADVISOR_EMAIL, office=office, language="en", first_name="Sophie", last_name="Lambert")
    return user


@pytest.fixture
def lucie(make_member, advisor: User) -> Member:
    member: Member = make_member("Lucie", "Liegeoise")
    shares_issue(member=member, quantity=1, on=date(2026, 1, 6), key="e2e:share", actor=advisor)
    member.refresh_from_db()
    return member


@pytest.fixture
def studio(lucie: Member) -> Activity:
    return activity_create(
        name="Studio Lucie", holder=lucie, trades=[Trade.objects.get(code="musician")], actor=lucie.user
    )


def when(entry: AuditEntry) -> str:
    with translation.override("en"), timezone.override("Europe/Brussels"):
        return date_format(timezone.localtime(entry.at), "DATETIME_FORMAT")


def trail_row(history: Locator, action: str) -> Locator:
    rows = history.locator("table.audit-trail tbody tr").filter(has_text=action)
    expect(rows).to_have_count(1)
    return rows.first


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_advisor_changes_an_iban_and_a_rate_then_reads_who_when_before_and_after(
    cooperative: CooperativeEntity,
    advisor: User,
    lucie: Member,
    studio: Activity,
    advisor_context: BrowserContext,
    live_server,
) -> None:
    admin = advisor_context.new_page()
    log_in_to_admin(admin, live_server)

    # 1. The member's IBAN, corrected on their page.
    admin.goto(url_of(live_server, "admin:members_member_change", lucie.pk))
    admin.locator("input[name=iban]").fill(NEW_IBAN)
    admin.locator("input[name=_save]").click()
    expect(admin).to_have_url(exact_url(live_server, "admin:members_member_changelist"))
    expect(admin.locator("ul.messagelist li.error")).to_have_count(0)

    # 2. The Activity's contribution rate on turnover, overridden on its page.
    admin.goto(url_of(live_server, "admin:activities_activity_change", studio.pk))
    admin.locator("input[name=rates-turnover_rate]").fill("5,5")
    admin.get_by_role("button", name="Change the rates").click()
    expect(admin.locator("ul.messagelist")).to_contain_text("the change is in the Activity's history")

    # 3. The member's history: who, when, the IBAN before and after.
    admin.goto(url_of(live_server, "admin:members_member_change", lucie.pk))
    admin.get_by_role("link", name="History").click()
    expect(admin).to_have_url(exact_url(live_server, "admin:members_member_history", lucie.pk))
    row = trail_row(admin.locator("#change-history"), "Identity changed")
    entry = trail_of(lucie).get(action="member.identity_changed")
    expect(row).to_contain_text("Sophie Lambert")
    expect(row).to_contain_text(when(entry))
    expect(row.locator("td").nth(3)).to_contain_text(f"IBAN: {OLD_IBAN}")
    expect(row.locator("td").nth(4)).to_contain_text(f"IBAN: {NEW_IBAN}")

    # 4. The Activity's history: who, when, the rate before (the entity's) and after.
    admin.goto(url_of(live_server, "admin:activities_activity_change", studio.pk))
    admin.get_by_role("link", name="History").click()
    expect(admin).to_have_url(exact_url(live_server, "admin:activities_activity_history", studio.pk))
    row = trail_row(admin.locator("#change-history"), "Contribution rates changed")
    entry = trail_of(studio).get(action="activity.rates_set")
    expect(row).to_contain_text("Sophie Lambert")
    expect(row).to_contain_text(when(entry))
    expect(row.locator("td").nth(3)).to_contain_text("—")
    expect(row.locator("td").nth(4)).to_contain_text("0.055")
