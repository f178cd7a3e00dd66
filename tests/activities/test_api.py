"""The Activities API: a member reads their own Activities and books, claims expenses; advisors decide."""

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from activities.models import (
    Activity,
    ActivityTransfer,
    ClaimStatus,
    ExpenseCategory,
    ExpenseClaim,
    HolderRole,
    Purchase,
    PurchaseStatus,
    ThirdParty,
    Trade,
    TradeAdmission,
    TradeApproval,
    TransferStatus,
)
from activities.selectors import activity_books
from activities.services import (
    ExpenseLineData,
    PurchaseData,
    ThirdPartyData,
    activity_add_holder,
    activity_income_record,
    activity_transfer_request,
    expense_claim_approve,
    expense_claim_create,
    expense_claim_submit,
    expense_line_add,
    purchase_submit,
    third_party_add,
)
from members.models import Member, Office, Role, User
from members.services import shares_issue
from smartcoop.ledger.models import Transaction
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


def test_the_new_endpoints_appear_in_the_openapi_schema(api: APIClient, db: None) -> None:
    paths = api.get("/api/schema/", {"format": "json"}).json()["paths"]
    assert {
        "/api/trades/",
        "/api/activities/{code}/clients/",
        "/api/activities/{code}/purchases/",
        "/api/purchases/{id}/approve/",
        "/api/purchases/{id}/reject/",
        "/api/purchases/{id}/pay/",
        "/api/transfers/{id}/approve/",
        "/api/transfers/{id}/reject/",
        "/api/expense-claims/{id}/reimburse/",
    } <= set(paths)
    assert set(paths["/api/activities/"]) >= {"get", "post"}
    assert set(paths["/api/activities/{code}/purchases/"]) >= {"get", "post"}
    assert set(paths["/api/activities/{code}/transfers/"]) >= {"get", "post"}
    assert "multipart/form-data" in paths["/api/activities/{code}/purchases/"]["post"]["requestBody"]["content"]
    assert {p["name"] for p in paths["/api/trades/"]["get"]["parameters"]} >= {"admission", "page", "page_size"}
    for decision in ("/api/purchases/{id}/approve/", "/api/transfers/{id}/approve/"):
        assert {"200", "403", "404", "409"} <= set(paths[decision]["post"]["responses"]), decision


# --- the trade register -----------------------------------------------------------------------


def test_trade_register_speaks_the_request_language_and_filters_by_admission(api: APIClient, member: User) -> None:
    api.force_authenticate(member)

    body = api.get("/api/trades/", {"admission": "excluded", "page_size": "200"}, HTTP_ACCEPT_LANGUAGE="nl").json()

    excluded = Trade.objects.filter(admission=TradeAdmission.EXCLUDED).order_by("sector", "name_fr", "code")
    assert body["count"] == excluded.count() > 0
    assert body["results"] == [
        {"code": t.code, "sector": t.sector, "admission": "excluded", "name": t.name_nl, "reason": t.reason_nl}
        for t in excluded
    ]
    english = api.get("/api/trades/", {"page_size": 200}, HTTP_ACCEPT_LANGUAGE="en").json()
    assert english["count"] == Trade.objects.count()
    musician = next(row for row in english["results"] if row["code"] == "musician")
    assert (musician["name"], musician["reason"]) == (Trade.objects.get(code="musician").name_en, "")

    wrong = api.get("/api/trades/", {"admission": "sometimes"})
    assert wrong.status_code == 400 and set(wrong.json()["fields"]) == {"admission"}
    api.force_authenticate(None)
    anonymous = api.get("/api/trades/")
    assert anonymous.status_code in {401, 403} and set(anonymous.json()) == {"message", "fields"}


def test_trade_register_reads_in_a_fixed_number_of_queries(api: APIClient, member: User) -> None:
    api.force_authenticate(member)
    counts = []
    for size in (2, 12):
        with CaptureQueriesContext(connection) as queries:
            body = api.get("/api/trades/", {"page_size": size}).json()
        assert len(body["results"]) == size
        counts.append(len(queries))
    assert counts[0] == counts[1]


# --- opening an Activity ----------------------------------------------------------------------


