"""The members API: a member reads only their own record and shares; advisors list their office."""

from datetime import date

import pytest
from django.contrib.auth.models import Permission
from rest_framework.test import APIClient

from members.models import Member, MemberStatus, Office, User
from members.services import shares_issue, shares_subscribe, shares_transfer

DAY = date(2026, 2, 1)


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def brussels(db: None) -> Office:
    return Office.objects.create(code="bruxelles", name="Bruxelles", city="Bruxelles")


@pytest.fixture
def advisor(make_staff, office: Office) -> User:
    user: User = make_staff("sophie@example.be", office=office)
    return user


@pytest.fixture
def lucie(make_member) -> Member:
    member: Member = make_member("Lucie", "Liegeoise")
    return member


@pytest.fixture
def bruno(make_member, brussels: Office) -> Member:
    member: Member = make_member("Bruno", "Bruxellois", office=brussels)
    return member


def test_member_reads_their_own_profile_with_the_iban_masked(api: APIClient, lucie: Member) -> None:
    api.force_authenticate(lucie.user)
    response = api.get("/api/members/me/")
    assert response.status_code == 200
    body = response.json()
    assert body == {
        "number": lucie.number,
        "name": "Lucie Liegeoise",
        "category": "A",
        "status": "applicant",
        "office": {"code": "liege", "name": "Liège", "postal_code": "", "city": "Liège", "email": ""},
        "applied_on": "2026-01-05",
        "admitted_on": None,
        "left_on": None,
        "address": {"street": "Rue Saint-Gilles 12", "postal_code": "4000", "city": "Liège", "country": "BE"},
        "iban": "************0081",
        "language": "fr",
    }
    assert lucie.iban not in response.content.decode()
    assert lucie.national_number not in response.content.decode()


def test_member_reads_their_holding_by_class_and_their_register_lines(
    api: APIClient, lucie: Member, bruno: Member, advisor: User
) -> None:
    shares_subscribe(member=lucie, quantity=5, on=DAY, key="lucie:sub", actor=advisor)
    shares_issue(member=lucie, quantity=5, on=DAY, key="lucie:paid", actor=advisor)
    shares_issue(member=bruno, quantity=1, on=DAY, key="bruno:paid", actor=advisor)
    shares_transfer(seller=lucie, buyer=bruno, quantity=2, on=DAY, key="lucie-to-bruno", actor=advisor)

    api.force_authenticate(lucie.user)
    body = api.get("/api/members/me/shares/").json()

    assert body["holdings"] == [{"category": "A", "shares": 3}]
    assert body["total"] == 3
    assert body["count"] == 3 and body["next"] is None and body["previous"] is None
    assert [(line["kind"], line["quantity"]) for line in body["results"]] == [
        ("transfer_out", 2),
        ("issue", 5),
        ("subscription", 5),
    ]
    assert body["results"][0]["counterpart"] == bruno.number
    assert body["results"][1] == {
        "number": 2,
        "operation_date": "2026-02-01",
        "kind": "issue",
        "category": "A",
        "quantity": 5,
        "unit_value": "30.00",
        "amount": "150.00",
        "counterpart": None,
        "reason": "",
    }


def test_another_members_data_is_never_returned(api: APIClient, lucie: Member, bruno: Member, advisor: User) -> None:
    shares_issue(member=bruno, quantity=4, on=DAY, key="bruno:paid", actor=advisor)
    api.force_authenticate(lucie.user)

    profile = api.get("/api/members/me/", {"number": bruno.number, "member": bruno.pk}).json()
    shares = api.get("/api/members/me/shares/", {"member": bruno.pk}).json()

    assert profile["number"] == lucie.number
    assert shares["holdings"] == [] and shares["count"] == 0 and shares["results"] == []
    assert api.get("/api/members/").status_code == 403


def test_a_user_without_a_member_record_gets_404_in_the_one_format(api: APIClient, advisor: User) -> None:
    api.force_authenticate(advisor)
    for url in ["/api/members/me/", "/api/members/me/shares/"]:
        response = api.get(url)
        assert response.status_code == 404
        assert set(response.json()) == {"message", "fields"}


