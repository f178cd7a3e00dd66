"""The membership form on a phone, in a real browser: three mistakes, one submit lists them all.

An applicant on a 390 px wide screen fills the form with three mistakes (a blank last name, an IBAN
with a wrong check digit, the privacy policy not accepted). One submit shows a summary of the three
problems, each a link to its field, and the focus on that summary; they fix the three and one more
submit files the application. On the way, the page's script shows only the fields of the kind of
person chosen, the total of the shares as they type, and the office nearest to their postal code.

The applicant's saved language is English, so the strings asserted are the catalogues' msgids.
"""

import re
from datetime import date

import pytest
from playwright.sync_api import Locator, Page, ViewportSize, expect

from members.models import MembershipApplication, Office, User
from smartcoop.models import CooperativeEntity
from tests.e2e.axe import assert_accessible
from tests.e2e.test_membership_journey import log_in, url_of
from tests.members.conftest import national_number

PHONE = ViewportSize(width=390, height=844)
EMAIL = "noor.peeters@example.be"
GOOD_IBAN = "BE02 3630 0000 0040"
WRONG_IBAN = "BE02 3630 0000 0041"


@pytest.fixture
def liege(db: None) -> Office:
    return Office.objects.create(code="liege", name="Liège", city="Liège")


@pytest.fixture
def brussels(db: None) -> Office:
    return Office.objects.create(code="bruxelles", name="Bruxelles", city="Bruxelles")


@pytest.fixture
def applicant(make_user) -> User:
    user: User = make_user(EMAIL, language="en")
    return user


def fits_the_screen(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def fill_with_three_mistakes(form: Locator, liege: Office) -> None:
    form.locator("select[name=kind]").select_option("natural")
    form.locator("input[name=first_name]").fill("Noor")
    # The last name is left blank: mistake one.
    form.locator("input[name=birth_date]").fill("1990-04-12")
    form.locator("input[name=national_number]").fill(national_number(date(1990, 4, 12), 214))
    form.locator("input[name=street]").fill("Rue Saint-Gilles 12")
    form.locator("input[name=postal_code]").fill("4000")
    form.locator("input[name=city]").fill("Liège")
    form.locator("input[name=iban]").fill(WRONG_IBAN)  # mistake two
    expect(form.locator("select[name=office]")).to_have_value(str(liege.pk))  # suggested from 4000
    design = form.locator("details.sector", has=form.page.locator("input[value=illustrator]"))
    design.locator("summary").click()
    design.locator("input[value=illustrator]").check()
    form.locator("input[name=shares_requested]").fill("3")
    form.locator("input[name=accepts_statutes]").check()
    form.locator("input[name=accepts_rules]").check()
    # The privacy policy is not accepted: mistake three.


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_applicant_on_a_phone_sees_three_problems_at_once_and_fixes_them_in_one_submit(
    cooperative: CooperativeEntity, liege: Office, brussels: Office, applicant: User, live_server, page: Page
) -> None:
    page.set_viewport_size(PHONE)
    log_in(page, live_server, EMAIL)
    page.goto(url_of(live_server, "members:apply"))
    form = page.locator("form#application-form")

    # Only the fields of the kind chosen show; the company's when joining as a legal person.
    expect(form.locator("input[name=company_name]")).to_be_hidden()
    form.locator("select[name=kind]").select_option("legal")
    expect(form.locator("input[name=company_name]")).to_be_visible()
    expect(form.locator("input[name=first_name]")).to_be_hidden()

    total = form.locator("output#shares-total")
    expect(total).to_have_text("30.00 EUR")
    fill_with_three_mistakes(form, liege)
    expect(total).to_have_text("90.00 EUR")
    expect(form.locator("#office-suggested")).to_have_text("Suggested from your postal code: Liège.")
    assert fits_the_screen(page)

    form.get_by_role("button", name="Send my application").click()

    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading")).to_have_text("There are 3 problems")
    links = summary.get_by_role("link")
    expect(links).to_have_count(3)
    assert sorted(links.evaluate_all("links => links.map(link => link.getAttribute('href'))")) == [
        "#id_accepts_privacy",
        "#id_iban",
        "#id_last_name",
    ]
    assert fits_the_screen(page)
    assert_accessible(page, label="membership form with three problems, on a phone")

    # What was right is still there: the trade, the shares and their total, the office.
    form = page.locator("form#application-form")
    expect(form.locator("input[value=illustrator]")).to_be_checked()
    expect(total).to_have_text("90.00 EUR")
    expect(form.locator("select[name=office]")).to_have_value(str(liege.pk))

    summary.get_by_role("link", name=re.compile("^Last name")).click()
    form.locator("input[name=last_name]").fill("Peeters")
    form.locator("input[name=iban]").fill(GOOD_IBAN)
    form.locator("input[name=accepts_privacy]").check()
    form.get_by_role("button", name="Send my application").click()

    expect(page).to_have_url(url_of(live_server, "members:membership"))
    expect(page.locator(".messages")).to_contain_text("Your application was sent.")
    application = MembershipApplication.objects.get(user=applicant)
    assert (application.last_name, application.shares_requested, application.office_id) == ("Peeters", 3, liege.pk)
    assert application.trade_codes == ["illustrator"]
    assert_accessible(page, label="membership page after applying, on a phone")