def test_member_opens_an_activity_and_becomes_its_manager(api: APIClient, holder: Member, musician: Trade) -> None:
    on_approval = Trade.objects.filter(admission=TradeAdmission.ON_APPROVAL).order_by("code").first()
    assert on_approval is not None
    api.force_authenticate(holder.user)

    response = api.post(
        "/api/activities/",
        {"name": " Atelier Dubois ", "description": "Lutherie", "trades": ["musician", on_approval.code]},
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    activity = Activity.objects.get(code=body["code"])
    assert (body["name"], body["description"], body["role"], body["status"]) == (
        "Atelier Dubois",
        "Lutherie",
        "manager",
        "open",
    )
    assert body["books"] == {"available": "0.00", "committed": "0.00", "incoming": "0.00"}
    assert {t["code"]: t["approval"] for t in body["trades"]} == {
        musician.code: TradeApproval.APPROVED,
        on_approval.code: TradeApproval.PENDING,
    }
    assert [h["number"] for h in body["holders"]] == [holder.number]
    assert api.get(f"/api/activities/{activity.code}/").status_code == 200


def test_opening_an_activity_names_the_wrong_field(api: APIClient, holder: Member, make_user) -> None:
    excluded = Trade.objects.filter(admission=TradeAdmission.EXCLUDED).order_by("code").first()
    assert excluded is not None
    api.force_authenticate(holder.user)
    cases = [
        ({"name": "Atelier", "trades": ["musician", "astronaut"]}, "trades"),
        ({"name": "Atelier", "trades": [excluded.code]}, "trades"),
        ({"name": "Atelier", "trades": []}, "trades"),
        ({"name": "Atelier"}, "trades"),
        ({"name": " ", "trades": ["musician"]}, "name"),
    ]
    for given, field in cases:
        response = api.post("/api/activities/", given, format="json")
        assert response.status_code == 400, given
        assert set(response.json()["fields"]) == {field}, given
    unknown = api.post("/api/activities/", {"name": "Atelier", "trades": ["astronaut"]}, format="json").json()
    assert "astronaut" in unknown["fields"]["trades"][0]

    api.force_authenticate(make_user("visiteur@example.be"))
    nobody = api.post("/api/activities/", {"name": "Atelier", "trades": ["musician"]}, format="json")
    assert nobody.status_code == 400
    assert nobody.json()["fields"] == {} and nobody.json()["message"]
    assert not Activity.objects.exists()


# --- clients and suppliers --------------------------------------------------------------------

LUTHERIE = {
    "kind": "company",
    "name": "Lutherie Meuse",
    "street": "Quai de la Batte 3",
    "postal_code": "4000",
    "city": "Liège",
    "language": "fr",
    "vat_number": "BE 0754.316.243",
}


def test_holder_adds_a_client_once_for_the_whole_cooperative(
    api: APIClient, make_activity: MakeActivity, holder: Member, other_member: Member
) -> None:
    first, second = make_activity("Studio"), make_activity("Atelier")
    api.force_authenticate(holder.user)

    created = api.post(f"/api/activities/{first.code}/clients/", LUTHERIE, format="json")

    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["vat_number"], body["enterprise_number"], body["peppol_id"]) == (
        "BE0754316243",
        "0754316243",
        "0208:0754316243",
    )
    assert (body["country"], body["payment_terms_days"]) == ("BE", 30)
    again = api.post(f"/api/activities/{second.code}/clients/", LUTHERIE, format="json")
    assert again.status_code == 201 and again.json()["id"] == body["id"]
    assert ThirdParty.objects.count() == 1

    no_number = api.post(f"/api/activities/{first.code}/clients/", {**LUTHERIE, "vat_number": ""}, format="json")
    assert no_number.status_code == 400 and set(no_number.json()["fields"]) == {"vat_number"}
    language = api.post(f"/api/activities/{first.code}/clients/", {**LUTHERIE, "language": "de"}, format="json")
    assert language.status_code == 400 and set(language.json()["fields"]) == {"language"}

    api.force_authenticate(other_member.user)
    assert api.post(f"/api/activities/{first.code}/clients/", LUTHERIE, format="json").status_code == 404


# --- purchases --------------------------------------------------------------------------------


