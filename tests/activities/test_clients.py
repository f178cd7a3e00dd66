"""A member finds their clients and suppliers, reads one, and corrects how it is reached.

A client is one record for the whole cooperative: a member reads it through their own Activities
and corrects it while only their Activities work with it; a record shared with someone else's
Activity is an advisor's to correct. Every correction leaves an audit row with before and after.
"""

from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse

from activities.models import Activity, ActivityThirdParty, ThirdParty, ThirdPartyKind
from activities.services import (
    ThirdPartyContact,
    ThirdPartyData,
    enterprise_number_text,
    third_party_add,
    third_party_update,
    vat_number_text,
)
from members.models import Member, User
from smartcoop.audit.models import AuditEntry
from smartcoop.errors import NotFoundError, PermissionDeniedError
from tests.activities.conftest import MakeActivity

PERRON_VAT = "BE0754316243"


@pytest.fixture
def studio(make_activity: MakeActivity) -> Activity:
    return make_activity("Studio Dubois")


def _company(activity: Activity, actor: User, name: str = "Éditions du Perron", vat: str = PERRON_VAT) -> ThirdParty:
    data = ThirdPartyData(
        kind=ThirdPartyKind.COMPANY, name=name, street="Rue du Perron 12", postal_code="4000", city="Liège",
        country="BE", language="fr", email="factures@perron.be", vat_number=vat,
    )  # fmt: skip
    return third_party_add(activity=activity, data=data, actor=actor)


def _person(activity: Activity, actor: User, name: str, email: str = "") -> ThirdParty:
    data = ThirdPartyData(
        kind=ThirdPartyKind.PERSON, name=name, street="Veldstraat 10", postal_code="9000", city="Gent",
        country="BE", language="nl", email=email,
    )  # fmt: skip
    return third_party_add(activity=activity, data=data, actor=actor)


def _contact_form(**changes: str) -> dict[str, str]:
    fields = {
        "name": "Éditions du Perron",
        "street": "Rue du Perron 12",
        "postal_code": "4000",
        "city": "Liège",
        "language": "fr",
        "email": "factures@perron.be",
        "payment_terms_days": "30",
    }
    return {**fields, **changes}


def _contact(**changes: str) -> ThirdPartyContact:
    fields = _contact_form(**changes)
    return ThirdPartyContact(
        name=fields["name"], street=fields["street"], postal_code=fields["postal_code"], city=fields["city"],
        language=fields["language"], email=fields["email"], payment_terms_days=int(fields["payment_terms_days"]),
    )  # fmt: skip


# --- reading one --------------------------------------------------------------------------------


def test_vat_and_enterprise_numbers_are_grouped_as_people_read_them() -> None:
    assert vat_number_text("BE0754316243") == "BE 0754.316.243"
    assert enterprise_number_text("0754316243") == "0754.316.243"
    assert vat_number_text("FR40303265045") == "FR 403 032 650 45"
    assert vat_number_text("") == ""


def test_member_reads_a_client_with_its_numbers_grouped(signed_in: Client, studio: Activity, holder: Member) -> None:
    client = _company(studio, holder.user)

    page = signed_in.get(reverse("activities:client_detail", args=[client.pk]))

    assert page.status_code == 200
    html = page.content.decode()
    assert "BE 0754.316.243" in html and "0754.316.243" in html and "0208:0754316243" in html
    assert "factures@perron.be" in html and "Rue du Perron 12" in html
    assert f'data-copy="{PERRON_VAT}"' in html
    assert reverse("activities:detail", args=[studio.code]) in html
    assert reverse("activities:client_edit", args=[client.pk]) in html


def test_a_client_shows_only_the_activities_the_member_holds(
    signed_in: Client, studio: Activity, holder: Member, other: Member, make_activity: MakeActivity
) -> None:
    client = _company(studio, holder.user)
    elsewhere = make_activity("Chez Bart", holder=other)
    _company(elsewhere, other.user)  # the same company, found by its VAT number

    html = signed_in.get(reverse("activities:client_detail", args=[client.pk])).content.decode()

    assert studio.code in html
    assert elsewhere.code not in html and "Chez Bart" not in html


def test_another_member_can_neither_read_nor_correct_a_client(
    client: Client, studio: Activity, holder: Member, other: Member
) -> None:
    perron = _company(studio, holder.user)
    client.force_login(other.user)

    assert client.get(reverse("activities:client_detail", args=[perron.pk])).status_code == 404
    assert client.get(reverse("activities:client_edit", args=[perron.pk])).status_code == 404
    posted = client.post(reverse("activities:client_edit", args=[perron.pk]), _contact_form(city="Ailleurs"))
    assert posted.status_code == 404
    assert ThirdParty.objects.get(pk=perron.pk).city == "Liège"
    with pytest.raises(NotFoundError):
        third_party_update(
            third_party=perron,
            data=_contact(city="Ailleurs"),
            actor=other.user,
        )


# --- correcting one ------------------------------------------------------------------------------


