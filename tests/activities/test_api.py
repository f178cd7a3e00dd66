"""The Activities API: a member reads their own Activities and books, claims expenses; advisors decide."""

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from activities.models import Activity, ActivityTransfer, ClaimStatus, ExpenseCategory, ExpenseClaim, HolderRole
from activities.selectors import activity_books
from activities.services import (
    ExpenseLineData,
    ThirdPartyData,
    activity_add_holder,
    activity_income_record,
    expense_claim_create,
    expense_claim_submit,
    expense_line_add,
    third_party_add,
)
from members.models import Member, Office, User
from members.services import shares_issue
from tests.activities.conftest import DAY, MakeActivity

PDF = b"%PDF-1.4\n% receipt\n"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path  # receipts written by the tests stay out of .data/


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def brussels(db: None) -> Office:
    return Office.objects.create(code="bruxelles", name="Bruxelles", city="Bruxelles")


@pytest.fixture
def brussels_advisor(make_staff, brussels: Office) -> User:
    user: User = make_staff("bruno.conseil@smartcoop.be", office=brussels)
    return user


@pytest.fixture
def other_member(make_member, advisor: User) -> Member:
    member: Member = make_member("Marc", "Peeters")
    shares_issue(member=member, quantity=1, on=DAY, key=f"test:{member.pk}:share", actor=advisor)
    member.refresh_from_db()
    return member


def _receipt() -> SimpleUploadedFile:
    return SimpleUploadedFile("ticket.pdf", PDF, content_type="application/pdf")


def _submitted_claim(activity: Activity, member: Member, category: ExpenseCategory, amount: str) -> ExpenseClaim:
    claim = expense_claim_create(activity=activity, title="Tournée de mars", actor=member.user)
    expense_line_add(
        claim=claim,
        data=ExpenseLineData(
            spent_on=date(2026, 3, 3), category=category, description="Cordes", amount=Decimal(amount)
        ),
        receipt=_receipt(),
        actor=member.user,
    )
    return expense_claim_submit(claim=claim, actor=member.user)


def test_member_lists_only_their_own_activities_with_the_three_figures(
    api: APIClient, make_activity: MakeActivity, holder: Member, other_member: Member
) -> None:
    mine = make_activity("Studio Dubois", funds=Decimal("1250.00"))
    make_activity("Boulangerie Peeters", holder=other_member, funds=Decimal("10.00"))
    api.force_authenticate(holder.user)

    body = api.get("/api/activities/").json()

    assert body["count"] == 1
    assert body["results"] == [
        {
            "code": mine.code,
            "name": "Studio Dubois",
            "office": "liege",
            "status": "open",
            "role": "manager",
            "created_at": body["results"][0]["created_at"],
            "books": {"available": "1250.00", "committed": "0.00", "incoming": "0.00"},
        }
    ]


def test_another_members_activity_is_as_absent_as_a_missing_one(
    api: APIClient, make_activity: MakeActivity, holder: Member, other_member: Member
) -> None:
    theirs = make_activity("Boulangerie Peeters", holder=other_member)
    api.force_authenticate(holder.user)
    for url in [
        f"/api/activities/{theirs.code}/",
        f"/api/activities/{theirs.code}/movements/",
        f"/api/activities/{theirs.code}/expense-claims/",
        "/api/activities/A999999/",
    ]:
        response = api.get(url)
        assert response.status_code == 404, url
        assert set(response.json()) == {"message", "fields"}


def test_detail_shows_holders_trades_rates_and_books(
    api: APIClient, make_activity: MakeActivity, holder: Member
) -> None:
    activity = make_activity(funds=Decimal("100.00"))
    api.force_authenticate(holder.user)

    body = api.get(f"/api/activities/{activity.code.lower()}/").json()

    assert body["books"] == {"available": "100.00", "committed": "0.00", "incoming": "0.00"}
    assert body["holders"] == [
        {"number": holder.number, "name": "Amélie Dubois", "role": "manager", "since": body["holders"][0]["since"]}
    ]
    assert [trade["code"] for trade in body["trades"]] == ["musician"]
    assert body["contribution_rates"] == {"turnover": "0.0650", "employment": "0.0750"}


