"""The membership form as an applicant meets it: every problem after one submit, company fields for
companies only, the price of the shares, trades from the register, the documents they agree to, the
office that will follow them; and, once approved, the transfer details they can copy from a phone.

Applicants here read English (their saved language), so the strings asserted are the catalogues'
msgids; figures are written by the platform's one formatter in that language.
"""

import re
from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from members.models import MembershipApplication, Office, PersonKind, User
from members.selectors import office_suggestions
from members.services import ApplicationData, Identity, application_approve, application_check
from smartcoop.errors import InvalidInput
from tests.members.conftest import national_number

BIRTH = date(1990, 4, 12)
PDF = b"%PDF-1.7\n%fake but well-typed\n"


@pytest.fixture
def applicant(make_user) -> User:
    user: User = make_user("lotte@example.be", language="en")
    return user


def form_data(office: Office, **changes: object) -> dict[str, object]:
    values: dict[str, object] = {
        "kind": "natural",
        "first_name": "Lotte",
        "last_name": "Janssens",
        "birth_date": "1990-04-12",
        "national_number": national_number(BIRTH, 212),
        "street": "Veldstraat 10",
        "postal_code": "9000",
        "city": "Gent",
        "iban": "BE02 3630 0000 0040",
        "trades": ["illustrator"],
        "shares_requested": "1",
        "office": str(office.pk),
        "accepts_statutes": "on",
        "accepts_rules": "on",
        "accepts_privacy": "on",
    }
    values.update(changes)
    return {key: value for key, value in values.items() if value is not None}


def post(client: Client, data: dict[str, object]) -> Any:
    return client.post(reverse("members:apply"), data)


# --- every problem at once ------------------------------------------------------------------------


def test_applicant_sees_every_problem_after_one_submit_each_linked_from_the_summary(
    client: Client, applicant: User, office: Office, cooperative
) -> None:
    client.force_login(applicant)
    # A blank last name (the form's own check), a wrong IBAN and a national number that does not
    # match (the service's checks), an unticked consent and no trade: five fields, one submit.
    response = post(
        client,
        form_data(
            office,
            last_name="",
            iban="BE02 3630 0000 0041",
            national_number="90.04.12-212.00",
            accepts_privacy=None,
            trades=None,
        ),
    )

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"last_name", "iban", "national_number", "accepts_privacy", "trades"}
    html = response.content.decode()
    assert "There are 5 problems" in html
    for anchor in ("id_last_name", "id_iban", "id_national_number", "id_accepts_privacy", "id_trades"):
        assert f'href="#{anchor}"' in html
    assert 'id="id_trades"' in html, "the summary's link to the trades lands on their fieldset"
    assert not MembershipApplication.objects.exists()


def test_the_identity_check_names_every_field_at_fault_not_only_the_first() -> None:
    identity = Identity(
        kind=PersonKind.NATURAL,
        first_name="",
        last_name="",
        birth_date=None,
        national_number="12",
        street="Veldstraat 10",
        postal_code="9000",
        city="Gent",
        iban="BE02 3630 0000 0041",
    )
    data = ApplicationData(
        identity=identity,
        trades=(),
        shares_requested=1,
        office=None,
        accepts_statutes=False,
        accepts_rules=True,
        accepts_privacy=True,
    )
    with pytest.raises(InvalidInput) as refused:
        application_check(data=data)
    assert set(refused.value.fields) == {
        "first_name",
        "last_name",
        "birth_date",
        "national_number",
        "iban",
        "trades",
        "office",
        "accepts_statutes",
    }


# --- a person or a company ------------------------------------------------------------------------


def test_company_fields_are_required_of_a_legal_person_only(
    client: Client, applicant: User, office: Office, cooperative
) -> None:
    client.force_login(applicant)
    company = post(client, form_data(office, kind="legal", first_name="", last_name="", birth_date=""))

    assert company.status_code == 400
    assert set(company.context["form"].errors) == {"company_name", "enterprise_number", "representative"}

    person = post(client, form_data(office, company_name="", enterprise_number="", representative=""))
    assert person.status_code == 302
    assert MembershipApplication.objects.get().kind == PersonKind.NATURAL


