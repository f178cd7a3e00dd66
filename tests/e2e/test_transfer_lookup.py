"""A transfer between Activities on a phone: the recipient's name appears as its code is typed (htmx),
the confirmation page asks "Send ... to ...?", and the message after confirming names the recipient.
Then a client found by its VAT number, read and corrected, on the same phone.

The member's saved language is English, so the strings asserted are the catalogues' English msgids;
amounts are written by the one formatter, codes and names come from the database.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation
from playwright.sync_api import Page, ViewportSize, expect

from activities.models import Activity, ActivityTransfer, ThirdPartyKind, Trade
from activities.services import ThirdPartyData, activity_create, activity_income_record, third_party_add
from members.models import Member, Office, User
from members.services import shares_issue
from smartcoop.money import amount_text
from tests.e2e.axe import assert_accessible
from tests.e2e.test_membership_journey import ADVISOR_EMAIL, exact_url, log_in, url_of

PHONE: ViewportSize = {"width": 390, "height": 844}
DAY = date(2026, 3, 2)


@pytest.fixture
def advisor(make_staff, office: Office) -> User:
    user: User = make_staff(ADVISOR_EMAIL, office=office, language="en")
    return user


def _admitted(make_member, advisor: User, first_name: str, last_name: str) -> Member:
    member: Member = make_member(first_name, last_name)
    User.objects.filter(pk=member.user_id).update(language="en")
    shares_issue(member=member, quantity=1, on=DAY, key=f"e2e:{member.pk}:share", actor=advisor)
    member.refresh_from_db()
    return member


@pytest.fixture
def activities(make_member, advisor: User) -> tuple[Activity, Activity]:
    amelie = _admitted(make_member, advisor, "Amélie", "Dubois")
    bart = _admitted(make_member, advisor, "Bart", "Peeters")
    musician = Trade.objects.get(code="musician")
    source = activity_create(name="Studio Dubois", holder=amelie, trades=[musician], actor=amelie.user)
    recipient = activity_create(name="Atelier Meuse", holder=bart, trades=[musician], actor=bart.user)
    activity_income_record(
        activity=source, amount=Decimal("2000.00"), source="subsidy", memo="Subside", received_on=DAY,
        key="e2e:income", actor=advisor,
    )  # fmt: skip
    return source, recipient


def _fits_the_phone(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways"


def test_member_sees_the_recipient_named_then_confirms_the_transfer_on_a_phone(
    page: Page, live_server, activities: tuple[Activity, Activity]
) -> None:
    source, recipient = activities
    page.set_viewport_size(PHONE)
    holder = source.holders.select_related("member__user").get()
    log_in(page, live_server, holder.member.user.email)
    page.goto(url_of(live_server, "activities:transfer_create", source.code))
    assert_accessible(page, label="transfer form (390 px)")
    _fits_the_phone(page)

    code = page.locator("input[name=destination_code]")
    code.press_sequentially("A999999", delay=20)
    expect(page.locator("#recipient-name")).to_contain_text("No open Activity has this code.")
    code.fill("")
    code.press_sequentially(recipient.code.lower(), delay=20)
    expect(page.locator("#recipient-name")).to_contain_text(f"{recipient.code} Atelier Meuse")

    form = page.locator("main form.card")
    form.get_by_label("Payment for work done by the other Activity").check()
    form.locator("input[name=amount]").fill("1089.00")
    form.locator("input[name=description]").fill("Mixing of the album")
    form.get_by_role("button", name="Continue").click()

    with translation.override("en"):
        amount = amount_text(Decimal("1089.00"))
    question = page.locator(".confirm-question")
    expect(question).to_contain_text(f"Send {amount} from {source.code} to {recipient.code} (Atelier Meuse)?")
    assert not ActivityTransfer.objects.exists()
    assert_accessible(page, label="transfer confirmation (390 px)")
    _fits_the_phone(page)

    page.get_by_role("button", name="Confirm the transfer").click()

    expect(page).to_have_url(exact_url(live_server, "activities:detail", source.code))
    expect(page.locator(".messages")).to_contain_text(f"{amount} to {recipient.code} Atelier Meuse")
    transfer = ActivityTransfer.objects.get()
    assert (transfer.destination_id, transfer.amount) == (recipient.pk, Decimal("1089.00"))


def test_member_finds_and_corrects_a_client_on_a_phone(
    page: Page, live_server, activities: tuple[Activity, Activity]
) -> None:
    source, _recipient = activities
    holder = source.holders.select_related("member__user").get()
    perron = third_party_add(
        activity=source,
        data=ThirdPartyData(
            kind=ThirdPartyKind.COMPANY, name="Éditions du Perron", street="Rue du Perron 12", postal_code="4000",
            city="Liège", country="BE", language="fr", email="factures.et.rappels@editions-du-perron.be",
            vat_number="BE0754316243",
        ),
        actor=holder.member.user,
    )  # fmt: skip
    page.set_viewport_size(PHONE)
    log_in(page, live_server, holder.member.user.email)

    page.goto(url_of(live_server, "activities:clients"))
    page.get_by_label("Search by name, VAT number or e-mail").fill("0754.316.243")
    page.get_by_role("button", name="Search", exact=True).click()
    assert_accessible(page, label="clients found (390 px)")
    _fits_the_phone(page)
    page.get_by_role("link", name="Éditions du Perron").click()

    expect(page.locator("main")).to_contain_text("BE 0754.316.243")
    assert_accessible(page, label="client (390 px)")
    _fits_the_phone(page)
    page.get_by_role("link", name="Correct the details").click()
    assert_accessible(page, label="client correction (390 px)")
    _fits_the_phone(page)
    page.get_by_label("City").fill("Herstal")
    page.get_by_role("button", name="Save").click()

    expect(page).to_have_url(exact_url(live_server, "activities:client_detail", perron.pk))
    expect(page.locator("main")).to_contain_text("Herstal")