def test_a_worker_of_the_activity_does_not_read_its_books(
    api: APIClient, make_activity: MakeActivity, holder: Member, other_member: Member
) -> None:
    activity = make_activity(funds=Decimal("100.00"))
    activity_add_holder(activity=activity, member=other_member, role=HolderRole.WORKER, actor=holder.user)
    api.force_authenticate(other_member.user)

    (row,) = api.get("/api/activities/").json()["results"]
    assert (row["role"], row["books"]) == ("worker", None)
    assert api.get(f"/api/activities/{activity.code}/").json()["books"] is None
    assert api.get(f"/api/activities/{activity.code}/movements/").status_code == 403


def test_staff_of_another_office_gets_404_and_cannot_approve(
    api: APIClient,
    make_activity: MakeActivity,
    holder: Member,
    brussels_advisor: User,
    supplies: ExpenseCategory,
) -> None:
    activity = make_activity(funds=Decimal("100.00"))
    claim = _submitted_claim(activity, holder, supplies, "20.00")
    api.force_authenticate(brussels_advisor)

    assert api.get("/api/activities/").json()["count"] == 0
    assert api.get(f"/api/activities/{activity.code}/").status_code == 404
    assert api.get(f"/api/expense-claims/{claim.pk}/").status_code == 404
    assert api.post(f"/api/expense-claims/{claim.pk}/approve/").status_code == 404
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED


def test_staff_of_the_office_lists_its_activities_and_members_cannot_decide(
    api: APIClient, make_activity: MakeActivity, holder: Member, advisor: User, supplies: ExpenseCategory
) -> None:
    activity = make_activity(funds=Decimal("100.00"))
    claim = _submitted_claim(activity, holder, supplies, "20.00")

    api.force_authenticate(advisor)
    (row,) = api.get("/api/activities/").json()["results"]
    assert (row["code"], row["role"], row["books"]["available"]) == (activity.code, None, "100.00")

    api.force_authenticate(holder.user)
    response = api.post(f"/api/expense-claims/{claim.pk}/approve/")
    assert response.status_code == 403 and set(response.json()) == {"message", "fields"}


def test_staff_without_two_factor_reads_no_activity(
    api: APIClient, make_activity: MakeActivity, make_user, office: Office
) -> None:
    make_activity()
    api.force_authenticate(make_user("nomfa@smartcoop.be", is_staff=True, office=office))
    assert api.get("/api/activities/").json()["count"] == 0


def test_worker_creates_a_claim_adds_a_receipt_and_submits_it(
    api: APIClient, make_activity: MakeActivity, holder: Member, supplies: ExpenseCategory
) -> None:
    activity = make_activity()
    api.force_authenticate(holder.user)

    created = api.post(f"/api/activities/{activity.code}/expense-claims/", {"title": "Tournée"}, format="json")
    assert created.status_code == 201, created.json()
    claim_id = created.json()["id"]
    assert (created.json()["status"], created.json()["total"]) == ("draft", "0.00")

    line = api.post(
        f"/api/expense-claims/{claim_id}/lines/",
        {
            "spent_on": "2026-03-03",
            "category": "supplies",
            "description": "Cordes et médiators",
            "amount": "121.00",
            "vat": "21.00",
            "receipt": _receipt(),
        },
        format="multipart",
    )
    assert line.status_code == 201, line.json()
    assert (line.json()["amount"], line.json()["vat"], line.json()["category"]) == ("121.00", "21.00", "supplies")

    submitted = api.post(f"/api/expense-claims/{claim_id}/submit/")
    assert submitted.status_code == 200
    body = submitted.json()
    assert (body["status"], body["total"], len(body["lines"])) == ("submitted", "121.00", 1)

    listed = api.get(f"/api/activities/{activity.code}/expense-claims/").json()
    assert [claim["id"] for claim in listed["results"]] == [claim_id]
    again = api.post(f"/api/expense-claims/{claim_id}/lines/", {"description": "x"}, format="multipart")
    assert again.status_code == 400 and "spent_on" in again.json()["fields"]


