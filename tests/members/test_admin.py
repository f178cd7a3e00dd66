"""Advisors follow the members of their own office in the admin; the register there is read-only."""

from datetime import date
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from members.models import Member, MemberCategory, MemberStatus, Office, Role, ShareOperation, User
from members.selectors import member_holding
from members.services import shares_issue

DAY = date(2026, 2, 1)
MEMBERS = "/admin/members/member/"
REGISTER = "/admin/members/shareoperation/"


@pytest.fixture
def brussels(db: None) -> Office:
    return Office.objects.create(code="bruxelles", name="Bruxelles", city="Bruxelles")


@pytest.fixture
def liege_member(make_member) -> Member:
    member: Member = make_member("Lucie", "Liegeoise")
    return member


@pytest.fixture
def brussels_member(make_member, brussels: Office) -> Member:
    member: Member = make_member("Bruno", "Bruxellois", office=brussels)
    return member


@pytest.fixture
def advisor(make_staff, office: Office) -> User:
    user: User = make_staff("sophie@example.be", office=office)
    return user


@pytest.fixture
def advisor_client(client: Client, advisor: User) -> Client:
    client.force_login(advisor)
    return client


def listed(response: Any) -> set[int]:
    assert response.status_code == 200
    return {row.pk for row in response.context["cl"].result_list}


def test_advisor_lists_only_the_members_of_their_office(
    advisor_client: Client, liege_member: Member, brussels_member: Member
) -> None:
    response = advisor_client.get(MEMBERS)
    assert listed(response) == {liege_member.pk}
    assert "Bruxellois" not in response.content.decode()


def test_advisor_search_never_reaches_another_office(
    advisor_client: Client, liege_member: Member, brussels_member: Member
) -> None:
    assert listed(advisor_client.get(MEMBERS, {"q": "Bruxellois"})) == set()
    assert listed(advisor_client.get(MEMBERS, {"q": brussels_member.national_number})) == set()
    assert listed(advisor_client.get(MEMBERS, {"q": str(brussels_member.number)})) == set()
    assert listed(advisor_client.get(MEMBERS, {"q": "Liegeoise"})) == {liege_member.pk}


def test_another_offices_member_page_is_as_absent_as_a_missing_one(
    advisor_client: Client, brussels_member: Member
) -> None:
    url = f"{MEMBERS}{brussels_member.pk}/change/"
    response = advisor_client.get(url)
    missing = advisor_client.get(f"{MEMBERS}999999/change/")
    assert response.status_code in {302, 404}
    assert (response.status_code, response.get("Location")) == (missing.status_code, missing.get("Location"))
    assert advisor_client.get(f"{MEMBERS}{brussels_member.pk}/history/").status_code in {302, 404}

    advisor_client.post(url, {"street": "Rue volée 1"})
    brussels_member.refresh_from_db()
    assert brussels_member.street == "Rue Saint-Gilles 12"


def test_advisor_without_office_sees_no_member(client: Client, make_staff, liege_member: Member) -> None:
    client.force_login(make_staff("nomad@example.be"))
    assert listed(client.get(MEMBERS)) == set()


@pytest.mark.parametrize("how", ["superuser", "view_all_offices"])
def test_who_sees_every_office_lists_both(
    client: Client, make_staff, office: Office, liege_member: Member, brussels_member: Member, *, how: str
) -> None:
    if how == "superuser":
        user: User = make_staff("head@example.be", is_superuser=True)
    else:
        user = make_staff("head@example.be", office=office)
        user.user_permissions.add(Permission.objects.get(codename="view_all_offices"))
    client.force_login(user)
    assert listed(client.get(MEMBERS)) == {liege_member.pk, brussels_member.pk}
    assert client.get(f"{MEMBERS}{brussels_member.pk}/change/").status_code == 200


def test_accountants_read_every_office_and_change_nothing(
    client: Client, make_staff, liege_member: Member, brussels_member: Member
) -> None:
    client.force_login(make_staff("compta@example.be", role=Role.ACCOUNTANT))
    assert listed(client.get(MEMBERS)) == {liege_member.pk, brussels_member.pk}
    page = client.get(f"{MEMBERS}{brussels_member.pk}/change/").content.decode()
    assert 'name="_save"' not in page