def test_member_corrects_a_client_and_the_trail_says_what_changed(
    signed_in: Client, studio: Activity, holder: Member
) -> None:
    perron = _company(studio, holder.user)
    url = reverse("activities:client_edit", args=[perron.pk])
    assert signed_in.get(url).status_code == 200

    saved = signed_in.post(
        url, _contact_form(street="Place Saint-Lambert 1", email="compta@perron.be", vat_number="BE0123456749")
    )

    assert saved["Location"] == reverse("activities:client_detail", args=[perron.pk])
    perron.refresh_from_db()
    assert (perron.street, perron.email) == ("Place Saint-Lambert 1", "compta@perron.be")
    assert perron.vat_number == PERRON_VAT  # what identifies it is not the member's to change
    entry = AuditEntry.objects.get(action="activity.third_party_changed")
    assert entry.actor_id == holder.user.pk
    assert (entry.content_type, entry.object_id) == (ContentType.objects.get_for_model(ThirdParty), str(perron.pk))
    assert entry.before == {"street": "Rue du Perron 12", "email": "factures@perron.be"}
    assert entry.after == {"street": "Place Saint-Lambert 1", "email": "compta@perron.be"}


def test_saving_without_a_change_leaves_no_audit_row(signed_in: Client, studio: Activity, holder: Member) -> None:
    perron = _company(studio, holder.user)

    signed_in.post(reverse("activities:client_edit", args=[perron.pk]), _contact_form())

    assert not AuditEntry.objects.filter(action="activity.third_party_changed").exists()


def test_a_bad_correction_is_refused_on_its_field_and_changes_nothing(
    signed_in: Client, studio: Activity, holder: Member
) -> None:
    perron = _company(studio, holder.user)

    refused = signed_in.post(
        reverse("activities:client_edit", args=[perron.pk]), _contact_form(city="", payment_terms_days="121")
    )

    assert refused.status_code == 400
    assert set(refused.context["form"].errors) == {"city", "payment_terms_days"}
    assert 'class="error-summary"' in refused.content.decode()
    assert ThirdParty.objects.get(pk=perron.pk).city == "Liège"
    assert not AuditEntry.objects.filter(action="activity.third_party_changed").exists()


def test_a_client_shared_with_someone_elses_activity_is_left_to_the_advisor(
    signed_in: Client,
    studio: Activity,
    holder: Member,
    other: Member,
    make_activity: MakeActivity,
    advisor: User,
) -> None:
    perron = _company(studio, holder.user)
    _company(make_activity("Chez Bart", holder=other), other.user)
    url = reverse("activities:client_edit", args=[perron.pk])

    assert (
        reverse("activities:client_edit", args=[perron.pk])
        not in signed_in.get(reverse("activities:client_detail", args=[perron.pk])).content.decode()
    )
    assert signed_in.get(url).status_code == 403
    signed_in.post(url, _contact_form(city="Ailleurs"))
    assert ThirdParty.objects.get(pk=perron.pk).city == "Liège"
    with pytest.raises(PermissionDeniedError):
        third_party_update(
            third_party=perron,
            data=_contact(city="Ailleurs"),
            actor=holder.user,
        )

    corrected = third_party_update(
        third_party=perron,
        data=_contact(city="Herstal"),
        actor=advisor,
    )
    assert corrected.city == "Herstal"
    assert AuditEntry.objects.get(action="activity.third_party_changed").actor_id == advisor.pk


# --- finding one --------------------------------------------------------------------------------


def test_search_finds_a_client_by_name_vat_number_or_email(signed_in: Client, studio: Activity, holder: Member) -> None:
    _company(studio, holder.user)
    _person(studio, holder.user, "Jan Janssens", email="jan@janssens.be")
    _person(studio, holder.user, "Marie Lambert")
    url = reverse("activities:clients")

    def found(query: str) -> list[str]:
        page = signed_in.get(url, {"q": query}).context["page"]
        return [third_party.name for third_party in page]

    assert found("perron") == ["Éditions du Perron"]
    assert found("BE 0754.316.243") == ["Éditions du Perron"]
    assert found("754316") == ["Éditions du Perron"]
    assert found("JANSSENS.BE") == ["Jan Janssens"]
    assert found("nobody") == []
    assert sorted(found("")) == sorted(["Éditions du Perron", "Jan Janssens", "Marie Lambert"])


def test_search_never_finds_another_members_clients(
    signed_in: Client, studio: Activity, holder: Member, other: Member, make_activity: MakeActivity
) -> None:
    _person(make_activity("Chez Bart", holder=other), other.user, "Jan Janssens")

    page = signed_in.get(reverse("activities:clients"), {"q": "Janssens"})

    assert list(page.context["page"]) == []


def test_the_client_list_costs_the_same_few_queries_whatever_its_length(
    signed_in: Client,
    studio: Activity,
    holder: Member,
    make_activity: MakeActivity,
    django_assert_max_num_queries,
) -> None:
    second = make_activity("Second studio", funds=Decimal(0))
    for number in range(30):
        client = _person(studio, holder.user, f"Client {number:02}")
        if number % 2:
            ActivityThirdParty.objects.create(activity=second, third_party=client)
    signed_in.get(reverse("activities:clients"))  # the session and the user, read once

    with django_assert_max_num_queries(12):
        listed = signed_in.get(reverse("activities:clients"), {"q": "client"})

    assert listed.status_code == 200
    assert len(listed.context["page"]) == 30


def test_the_client_list_is_a_stacked_table_with_labelled_cells(
    signed_in: Client, studio: Activity, holder: Member
) -> None:
    _company(studio, holder.user)

    html = signed_in.get(reverse("activities:clients")).content.decode()

    assert '<table class="stack">' in html
    assert html.count("<td data-label=") == 4  # one row: address, VAT number, e-mail, Activities