def test_a_line_without_a_receipt_is_refused_in_the_one_format(
    api: APIClient, make_activity: MakeActivity, holder: Member
) -> None:
    claim = expense_claim_create(activity=make_activity(), title="Repas", actor=holder.user)
    api.force_authenticate(holder.user)
    response = api.post(
        f"/api/expense-claims/{claim.pk}/lines/",
        {"spent_on": "2026-03-03", "category": "meals", "description": "Repas", "amount": "30.00"},
        format="multipart",
    )
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"receipt"}
    assert response.json()["message"]


def test_approval_beyond_the_balance_is_a_409_naming_the_balance(
    api: APIClient, make_activity: MakeActivity, holder: Member, advisor: User, meals: ExpenseCategory
) -> None:
    activity = make_activity(funds=Decimal("50.00"))
    claim = _submitted_claim(activity, holder, meals, "80.00")
    api.force_authenticate(advisor)

    response = api.post(f"/api/expense-claims/{claim.pk}/approve/")

    assert response.status_code == 409
    assert "50,00" in response.json()["message"]
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED
    assert activity_books(activity=activity).available == Decimal("50.00")


def test_advisor_approves_within_the_balance_and_rejects_only_with_a_reason(
    api: APIClient, make_activity: MakeActivity, holder: Member, advisor: User, meals: ExpenseCategory
) -> None:
    activity = make_activity(funds=Decimal("100.00"))
    first = _submitted_claim(activity, holder, meals, "30.00")
    second = _submitted_claim(activity, holder, meals, "20.00")
    api.force_authenticate(advisor)

    approved = api.post(f"/api/expense-claims/{first.pk}/approve/")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert activity_books(activity=activity).available == Decimal("70.00")

    refused = api.post(f"/api/expense-claims/{second.pk}/reject/", {"reason": " "}, format="json")
    assert refused.status_code == 400 and set(refused.json()["fields"]) == {"reason"}
    rejected = api.post(f"/api/expense-claims/{second.pk}/reject/", {"reason": "Hors budget"}, format="json")
    assert rejected.status_code == 200
    assert (rejected.json()["status"], rejected.json()["reason"]) == ("rejected", "Hors budget")


def test_movements_are_read_by_keyset_with_a_next_cursor(
    api: APIClient, make_activity: MakeActivity, holder: Member, advisor: User
) -> None:
    activity = make_activity()
    for n in range(5):
        activity_income_record(
            activity=activity,
            amount=Decimal("10.00"),
            source="other",
            memo=f"Don {n}",
            received_on=DAY + timedelta(days=n),
            key=f"test:gift:{n}",
            actor=advisor,
        )
    api.force_authenticate(holder.user)

    first = api.get(f"/api/activities/{activity.code}/movements/", {"limit": 2}).json()
    assert [m["memo"] for m in first["results"]] == ["Don 4", "Don 3"]
    assert first["results"][0]["available"] == "10.00"
    seen = [m["memo"] for m in first["results"]]
    page = first
    while page["next"]:
        page = api.get(page["next"].replace("http://testserver", "")).json()
        seen += [m["memo"] for m in page["results"]]
    assert seen == ["Don 4", "Don 3", "Don 2", "Don 1", "Don 0"]

    wrong = api.get(f"/api/activities/{activity.code}/movements/", {"before": "yesterday"})
    assert wrong.status_code == 400 and set(wrong.json()["fields"]) == {"before"}
    # An id beyond a bigint is refused as a bad cursor, not sent to PostgreSQL.
    huge = api.get(f"/api/activities/{activity.code}/movements/", {"before": f"2026-01-01_{2**63}"})
    assert huge.status_code == 400 and set(huge.json()["fields"]) == {"before"}