def _supplier(activity: Activity, member: Member, vat_number: str = "BE0754316243") -> ThirdParty:
    data = ThirdPartyData(
        kind="company",
        name=f"Fournisseur {vat_number}",
        street="Quai de la Batte 3",
        postal_code="4000",
        city="Liège",
        country="BE",
        language="fr",
        vat_number=vat_number,
    )
    return third_party_add(activity=activity, data=data, actor=member.user)


def _purchase(
    activity: Activity, supplier: ThirdParty, member: Member, *, amount: str = "121.00", reference: str = "F-1"
) -> Purchase:
    return purchase_submit(
        activity=activity,
        supplier=supplier,
        data=PurchaseData(
            supplier_reference=reference,
            invoice_date=DAY,
            due_date=DAY + timedelta(days=30),
            category=ExpenseCategory.objects.get(code="supplies"),  # VAT recoverable: 100.00 charged
            description="Cordes",
            amount=Decimal(amount),
            vat=Decimal("21.00"),
            payee="supplier",
        ),
        file=_receipt(),
        actor=member.user,
    )


def _purchase_form(supplier: ThirdParty, **changes: Any) -> dict[str, Any]:
    form: dict[str, Any] = {
        "supplier": supplier.pk,
        "supplier_reference": "F-2026-001",
        "invoice_date": "2026-03-02",
        "due_date": "2026-04-01",
        "category": "supplies",
        "description": "Cordes",
        "amount": "121.00",
        "vat": "21.00",
        "file": _receipt(),
    }
    form.update(changes)
    return {name: value for name, value in form.items() if value is not None}


def test_holder_submits_a_purchase_and_reads_it_in_the_list(
    api: APIClient, make_activity: MakeActivity, holder: Member
) -> None:
    activity = make_activity(funds=Decimal("500.00"))
    supplier = _supplier(activity, holder)
    api.force_authenticate(holder.user)
    url = f"/api/activities/{activity.code}/purchases/"

    created = api.post(url, _purchase_form(supplier), format="multipart")

    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["status"], body["amount"], body["vat"], body["category"]) == (
        "submitted",
        "121.00",
        "21.00",
        "supplies",
    )
    assert (body["supplier"], body["supplier_name"], body["payee"], body["advanced_by"]) == (
        supplier.pk,
        supplier.name,
        "supplier",
        None,
    )
    assert body["file_url"] == f"/activities/purchases/{body['id']}/file/"
    advanced = api.post(
        url,
        _purchase_form(supplier, supplier_reference="F-2026-002", payee="member", advanced_by=holder.number),
        format="multipart",
    )
    assert advanced.status_code == 201, advanced.json()
    assert (advanced.json()["payee"], advanced.json()["advanced_by"]) == ("member", holder.number)

    listed = api.get(url).json()
    assert listed["count"] == 2
    assert [row["id"] for row in listed["results"]] == [advanced.json()["id"], body["id"]]


def test_a_purchase_is_refused_naming_the_wrong_field(
    api: APIClient, make_activity: MakeActivity, holder: Member, other_member: Member
) -> None:
    activity = make_activity(funds=Decimal("500.00"))
    supplier = _supplier(activity, holder)
    theirs = _supplier(make_activity("Boulangerie", holder=other_member), other_member, "BE0403170701")
    api.force_authenticate(holder.user)
    url = f"/api/activities/{activity.code}/purchases/"
    cases = [
        (_purchase_form(theirs), "supplier"),
        (_purchase_form(supplier, file=None), "file"),
        (_purchase_form(supplier, category="mileage"), "category"),
        (_purchase_form(supplier, category="no-such-category"), "category"),
        (_purchase_form(supplier, payee="member"), "advanced_by"),
        (_purchase_form(supplier, payee="member", advanced_by=other_member.number), "advanced_by"),
        (_purchase_form(supplier, due_date="2026-02-01"), "due_date"),
        (_purchase_form(supplier, amount="12.345"), "amount"),
    ]
    for form, field in cases:
        response = api.post(url, form, format="multipart")
        assert response.status_code == 400, (field, response.json())
        assert set(response.json()["fields"]) == {field}, (field, response.json())
    assert api.post(url, _purchase_form(supplier), format="multipart").status_code == 201
    duplicate = api.post(url, _purchase_form(supplier), format="multipart")
    assert duplicate.status_code == 400 and set(duplicate.json()["fields"]) == {"supplier_reference"}
    assert Purchase.objects.count() == 1


