"""Identities are checked before anything is written, and the message names the field."""

from datetime import date

import pytest
from django.utils import translation

from members.identity import (
    bic_for,
    clean_enterprise_number,
    clean_iban,
    clean_national_number,
    structured_communication,
)
from members.models import Member, PersonKind
from members.services import Identity, member_create
from smartcoop.errors import InvalidInput
from tests.members.conftest import national_number


def test_national_number_is_cleaned_and_checked_against_the_birth_date() -> None:
    assert clean_national_number("85.07.30-033.28", birth_date=date(1985, 7, 30)) == "85073003328"
    with pytest.raises(InvalidInput) as error:
        clean_national_number("85.07.30-033.28", birth_date=date(1985, 7, 31))
    assert "birth_date" in error.value.fields


def test_people_born_in_2000_or_later_have_valid_numbers_too() -> None:
    birth = date(2003, 2, 14)
    assert clean_national_number(national_number(birth, 123), birth_date=birth)


@pytest.mark.parametrize("value", ["85.07.30-033.29", "1234", "abcdefghijk"])
def test_invalid_national_number_is_refused_naming_the_field_in_french(value: str) -> None:
    with translation.override("fr"), pytest.raises(InvalidInput) as error:
        clean_national_number(value, birth_date=None)
    assert list(error.value.fields) == ["national_number"]
    assert "registre national" in str(error.value.message)


def test_iban_is_checked_and_the_bic_derived_for_belgian_banks() -> None:
    assert clean_iban("be36 0682 0000 0081") == "BE36068200000081"
    assert bic_for("BE36068200000081") == "GKCCBEBB"
    assert bic_for("FR1420041010050500013M02606") == ""
    with pytest.raises(InvalidInput) as error:
        clean_iban("BE36 0682 0000 0082")
    assert list(error.value.fields) == ["iban"]


def test_enterprise_number_accepts_vat_spelling_and_refuses_bad_check_digits() -> None:
    assert clean_enterprise_number("BE 0754.316.243") == "0754316243"
    with pytest.raises(InvalidInput):
        clean_enterprise_number("0754.316.244")


def test_structured_communication_has_valid_check_digits() -> None:
    from stdnum.be import ogm_vcs

    reference = structured_communication(42)
    assert reference.startswith("+++") and reference.endswith("+++")
    assert ogm_vcs.is_valid(reference.strip("+"))


def test_the_same_national_number_cannot_belong_to_two_members(make_member, make_user, office) -> None:
    first = make_member()
    identity = Identity(
        kind=PersonKind.NATURAL,
        first_name="Other",
        last_name="Person",
        birth_date=first.birth_date,
        national_number=first.national_number,
        street="Rue 1",
        postal_code="4000",
        city="Liège",
        iban="BE36068200000081",
    )
    with pytest.raises(InvalidInput) as error:
        member_create(
            user=make_user("other@example.be"),
            identity=identity,
            office=office,
            applied_on=date(2026, 1, 1),
            actor=None,
        )
    assert list(error.value.fields) == ["national_number"]
    assert Member.objects.count() == 1


def test_a_company_joins_with_its_enterprise_number(make_user, office, cooperative) -> None:
    identity = Identity(
        kind=PersonKind.LEGAL,
        company_name="Atelier Meuse SRL",
        representative="Claire Meuse",
        enterprise_number="0431.217.854",
        street="Quai de la Batte 3",
        postal_code="4000",
        city="Liège",
        iban="BE02363000000040",
    )
    member = member_create(
        user=make_user("atelier@example.be"), identity=identity, office=office, applied_on=date(2026, 1, 1), actor=None
    )
    assert member.enterprise_number == "0431217854"
    assert member.display_name == "Atelier Meuse SRL"
    assert member.bic