def test_manager_asks_for_a_transfer(api: APIClient, make_activity: MakeActivity, holder: Member) -> None:
    source, destination = make_activity("Source", funds=Decimal("100.00")), make_activity("Destination")
    api.force_authenticate(holder.user)
    url = f"/api/activities/{source.code}/transfers/"

    response = api.post(
        url,
        {"destination_code": destination.code, "kind": "share", "amount": "40.00", "description": "Partage"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["amount"] == "40.00" and response.json()["status"] == "submitted"

    too_much = api.post(
        url,
        {"destination_code": destination.code, "kind": "share", "amount": "400.00", "description": "Trop"},
        format="json",
    )
    assert too_much.status_code == 400 and set(too_much.json()["fields"]) == {"amount"}
    assert ActivityTransfer.objects.count() == 1


def test_clients_are_those_of_the_members_activities(
    api: APIClient, make_activity: MakeActivity, holder: Member, other_member: Member
) -> None:
    data = ThirdPartyData(
        kind="company",
        name="Lutherie Meuse",
        street="Quai de la Batte 3",
        postal_code="4000",
        city="Liège",
        country="BE",
        language="fr",
        vat_number="BE0754316243",
    )
    third_party_add(activity=make_activity(), data=data, actor=holder.user)
    api.force_authenticate(holder.user)
    body = api.get("/api/clients/").json()
    assert [(c["name"], c["vat_number"], c["peppol_id"]) for c in body["results"]] == [
        ("Lutherie Meuse", "BE0754316243", "0208:0754316243")
    ]
    api.force_authenticate(other_member.user)
    assert api.get("/api/clients/").json()["count"] == 0


@pytest.mark.parametrize("count", [2, 20])
def test_activity_list_reads_in_a_fixed_number_of_queries(
    api: APIClient, make_activity: MakeActivity, holder: Member, count: int, django_assert_max_num_queries
) -> None:
    for n in range(count):
        make_activity(f"Activité {n}", funds=Decimal("10.00"))
    api.force_authenticate(holder.user)
    # The count, the page with each row's role, the figures of the page: as many for 2 as for 20.
    with django_assert_max_num_queries(4):
        body = api.get("/api/activities/").json()
    assert len(body["results"]) == count
    assert {row["books"]["available"] for row in body["results"]} == {"10.00"}


@pytest.mark.parametrize("count", [2, 20])
def test_staff_activity_list_reads_in_a_fixed_number_of_queries(
    api: APIClient, make_activity: MakeActivity, advisor: User, count: int, django_assert_max_num_queries
) -> None:
    for n in range(count):
        make_activity(f"Activité {n}", funds=Decimal("10.00"))
    api.force_authenticate(advisor)
    # Two-factor, permissions (groups), the count, the page, the figures.
    with django_assert_max_num_queries(7):
        body = api.get("/api/activities/").json()
    assert len(body["results"]) == count


def test_activities_endpoints_appear_in_the_openapi_schema(api: APIClient, db: None) -> None:
    paths = api.get("/api/schema/", {"format": "json"}).json()["paths"]
    assert {
        "/api/activities/",
        "/api/activities/{code}/",
        "/api/activities/{code}/movements/",
        "/api/activities/{code}/expense-claims/",
        "/api/activities/{code}/transfers/",
        "/api/expense-claims/{id}/",
        "/api/expense-claims/{id}/lines/",
        "/api/expense-claims/{id}/submit/",
        "/api/expense-claims/{id}/approve/",
        "/api/expense-claims/{id}/reject/",
        "/api/clients/",
    } <= set(paths)
    assert set(paths["/api/activities/{code}/expense-claims/"]) >= {"get", "post"}
    assert {p["name"] for p in paths["/api/activities/{code}/movements/"]["get"]["parameters"]} >= {"before", "limit"}
    assert "409" in paths["/api/expense-claims/{id}/approve/"]["post"]["responses"]