def test_purchases_are_read_by_who_reads_the_books(
    api: APIClient,
    make_activity: MakeActivity,
    holder: Member,
    other_member: Member,
    advisor: User,
    brussels_advisor: User,
) -> None:
    activity = make_activity(funds=Decimal("500.00"))
    supplier = _supplier(activity, holder)
    _purchase(activity, supplier, holder)
    url = f"/api/activities/{activity.code}/purchases/"

    api.force_authenticate(other_member.user)
    assert api.get(url).status_code == 404
    assert api.post(url, _purchase_form(supplier), format="multipart").status_code == 404
    api.force_authenticate(brussels_advisor)
    assert api.get(url).status_code == 404
    api.force_authenticate(advisor)
    assert api.get(url).json()["count"] == 1

    activity_add_holder(activity=activity, member=other_member, role=HolderRole.WORKER, actor=holder.user)
    api.force_authenticate(other_member.user)
    assert api.get(url).status_code == 403
    refused = api.post(url, _purchase_form(supplier, supplier_reference="F-9"), format="multipart")
    assert refused.status_code == 403 and set(refused.json()) == {"message", "fields"}
    assert Purchase.objects.count() == 1


def test_purchase_list_reads_in_a_fixed_number_of_queries(
    api: APIClient, make_activity: MakeActivity, holder: Member
) -> None:
    activity = make_activity(funds=Decimal("500.00"))
    supplier = _supplier(activity, holder)
    api.force_authenticate(holder.user)
    counts, made = [], 0
    for size in (2, 12):
        while made < size:
            made += 1
            _purchase(activity, supplier, holder, reference=f"F-{made}")
        with CaptureQueriesContext(connection) as queries:
            body = api.get(f"/api/activities/{activity.code}/purchases/").json()
        assert len(body["results"]) == size
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_advisor_approves_and_pays_a_purchase_once_however_often_asked(
    api: APIClient, make_activity: MakeActivity, holder: Member, advisor: User
) -> None:
    activity = make_activity(funds=Decimal("500.00"))
    purchase = _purchase(activity, _supplier(activity, holder), holder)
    api.force_authenticate(advisor)

    approved = api.post(f"/api/purchases/{purchase.pk}/approve/")

    assert approved.status_code == 200, approved.json()
    assert approved.json()["status"] == "approved" and approved.json()["decided_at"]
    books = activity_books(activity=activity)
    assert (books.available, books.committed) == (Decimal("400.00"), Decimal("100.00"))
    postings = Transaction.objects.count()
    again = api.post(f"/api/purchases/{purchase.pk}/approve/")
    assert (again.status_code, again.json()) == (200, approved.json())
    assert Transaction.objects.count() == postings

    paid = api.post(f"/api/purchases/{purchase.pk}/pay/")
    assert paid.status_code == 200, paid.json()
    assert (paid.json()["status"], paid.json()["paid_on"]) == ("paid", timezone.localdate().isoformat())
    retried = api.post(f"/api/purchases/{purchase.pk}/pay/", {"paid_on": DAY.isoformat()}, format="json")
    assert (retried.status_code, retried.json()) == (200, paid.json())
    assert Transaction.objects.count() == postings + 1
    assert Transaction.objects.filter(key__startswith=f"purchase:{purchase.pk}:").count() == 2
    books = activity_books(activity=activity)
    assert (books.available, books.committed) == (Decimal("400.00"), Decimal("0.00"))