def test_national_number_typed_with_dots_finds_the_member(
    advisor_client: Client, make_member, liege_member: Member
) -> None:
    other: Member = make_member("Marc", "Autre")
    n = liege_member.national_number
    typed = f"{n[:2]}.{n[2:4]}.{n[4:6]}-{n[6:9]}.{n[9:]}"
    assert listed(advisor_client.get(MEMBERS, {"q": typed})) == {liege_member.pk}
    assert listed(advisor_client.get(MEMBERS, {"q": n[:6]})) == set(), "identifiers match whole, never in part"
    assert listed(advisor_client.get(MEMBERS, {"q": str(other.number)})) == {other.pk}


def test_enterprise_number_typed_as_printed_finds_the_company(advisor_client: Client, liege_member: Member) -> None:
    Member.objects.filter(pk=liege_member.pk).update(
        kind="legal", first_name="", last_name="", national_number="", birth_date=None,
        company_name="Atelier Meuse", enterprise_number="0754316243", representative="Lucie",
    )  # fmt: skip
    for typed in ["BE 0754.316.243", "0754-316-243", "754316243"]:
        assert listed(advisor_client.get(MEMBERS, {"q": typed})) == {liege_member.pk}, typed
    assert listed(advisor_client.get(MEMBERS, {"q": "atelier"})) == {liege_member.pk}


def test_filters_by_status_category_advisor_and_office(
    advisor_client: Client, make_member, advisor: User, liege_member: Member, office: Office
) -> None:
    followed: Member = make_member("Paul", "Suivi", advisor=advisor, category=MemberCategory.B)
    shares_issue(member=followed, quantity=1, on=DAY, key="paul", actor=advisor)

    assert listed(advisor_client.get(MEMBERS, {"status__exact": MemberStatus.MEMBER})) == {followed.pk}
    assert listed(advisor_client.get(MEMBERS, {"status__exact": MemberStatus.APPLICANT})) == {liege_member.pk}
    assert listed(advisor_client.get(MEMBERS, {"category__exact": "B"})) == {followed.pk}
    assert listed(advisor_client.get(MEMBERS, {"advisor__id__exact": advisor.pk})) == {followed.pk}
    assert listed(advisor_client.get(MEMBERS, {"office__id__exact": office.pk})) == {followed.pk, liege_member.pk}


def test_office_filter_offers_only_the_offices_within_reach(
    advisor_client: Client, liege_member: Member, brussels_member: Member
) -> None:
    page = advisor_client.get(MEMBERS).content.decode()
    assert "Liège" in page and "Bruxelles" not in page


def test_list_shows_each_members_current_holding(advisor_client: Client, liege_member: Member, advisor: User) -> None:
    shares_issue(member=liege_member, quantity=4, on=DAY, key="lucie:1", actor=advisor)
    shares_issue(member=liege_member, quantity=3, on=DAY, key="lucie:2", actor=advisor)
    (row,) = advisor_client.get(MEMBERS).context["cl"].result_list
    assert row.holding == 7
    assert '<td class="field-current_holding">7</td>' in advisor_client.get(MEMBERS).content.decode()


@pytest.mark.parametrize("count", [5, 50])
def test_member_list_reads_in_a_fixed_number_of_queries(
    advisor_client: Client, make_member, advisor: User, count: int, django_assert_max_num_queries
) -> None:
    for n in range(count):
        member: Member = make_member(f"P{n}", "Nombre", advisor=advisor)
        shares_issue(member=member, quantity=1, on=DAY, key=f"bulk:{n}", actor=advisor)
    with django_assert_max_num_queries(12):
        response = advisor_client.get(MEMBERS)
    assert len(listed(response)) == count


def test_member_page_shows_register_lines_without_a_way_to_change_them(
    advisor_client: Client, liege_member: Member, advisor: User
) -> None:
    operation = shares_issue(member=liege_member, quantity=2, on=DAY, key="lucie:page", actor=advisor)
    page = advisor_client.get(f"{MEMBERS}{liege_member.pk}/change/").content.decode()
    assert f"{REGISTER}{operation.pk}/change/" in page
    assert 'name="share_operations-0-quantity"' not in page
    assert 'name="number"' not in page and 'name="status"' not in page