def test_a_natural_persons_stray_company_fields_are_not_kept(
    client: Client, applicant: User, office: Office, cooperative
) -> None:
    client.force_login(applicant)
    response = post(client, form_data(office, company_name="Studio Lotte", representative="Lotte"))

    assert response.status_code == 302
    application = MembershipApplication.objects.get()
    assert (application.company_name, application.representative) == ("", "")


def test_a_legal_person_joins_without_a_birth_date(
    client: Client, applicant: User, office: Office, cooperative
) -> None:
    client.force_login(applicant)
    response = post(
        client,
        form_data(
            office,
            kind="legal",
            first_name="",
            last_name="",
            birth_date="not a date",  # hidden for a company, so not judged
            national_number="",
            company_name="Studio Janssens",
            enterprise_number="0754.316.243",
            representative="Lotte Janssens",
        ),
    )

    assert response.status_code == 302
    application = MembershipApplication.objects.get()
    assert (application.company_name, application.enterprise_number, application.birth_date) == (
        "Studio Janssens",
        "0754316243",
        None,
    )


def test_both_groups_of_identity_fields_are_marked_required_and_the_script_shows_one(
    client: Client, applicant: User, office: Office, cooperative
) -> None:
    client.force_login(applicant)
    html = client.get(reverse("members:apply")).content.decode()

    for field in ("first_name", "last_name", "birth_date", "national_number", "company_name", "representative"):
        label = re.search(rf'<label for="id_{field}">(.*?)</label>', html, re.S)
        assert label and "required-mark" in label.group(1), field
    assert 'data-kind="natural"' in html and 'data-kind="legal"' in html
    assert "members/apply.js" in html


# --- the identity document ------------------------------------------------------------------------


def test_applicant_is_told_to_attach_the_document_again_after_a_failed_submit(
    client: Client, applicant: User, office: Office, cooperative
) -> None:
    client.force_login(applicant)
    document = SimpleUploadedFile("id.pdf", PDF, content_type="application/pdf")
    response = post(client, {**form_data(office, city=""), "identity_document": document})

    assert response.status_code == 400
    assert "Attach your identity document again" in response.content.decode()
    assert "identity_document" not in response.context["form"].errors, "a notice, not one more problem"


def test_no_notice_about_the_document_when_none_was_attached(
    client: Client, applicant: User, office: Office, cooperative
) -> None:
    client.force_login(applicant)
    response = post(client, form_data(office, city=""))

    assert "Attach your identity document again" not in response.content.decode()


# --- the shares -----------------------------------------------------------------------------------


def test_the_form_shows_the_share_price_the_minimum_and_the_total(
    client: Client, applicant: User, office: Office, cooperative
) -> None:
    client.force_login(applicant)
    html = client.get(reverse("members:apply")).content.decode()

    assert "One share costs 30.00 EUR; you subscribe at least 1 share." in html
    total = re.search(r'<output id="shares-total"[^>]*aria-live="polite"[^>]*>(.*?)</output>', html)
    assert total and total.group(1) == "30.00 EUR"
    assert 'data-price-cents="3000"' in html


def test_the_total_follows_the_number_of_shares_typed(
    client: Client, applicant: User, office: Office, cooperative
) -> None:
    client.force_login(applicant)
    html = post(client, form_data(office, shares_requested="1000", city="")).content.decode()

    total = re.search(r'<output id="shares-total"[^>]*>(.*?)</output>', html)
    assert total and total.group(1) == "30,000.00 EUR"


# --- trades from the register ---------------------------------------------------------------------


def test_trades_are_picked_from_the_register_and_kept_as_its_codes(
    client: Client, applicant: User, office: Office, cooperative
) -> None:
    client.force_login(applicant)
    page = client.get(reverse("members:apply")).content.decode()
    assert 'type="checkbox" name="trades" value="illustrator"' in page
    assert re.search(r'value="lawyer" id="id_trades_lawyer" disabled', page), "an excluded trade cannot be ticked"
    assert "<textarea" not in page

    response = post(client, form_data(office, trades=["illustrator", "photographer"]))

    assert response.status_code == 302
    application = MembershipApplication.objects.get()
    assert application.trade_codes == ["illustrator", "photographer"]
    assert application.trades == "Illustrator, Photographer", "the names as the applicant read them"