def test_purchase_decisions_refuse_what_cannot_be_done(
    api: APIClient, make_activity: MakeActivity, holder: Member, advisor: User
) -> None:
    activity = make_activity(funds=Decimal("50.00"))
    supplier = _supplier(activity, holder)
    costly, other = _purchase(activity, supplier, holder), _purchase(activity, supplier, holder, reference="F-2")
    api.force_authenticate(advisor)

    beyond = api.post(f"/api/purchases/{costly.pk}/approve/")
    assert beyond.status_code == 409 and "50,00" in beyond.json()["message"]
    unpaid = api.post(f"/api/purchases/{costly.pk}/pay/")
    assert unpaid.status_code == 409
    future = (timezone.localdate() + timedelta(days=1)).isoformat()
    for paid_on in (future, "hier"):
        wrong = api.post(f"/api/purchases/{costly.pk}/pay/", {"paid_on": paid_on}, format="json")
        assert wrong.status_code == 400 and set(wrong.json()["fields"]) == {"paid_on"}, paid_on

    blank = api.post(f"/api/purchases/{other.pk}/reject/", {"reason": " "}, format="json")
    assert blank.status_code == 400 and set(blank.json()["fields"]) == {"reason"}
    missing = api.post(f"/api/purchases/{other.pk}/reject/", {}, format="json")
    assert missing.status_code == 400 and set(missing.json()["fields"]) == {"reason"}
    rejected = api.post(f"/api/purchases/{other.pk}/reject/", {"reason": "Facture en double"}, format="json")
    assert rejected.status_code == 200
    assert (rejected.json()["status"], rejected.json()["reason"]) == ("rejected", "Facture en double")
    assert api.post(f"/api/purchases/{other.pk}/approve/").status_code == 409

    costly.refresh_from_db()
    assert costly.status == PurchaseStatus.SUBMITTED
    assert activity_books(activity=activity).available == Decimal("50.00")


# --- the advisors' decisions: who may take them ------------------------------------------------


def test_decisions_need_staff_with_two_factor_the_permission_and_the_office(
    api: APIClient,
    make_activity: MakeActivity,
    make_user,
    make_staff,
    holder: Member,
    advisor: User,
    brussels_advisor: User,
    office: Office,
    meals: ExpenseCategory,
) -> None:
    activity, destination = make_activity(funds=Decimal("500.00")), make_activity("Destination")
    purchase = _purchase(activity, _supplier(activity, holder), holder)
    claim = _submitted_claim(activity, holder, meals, "20.00")
    expense_claim_approve(claim=claim, actor=advisor)
    transfer = activity_transfer_request(
        source=activity,
        destination_code=destination.code,
        kind="share",
        amount=Decimal("10.00"),
        description="Partage",
        actor=holder.user,
    )
    urls = [
        f"/api/purchases/{purchase.pk}/approve/",
        f"/api/purchases/{purchase.pk}/reject/",
        f"/api/purchases/{purchase.pk}/pay/",
        f"/api/transfers/{transfer.pk}/approve/",
        f"/api/transfers/{transfer.pk}/reject/",
        f"/api/expense-claims/{claim.pk}/reimburse/",
    ]
    without_two_factor = make_user("nomfa@smartcoop.be", role=Role.ADVISOR, is_staff=True, office=office)
    accountant = make_staff("compta@smartcoop.be", role=Role.ACCOUNTANT, office=office)
    postings = Transaction.objects.count()

    for user, expected in [
        (without_two_factor, 403),
        (accountant, 403),
        (holder.user, 403),
        (brussels_advisor, 404),
    ]:
        api.force_authenticate(user)
        for url in urls:
            response = api.post(url, {"reason": "Non"}, format="json")
            assert response.status_code == expected, (user.email, url)
            assert set(response.json()) == {"message", "fields"}

    purchase.refresh_from_db()
    claim.refresh_from_db()
    transfer.refresh_from_db()
    assert (purchase.status, claim.status, transfer.status) == ("submitted", "approved", "submitted")
    assert Transaction.objects.count() == postings


# --- transfers --------------------------------------------------------------------------------