def test_advisor_corrects_an_identity_through_the_service(advisor_client: Client, liege_member: Member) -> None:
    n = liege_member.national_number
    form = {
        "kind": "natural",
        "category": "A",
        "first_name": "Lucie",
        "last_name": "Liégeoise-Martin",
        "birth_date": liege_member.birth_date.isoformat() if liege_member.birth_date else "",
        "national_number": f"{n[:2]}.{n[2:4]}.{n[4:6]}-{n[6:9]}.{n[9:]}",
        "company_name": "",
        "enterprise_number": "",
        "representative": "",
        "street": "Quai de la Batte 3",
        "postal_code": "4000",
        "city": "Liège",
        "country": "BE",
        "phone": "",
        "iban": "be71 0961 2345 6769",
        "office": liege_member.office_id,
        "advisor": "",
        "share_operations-TOTAL_FORMS": "0",
        "share_operations-INITIAL_FORMS": "0",
        "_save": "1",
    }
    response = advisor_client.post(f"{MEMBERS}{liege_member.pk}/change/", form)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    liege_member.refresh_from_db()
    assert (liege_member.last_name, liege_member.street) == ("Liégeoise-Martin", "Quai de la Batte 3")
    assert liege_member.iban == "BE71096123456769" and liege_member.bic == "GKCCBEBB"
    assert liege_member.national_number == n

    form["iban"] = "BE00 1234"
    response = advisor_client.post(f"{MEMBERS}{liege_member.pk}/change/", form)
    assert response.status_code == 200
    assert "iban" in response.context["adminform"].form.errors

    # What only the service knows (a person needs a last name) comes back as its message; nothing changes.
    form.update(iban="BE71096123456769", last_name="", street="Rue perdue 9")
    response = advisor_client.post(f"{MEMBERS}{liege_member.pk}/change/", form, follow=True)
    said = [str(message) for message in response.context["messages"]]
    with translation.override("fr"):
        assert said == [gettext("A person needs a last name.")], said
    liege_member.refresh_from_db()
    assert (liege_member.last_name, liege_member.street) == ("Liégeoise-Martin", "Quai de la Batte 3")


def test_advisor_cannot_move_a_member_to_another_office(
    advisor_client: Client, liege_member: Member, brussels: Office
) -> None:
    page = advisor_client.get(f"{MEMBERS}{liege_member.pk}/change/")
    offices = page.context["adminform"].form.fields["office"].queryset
    assert list(offices) == [liege_member.office]


def test_members_are_neither_added_nor_deleted_in_the_admin(advisor_client: Client, liege_member: Member) -> None:
    assert advisor_client.get(f"{MEMBERS}add/").status_code == 403
    assert advisor_client.post(f"{MEMBERS}{liege_member.pk}/delete/").status_code == 403
    assert Member.objects.filter(pk=liege_member.pk).exists()


def test_register_admin_is_read_only(advisor_client: Client, liege_member: Member, advisor: User) -> None:
    operation = shares_issue(member=liege_member, quantity=2, on=DAY, key="lucie:ro", actor=advisor)
    page = advisor_client.get(f"{REGISTER}{operation.pk}/change/")
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert advisor_client.post(f"{REGISTER}{operation.pk}/change/", {"quantity": "9"}).status_code == 403
    assert advisor_client.get(f"{REGISTER}add/").status_code == 403
    assert advisor_client.post(f"{REGISTER}{operation.pk}/delete/").status_code == 403
    operation.refresh_from_db()
    assert operation.quantity == 2


def test_register_is_scoped_by_office_and_searched_by_member_number(
    advisor_client: Client, liege_member: Member, brussels_member: Member, advisor: User
) -> None:
    mine = shares_issue(member=liege_member, quantity=1, on=DAY, key="reg:liege", actor=advisor)
    theirs = shares_issue(member=brussels_member, quantity=1, on=DAY, key="reg:bxl", actor=advisor)
    assert listed(advisor_client.get(REGISTER)) == {mine.pk}
    assert listed(advisor_client.get(REGISTER, {"q": str(liege_member.number)})) == {mine.pk}
    assert listed(advisor_client.get(REGISTER, {"q": str(brussels_member.number)})) == set()
    assert listed(advisor_client.get(REGISTER, {"q": "Lucie"})) == set()
    assert advisor_client.get(f"{REGISTER}{theirs.pk}/change/").status_code in {302, 404}
    assert listed(advisor_client.get(REGISTER, {"kind__exact": "issue", "share_class__exact": "A"})) == {mine.pk}
    assert listed(advisor_client.get(REGISTER, {"kind__exact": "buyback"})) == set()
    assert listed(advisor_client.get(REGISTER, {"operation_date__year": "2026"})) == {mine.pk}
    assert ShareOperation.objects.count() == 2