def test_an_excluded_trade_is_refused_with_the_registers_reason(
    client: Client, applicant: User, office: Office, cooperative
) -> None:
    client.force_login(applicant)
    response = post(client, form_data(office, trades=["lawyer"]))

    assert response.status_code == 400
    [message] = response.context["form"].errors["trades"]
    assert message.startswith("Lawyer cannot be practised in the cooperative: The title of lawyer requires")


def test_a_code_outside_the_register_is_refused(client: Client, applicant: User, office: Office, cooperative) -> None:
    client.force_login(applicant)
    response = post(client, form_data(office, trades=["astronaut"]))

    assert response.status_code == 400
    assert "trades" in response.context["form"].errors
    assert not MembershipApplication.objects.exists()


# --- the office -----------------------------------------------------------------------------------


def test_the_office_field_says_it_follows_the_application_and_suggests_by_postal_code(
    client: Client, applicant: User, office: Office, cooperative
) -> None:
    namur = Office.objects.create(code="namur", name="Namur", city="Namur")
    Office.objects.create(code="elsewhere", name="Antwerpen Noord", city="Antwerpen")
    client.force_login(applicant)
    html = client.get(reverse("members:apply")).content.decode()

    assert "The office that will follow your application" in html
    names = re.findall(r'<option value="\d+">([^<]+)</option>', html)
    assert names == sorted(names)
    suggestions = {(low, high): pk for low, high, pk in office_suggestions()}
    assert suggestions[(4000, 4999)] == office.pk  # the fixture's Liège
    assert suggestions[(5000, 5999)] == namur.pk
    assert suggestions[(6600, 6999)] == namur.pk, "Luxembourg's nearest office"
    assert (2000, 2999) not in suggestions, "no Antwerpen office here: no suggestion rather than a wrong one"


# --- the documents one agrees to ------------------------------------------------------------------


@pytest.mark.parametrize("name", ["members:statutes", "members:internal_rules", "members:privacy"])
def test_the_documents_are_served_to_anyone_in_the_readers_language(client: Client, cooperative, name: str) -> None:
    dutch = client.get(reverse(name), HTTP_ACCEPT_LANGUAGE="nl")
    english = client.get(reverse(name), HTTP_ACCEPT_LANGUAGE="en")

    assert (dutch.status_code, english.status_code) == (200, 200)
    assert '<html lang="nl">' in dutch.content.decode()
    assert '<html lang="en">' in english.content.decode()
    assert "SmartCoop" in english.content.decode()


def test_the_statutes_state_the_share_price_in_the_readers_way_of_writing_it(client: Client, cooperative) -> None:
    assert "30,00 EUR" in client.get(reverse("members:statutes"), HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    english = client.get(reverse("members:statutes"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "30.00 EUR" in english
    assert "One member, one vote" in english


def test_the_form_links_the_statutes_the_rules_and_the_privacy_notice(
    client: Client, applicant: User, office: Office, cooperative
) -> None:
    client.force_login(applicant)
    html = client.get(reverse("members:apply")).content.decode()

    for name in ("members:statutes", "members:internal_rules", "members:privacy"):
        assert f'href="{reverse(name)}"' in html


# --- paying the capital call from a phone ---------------------------------------------------------


def test_member_sees_beneficiary_iban_grouped_by_four_bic_amount_and_communication_each_to_copy(
    client: Client, applicant: User, make_staff, office: Office, cooperative
) -> None:
    advisor = make_staff("sophie@example.be", office=office)
    client.force_login(applicant)
    assert post(client, form_data(office, shares_requested="2")).status_code == 302
    call = application_approve(application=MembershipApplication.objects.get(), actor=advisor)

    html = client.get(reverse("members:membership")).content.decode()

    assert call.reference
    for shown, copied in [
        ("SmartCoop", "SmartCoop"),
        ("BE36 0682 0000 0081", "BE36068200000081"),
        ("GKCCBEBB", "GKCCBEBB"),
        ("60.00 EUR", "60.00"),
        (call.reference, call.reference),
    ]:
        assert shown in html, shown
        assert f'class="button-secondary copy" data-copy="{copied}"' in html, copied
    assert html.index("payment-details") < html.index("<svg"), "on a phone the details come before the QR code"