def test_both_activities_see_a_transfer_and_an_advisor_moves_the_money_once(
    api: APIClient, make_activity: MakeActivity, holder: Member, other_member: Member, advisor: User
) -> None:
    source = make_activity("Source", funds=Decimal("100.00"))
    destination = make_activity("Destination", holder=other_member)
    first, second = (
        activity_transfer_request(
            source=source,
            destination_code=destination.code,
            kind=kind,
            amount=Decimal("60.00"),
            description=description,
            actor=holder.user,
        )
        for kind, description in (("service", "Mixage"), ("share", "Partage"))
    )

    api.force_authenticate(holder.user)
    going = api.get(f"/api/activities/{source.code}/transfers/").json()
    assert [row["id"] for row in going["results"]] == [second.pk, first.pk]
    api.force_authenticate(other_member.user)
    coming = api.get(f"/api/activities/{destination.code}/transfers/").json()
    assert coming["results"] == going["results"]
    assert (coming["results"][1]["source_code"], coming["results"][1]["amount"]) == (source.code, "60.00")
    assert api.get(f"/api/activities/{source.code}/transfers/").status_code == 404

    api.force_authenticate(advisor)
    approved = api.post(f"/api/transfers/{first.pk}/approve/")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    again = api.post(f"/api/transfers/{first.pk}/approve/")
    assert (again.status_code, again.json()) == (200, approved.json())
    assert Transaction.objects.filter(key=f"activity-transfer:{first.pk}").count() == 1
    assert activity_books(activity=source).available == Decimal("40.00")
    assert activity_books(activity=destination).available == Decimal("60.00")

    beyond = api.post(f"/api/transfers/{second.pk}/approve/")
    assert beyond.status_code == 409 and "40,00" in beyond.json()["message"]
    blank = api.post(f"/api/transfers/{second.pk}/reject/", {"reason": ""}, format="json")
    assert blank.status_code == 400 and set(blank.json()["fields"]) == {"reason"}
    rejected = api.post(f"/api/transfers/{second.pk}/reject/", {"reason": "Budget insuffisant"}, format="json")
    assert rejected.status_code == 200
    assert (rejected.json()["status"], rejected.json()["reason"]) == ("rejected", "Budget insuffisant")
    assert api.post(f"/api/transfers/{second.pk}/approve/").status_code == 409
    second.refresh_from_db()
    assert second.status == TransferStatus.REJECTED


def test_a_worker_does_not_read_the_transfers(
    api: APIClient, make_activity: MakeActivity, holder: Member, other_member: Member
) -> None:
    activity = make_activity()
    activity_add_holder(activity=activity, member=other_member, role=HolderRole.WORKER, actor=holder.user)
    api.force_authenticate(other_member.user)
    assert api.get(f"/api/activities/{activity.code}/transfers/").status_code == 403


def test_transfer_list_reads_in_a_fixed_number_of_queries(
    api: APIClient, make_activity: MakeActivity, holder: Member
) -> None:
    source, destination = make_activity("Source", funds=Decimal("100.00")), make_activity("Destination")
    api.force_authenticate(holder.user)
    counts, made = [], 0
    for size in (2, 12):
        while made < size:
            made += 1
            activity_transfer_request(
                source=source,
                destination_code=destination.code,
                kind="share",
                amount=Decimal("1.00"),
                description=f"Partage {made}",
                actor=holder.user,
            )
        with CaptureQueriesContext(connection) as queries:
            body = api.get(f"/api/activities/{destination.code}/transfers/").json()
        assert len(body["results"]) == size
        counts.append(len(queries))
    assert counts[0] == counts[1]


# --- reimbursing an expense claim -------------------------------------------------------------


def test_advisor_reimburses_an_approved_claim_once(
    api: APIClient, make_activity: MakeActivity, holder: Member, advisor: User, meals: ExpenseCategory
) -> None:
    activity = make_activity(funds=Decimal("100.00"))
    claim = _submitted_claim(activity, holder, meals, "30.00")
    api.force_authenticate(advisor)
    url = f"/api/expense-claims/{claim.pk}/reimburse/"

    assert api.post(url).status_code == 409  # not approved yet
    assert api.post(f"/api/expense-claims/{claim.pk}/approve/").status_code == 200
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    paid = api.post(url, {"paid_on": yesterday}, format="json")

    assert paid.status_code == 200, paid.json()
    assert (paid.json()["status"], paid.json()["reimbursed_on"]) == ("reimbursed", yesterday)
    retried = api.post(url)
    assert (retried.status_code, retried.json()) == (200, paid.json())
    assert Transaction.objects.filter(key=f"expense-claim:{claim.pk}:reimburse").count() == 1
    future = api.post(url, {"paid_on": (timezone.localdate() + timedelta(days=2)).isoformat()}, format="json")
    assert future.status_code == 400 and set(future.json()["fields"]) == {"paid_on"}
    assert activity_books(activity=activity).committed == Decimal("0.00")
