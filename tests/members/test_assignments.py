"""Moving a member to another office, advisor or category: checked by the service, kept in the audit trail."""

from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from members.models import Member, MemberCategory, Office, Role, User
from members.services import member_assign, shares_issue
from smartcoop.audit.models import AuditEntry
from smartcoop.audit.selectors import trail_of
from smartcoop.errors import InvalidInput, PermissionDeniedError

DAY = date(2026, 2, 1)
MEMBERS = "/admin/members/member/"


@pytest.fixture
def brussels(db: None) -> Office:
    return Office.objects.create(code="bruxelles", name="Bruxelles", city="Bruxelles")


@pytest.fixture
def advisor(make_staff, office: Office) -> User:
    user: User = make_staff("sophie@example.be", first_name="Sophie", last_name="Lambert", office=office)
    return user


@pytest.fixture
def brussels_advisor(make_staff, brussels: Office) -> User:
    user: User = make_staff("bram@example.be", first_name="Bram", last_name="Peeters", office=brussels)
    return user


@pytest.fixture
def administrator(make_staff) -> User:
    """Sees every office (`view_all_offices`, migration 0005): may move members between offices."""
    user: User = make_staff("direction@example.be", role=Role.ADMINISTRATOR)
    return user


@pytest.fixture
def lucie(make_member) -> Member:
    member: Member = make_member("Lucie", "Liegeoise")
    return member


def _assignments(member: Member) -> list[AuditEntry]:
    return list(trail_of(member).filter(action="member.assigned"))


def _any_assignment() -> bool:
    return AuditEntry.objects.filter(action="member.assigned").exists()


def _state(member: Member) -> tuple[int, int | None, str]:
    member.refresh_from_db()
    return member.office_id, member.advisor_id, member.category


def test_moving_a_member_leaves_one_audit_entry_with_before_after_who_and_why(
    lucie: Member, office: Office, brussels: Office, brussels_advisor: User, administrator: User
) -> None:
    assignment = member_assign(
        member=lucie,
        office=brussels,
        advisor=brussels_advisor,
        category=MemberCategory.B,
        reason="  Déménagement à Bruxelles ",
        actor=administrator,
    )

    assert assignment is not None
    assert _state(lucie) == (brussels.pk, brussels_advisor.pk, "B")
    (row,) = _assignments(lucie)
    assert row.pk == assignment.pk
    assert row.before == {"office": office.pk, "advisor": None, "category": "A"}
    assert row.after == {"office": brussels.pk, "advisor": brussels_advisor.pk, "category": "B"}
    assert (row.actor_id, row.detail) == (administrator.pk, {"reason": "Déménagement à Bruxelles"})
    assert row.at is not None


def test_an_advisor_takes_on_a_member_of_their_own_office(lucie: Member, office: Office, advisor: User) -> None:
    assignment = member_assign(
        member=lucie, office=office, advisor=advisor, category="A", reason="Premier rendez-vous", actor=advisor
    )
    assert assignment is not None and assignment.actor_id == advisor.pk
    assert _state(lucie) == (office.pk, advisor.pk, "A")


def test_saving_the_same_assignment_writes_no_history(lucie: Member, office: Office, advisor: User) -> None:
    member_assign(member=lucie, office=office, advisor=advisor, category="A", reason="", actor=advisor)
    again = member_assign(member=lucie, office=office, advisor=advisor, category="A", reason="bis", actor=advisor)
    assert again is None
    assert len(_assignments(lucie)) == 1


def test_an_advisor_of_another_office_cannot_assign(
    lucie: Member, brussels: Office, brussels_advisor: User, office: Office
) -> None:
    with pytest.raises(PermissionDeniedError):
        member_assign(
            member=lucie, office=brussels, advisor=brussels_advisor, category="A", reason="", actor=brussels_advisor
        )
    assert _state(lucie) == (office.pk, None, "A")
    assert not _any_assignment()


def test_an_advisor_cannot_send_a_member_to_an_office_not_theirs(
    lucie: Member, advisor: User, brussels: Office, office: Office
) -> None:
    # The admin offers an advisor their own office only; the service holds the same line.
    with pytest.raises(PermissionDeniedError):
        member_assign(member=lucie, office=brussels, advisor=None, category="A", reason="", actor=advisor)
    assert _state(lucie) == (office.pk, None, "A")
    assert not _any_assignment()