def test_member_gets_403_on_the_advisors_list_in_the_one_format(api: APIClient, lucie: Member) -> None:
    api.force_authenticate(lucie.user)
    response = api.get("/api/members/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    body = response.json()
    assert set(body) == {"message", "fields"} and body["fields"] == {}
    assert body["message"]


def test_anonymous_gets_no_member_data(api: APIClient, lucie: Member) -> None:
    for url in ["/api/members/", "/api/members/me/", "/api/members/me/shares/"]:
        response = api.get(url)
        assert response.status_code in {401, 403}
        assert set(response.json()) == {"message", "fields"}


def test_advisor_lists_only_the_members_of_their_office(
    api: APIClient, advisor: User, lucie: Member, bruno: Member
) -> None:
    shares_issue(member=lucie, quantity=2, on=DAY, key="lucie:paid", actor=advisor)
    api.force_authenticate(advisor)
    body = api.get("/api/members/").json()
    assert body["count"] == 1
    (row,) = body["results"]
    assert row["number"] == lucie.number and row["office"] == "liege" and row["holding"] == 2
    assert "iban" not in row and "national_number" not in row
    assert api.get("/api/members/", {"q": "Bruxellois"}).json()["count"] == 0
    assert api.get("/api/members/", {"q": str(bruno.number)}).json()["count"] == 0


def test_view_all_offices_lists_every_office(
    api: APIClient, advisor: User, lucie: Member, bruno: Member, make_staff
) -> None:
    advisor.user_permissions.add(Permission.objects.get(codename="view_all_offices"))
    api.force_authenticate(User.objects.get(pk=advisor.pk))  # a fresh user: no cached permissions
    assert {row["number"] for row in api.get("/api/members/").json()["results"]} == {lucie.number, bruno.number}

    api.force_authenticate(make_staff("root@example.be", is_superuser=True))
    assert api.get("/api/members/").json()["count"] == 2


def test_advisor_list_filters_by_status_and_searches_name_or_number(
    api: APIClient, advisor: User, make_member, lucie: Member
) -> None:
    paul: Member = make_member("Paul", "Martin")
    shares_issue(member=paul, quantity=1, on=DAY, key="paul:paid", actor=advisor)
    api.force_authenticate(advisor)

    def numbers(**params: str) -> set[int]:
        response = api.get("/api/members/", params)
        assert response.status_code == 200
        return {row["number"] for row in response.json()["results"]}

    assert numbers(status=MemberStatus.MEMBER) == {paul.number}
    assert numbers(status=MemberStatus.APPLICANT) == {lucie.number}
    assert numbers(q="martin") == {paul.number}
    assert numbers(q="lucie liegeoise") == {lucie.number}
    assert numbers(q=str(lucie.number)) == {lucie.number}
    n = lucie.national_number
    assert numbers(q=f"{n[:2]}.{n[2:4]}.{n[4:6]}-{n[6:9]}.{n[9:]}") == {lucie.number}

    wrong = api.get("/api/members/", {"status": "sleeping"}, HTTP_ACCEPT_LANGUAGE="en")
    assert wrong.status_code == 400
    assert set(wrong.json()["fields"]) == {"status"}


def test_advisor_list_is_paginated(api: APIClient, advisor: User, make_member) -> None:
    for n in range(7):
        make_member(f"P{n}", "Page")
    api.force_authenticate(advisor)
    first = api.get("/api/members/", {"page_size": 3}).json()
    assert first["count"] == 7 and len(first["results"]) == 3 and first["previous"] is None
    last = api.get(first["next"].replace("http://testserver", "")).json()
    assert len(last["results"]) == 3 and last["next"]


@pytest.mark.parametrize("page_size", [5, 40])
def test_advisor_list_query_count_does_not_grow_with_page_size(
    api: APIClient, advisor: User, make_member, page_size: int, django_assert_max_num_queries
) -> None:
    for n in range(40):
        member: Member = make_member(f"P{n}", "Nombre", advisor=advisor)
        shares_issue(member=member, quantity=1, on=DAY, key=f"bulk:{n}", actor=advisor)
    api.force_authenticate(advisor)
    # Permissions (groups, two-factor), the count and the page: the same for 5 members or 40.
    with django_assert_max_num_queries(5):
        response = api.get("/api/members/", {"page_size": page_size})
    assert len(response.json()["results"]) == page_size


def test_my_shares_query_count_does_not_grow_with_page_size(
    api: APIClient, lucie: Member, bruno: Member, advisor: User, django_assert_max_num_queries
) -> None:
    shares_issue(member=bruno, quantity=30, on=DAY, key="bruno:paid", actor=advisor)
    for n in range(20):
        shares_issue(member=lucie, quantity=1, on=DAY, key=f"lucie:{n}", actor=advisor)
    for n in range(19):  # transfers name a counterpart: read with the line, not one query each
        shares_transfer(seller=bruno, buyer=lucie, quantity=1, on=DAY, key=f"t{n}", actor=advisor)
    api.force_authenticate(lucie.user)
    with django_assert_max_num_queries(5):
        body = api.get("/api/members/me/shares/", {"page_size": 40}).json()
    assert body["count"] == 39 and len(body["results"]) == 39


def test_members_endpoints_appear_in_the_openapi_schema(api: APIClient, db: None) -> None:
    paths = api.get("/api/schema/", {"format": "json"}).json()["paths"]
    assert {"/api/members/", "/api/members/me/", "/api/members/me/shares/"} <= set(paths)
    listing = paths["/api/members/"]["get"]
    assert {p["name"] for p in listing["parameters"]} >= {"status", "q", "page", "page_size"}
    assert set(listing["responses"]) >= {"200", "403"}