def test_members_do_not_enter_the_members_admin(client: Client, liege_member: Member) -> None:
    client.force_login(liege_member.user)
    assert client.get(MEMBERS).status_code == 302


# --- Register operations from the member's page ------------------------------------------------


def _issued(member: Member, quantity: int, actor: User) -> None:
    shares_issue(member=member, quantity=quantity, on=date(2026, 1, 10), key=f"issue:{member.pk}", actor=actor)


def test_advisor_buys_back_shares_from_the_member_page_once_per_form(client: Client, make_staff, make_member) -> None:
    advisor = make_staff(office=Office.objects.get(code="liege"))
    member = make_member()
    _issued(member, 3, advisor)
    client.force_login(advisor)
    url = f"/admin/members/member/{member.pk}/register/"
    form = {"operation": "buyback", "quantity": "2", "reason": "Départ partiel", "form_token": "t-1"}
    client.post(url, form)
    client.post(url, form)  # the same form sent twice
    assert member_holding(member=member) == 1
    assert ShareOperation.objects.filter(kind="buyback").count() == 1


def test_advisor_transfer_to_a_member_number_goes_through_the_service(client: Client, make_staff, make_member) -> None:
    advisor = make_staff(office=Office.objects.get(code="liege"))
    seller, buyer = make_member(), make_member("Bob", "Peeters")
    _issued(seller, 2, advisor)
    _issued(buyer, 1, advisor)
    client.force_login(advisor)
    client.post(
        f"/admin/members/member/{seller.pk}/register/",
        {"operation": "transfer", "quantity": "5", "buyer": str(buyer.number), "form_token": "t-2"},
        follow=True,
    )
    assert member_holding(member=seller) == 2, "more than held: refused, nothing written"
    client.post(
        f"/admin/members/member/{seller.pk}/register/",
        {"operation": "transfer", "quantity": "2", "buyer": str(buyer.number), "form_token": "t-3"},
    )
    assert (member_holding(member=seller), member_holding(member=buyer)) == (0, 3)


def test_only_who_sees_every_office_downloads_the_whole_register(client: Client, make_staff, make_member) -> None:
    advisor = make_staff(office=Office.objects.get(code="liege"))
    _issued(make_member(), 1, advisor)
    client.force_login(advisor)
    assert client.get("/admin/members/shareoperation/register.csv").status_code == 403
    advisor.is_superuser = True
    advisor.save()
    response = client.get("/admin/members/shareoperation/register.csv")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith("\ufeff".encode())  # type: ignore[attr-defined]


def _not_nested(html: str, form_id: str) -> bool:
    """True when the form stands outside every other form (browsers drop a nested <form>)."""
    start = html.index(f'<form id="{form_id}"')
    before = html[:start]
    return before.count("<form") == before.count("</form>")


def test_register_form_stands_outside_the_change_form(client: Client, make_staff, make_member) -> None:
    advisor = make_staff(office=Office.objects.get(code="liege"))
    member = make_member()
    _issued(member, 1, advisor)
    client.force_login(advisor)
    html = client.get(f"/admin/members/member/{member.pk}/change/").content.decode()
    assert _not_nested(html, "register-form")


def test_row_links_of_a_filtered_list_lead_back_to_the_same_filter(client: Client, make_staff, make_member) -> None:
    advisor = make_staff(office=Office.objects.get(code="liege"))
    member = make_member()
    _issued(member, 1, advisor)
    client.force_login(advisor)
    html = client.get("/admin/members/member/", {"status__exact": "member"}).content.decode()
    assert f"/admin/members/member/{member.pk}/change/?_changelist_filters=status__exact%3Dmember" in html