@pytest.mark.parametrize("who", ["not_staff", "not_in_advisor_group", "inactive"])
def test_only_an_active_staff_advisor_can_follow_a_member(
    lucie: Member, office: Office, advisor: User, make_user, make_staff, *, who: str
) -> None:
    if who == "not_staff":
        candidate: User = make_user("marc@example.be", role=Role.ADVISOR, first_name="Marc", office=office)
    elif who == "not_in_advisor_group":
        candidate = make_staff("marc@example.be", role=Role.ACCOUNTANT, first_name="Marc", office=office)
    else:
        candidate = make_staff("marc@example.be", first_name="Marc", office=office, is_active=False)

    with translation.override("fr"), pytest.raises(InvalidInput) as error:
        member_assign(member=lucie, office=office, advisor=candidate, category="A", reason="", actor=advisor)

    assert list(error.value.fields) == ["advisor"]
    assert "Marc" in str(error.value.fields["advisor"][0]), "the message names the person chosen"
    assert _state(lucie) == (office.pk, None, "A")
    assert not _any_assignment()


def test_the_advisor_must_work_at_the_members_new_office(
    lucie: Member, office: Office, brussels: Office, advisor: User, administrator: User
) -> None:
    with translation.override("fr"), pytest.raises(InvalidInput) as error:
        member_assign(member=lucie, office=brussels, advisor=advisor, category="A", reason="", actor=administrator)
    assert list(error.value.fields) == ["advisor"]
    assert "Bruxelles" in str(error.value.fields["advisor"][0])
    assert _state(lucie) == (office.pk, None, "A")


def test_the_category_is_fixed_once_shares_are_issued(lucie: Member, office: Office, advisor: User) -> None:
    shares_issue(member=lucie, quantity=1, on=DAY, key="lucie:paid", actor=advisor)
    with pytest.raises(InvalidInput) as error:
        member_assign(member=lucie, office=office, advisor=advisor, category="C", reason="", actor=advisor)
    assert list(error.value.fields) == ["category"]
    assert _state(lucie) == (office.pk, None, "A"), "the advisor was not taken on either"
    assert not _any_assignment()


# --- Through the admin's change form --------------------------------------------------------------


def _admin_form(member: Member, **changes: Any) -> dict[str, Any]:
    """The whole change form as the browser posts it, inline management data included."""
    form: dict[str, Any] = {
        "kind": member.kind,
        "category": member.category,
        "first_name": member.first_name,
        "last_name": member.last_name,
        "birth_date": member.birth_date.isoformat() if member.birth_date else "",
        "national_number": member.national_number,
        "company_name": "",
        "enterprise_number": "",
        "representative": "",
        "street": member.street,
        "postal_code": member.postal_code,
        "city": member.city,
        "country": member.country,
        "phone": member.phone,
        "iban": member.iban,
        "office": member.office_id,
        "advisor": member.advisor_id or "",
        "assignment_reason": "",
        "share_operations-TOTAL_FORMS": "0",
        "share_operations-INITIAL_FORMS": "0",
        "_save": "1",
    }
    form.update(changes)
    return form


def test_taking_on_a_member_in_the_admin_shows_in_their_history(
    client: Client, lucie: Member, office: Office, advisor: User
) -> None:
    client.force_login(advisor)
    url = f"{MEMBERS}{lucie.pk}/change/"
    response = client.post(url, _admin_form(lucie, advisor=advisor.pk, assignment_reason="Suivi des contrats"))
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""

    (row,) = _assignments(lucie)
    assert (row.before, row.after, row.actor_id) == ({"advisor": None}, {"advisor": advisor.pk}, advisor.pk)
    page = client.get(url).content.decode()
    # The trail at the end of the member's page names the advisor, not their id, and the reason.
    assert "Suivi des contrats" in page and "Sophie Lambert" in page


def test_saving_the_admin_form_unchanged_adds_no_history(client: Client, lucie: Member, advisor: User) -> None:
    client.force_login(advisor)
    response = client.post(f"{MEMBERS}{lucie.pk}/change/", _admin_form(lucie, assignment_reason="rien"))
    assert response.status_code == 302
    assert not _any_assignment()


def test_a_wrong_advisor_in_the_admin_is_shown_on_the_form_and_changes_nothing(
    client: Client, lucie: Member, office: Office, advisor: User, make_user
) -> None:
    # In the advisor group and at the office (so the list offers him), but without staff access.
    trainee: User = make_user("marc@example.be", role=Role.ADVISOR, first_name="Marc", office=office)
    client.force_login(advisor)
    response = client.post(f"{MEMBERS}{lucie.pk}/change/", _admin_form(lucie, advisor=trainee.pk, street="Rue Neuve 5"))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["advisor"]
    assert "Marc" in errors["advisor"][0]
    lucie.refresh_from_db()
    assert (lucie.advisor_id, lucie.street) == (None, "Rue Saint-Gilles 12")
    assert not _any_assignment()
