"""Amounts, kilometres, dates and text typed for an Activity: the page and the API read them the
same way, refuse what a person did not mean with nothing written, and never answer a 500.
"""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from activities.models import ExpenseCategory, ExpenseClaim, ExpenseLine, MileageRate, Purchase
from activities.selectors import activity_books
from activities.services import (
    ExpenseLineData,
    ThirdPartyData,
    expense_claim_create,
    expense_line_add,
    third_party_add,
)
from members.models import Member, User
from smartcoop.errors import InvalidInput
from tests.activities.conftest import MakeActivity
from tests.test_input_rules import ARABIC_INDIC_100, ARABIC_INDIC_DATE, FULL_WIDTH_100, ZERO_WIDTH_ONLY

PDF = b"%PDF-1.4\n% receipt\n"

# The inputs of the issue, each refused on the field it names, through the page and the API.
NOT_MEANT = [
    *[("amount", text) for text in ["1E2", "1_000", ARABIC_INDIC_100, FULL_WIDTH_100, "10000000"]],
    ("spent_on", "0001-01-01"),
    ("spent_on", ARABIC_INDIC_DATE),
    ("description", ZERO_WIDTH_ONLY),
]


@pytest.fixture(autouse=True)
def media(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


def _receipt() -> SimpleUploadedFile:
    return SimpleUploadedFile("ticket.pdf", PDF, content_type="application/pdf")


@pytest.fixture
def claim(make_activity: MakeActivity, holder: Member) -> ExpenseClaim:
    return expense_claim_create(activity=make_activity(), title="Tournée", actor=holder.user)


def _line(supplies: ExpenseCategory, **changes: object) -> dict[str, object]:
    values: dict[str, object] = {
        "spent_on": (timezone.localdate() - timedelta(days=2)).isoformat(),
        "category": supplies.pk,
        "description": "Cordes",
        "amount": "24,20",
        "vat": "4,20",
        "receipt": _receipt(),
    }
    values.update(changes)
    return values


@pytest.mark.parametrize(("field", "value"), NOT_MEANT)
def test_the_expense_page_refuses_what_a_person_did_not_mean_and_keeps_no_receipt(
    client: Client, claim: ExpenseClaim, holder: Member, supplies: ExpenseCategory, media: Path, field: str, value: str
) -> None:
    client.force_login(holder.user)
    response = client.post(reverse("activities:claim_detail", args=[claim.pk]), _line(supplies, **{field: value}))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not ExpenseLine.objects.exists()
    assert _files(media) == []


@pytest.mark.parametrize(("field", "value"), NOT_MEANT)
def test_the_expense_api_refuses_what_a_person_did_not_mean_and_keeps_no_receipt(
    claim: ExpenseClaim, holder: Member, supplies: ExpenseCategory, media: Path, field: str, value: str
) -> None:
    api = APIClient()
    api.force_authenticate(holder.user)
    body = {**_line(supplies, **{field: value}), "category": "supplies", "amount": "24.20", "vat": "4.20"}
    body[field] = value
    response = api.post(f"/api/expense-claims/{claim.pk}/lines/", body, format="multipart")
    assert response.status_code == 400, response.json()
    assert field in response.json()["fields"]
    assert not ExpenseLine.objects.exists()
    assert _files(media) == []


def test_the_largest_accepted_amount_is_shown_by_every_page_and_the_api(
    client: Client, claim: ExpenseClaim, holder: Member, supplies: ExpenseCategory
) -> None:
    client.force_login(holder.user)
    added = client.post(
        reverse("activities:claim_detail", args=[claim.pk]), _line(supplies, amount="9 999 999,99", vat="0")
    )
    assert added.status_code == 302
    assert ExpenseLine.objects.get().amount == Decimal("9999999.99")
    assert client.get(reverse("activities:claim_detail", args=[claim.pk])).status_code == 200
    assert client.get(reverse("activities:detail", args=[claim.activity.code])).status_code == 200
    api = APIClient()
    api.force_authenticate(holder.user)
    assert api.get(f"/api/expense-claims/{claim.pk}/").json()["total"] == "9999999.99"


def test_an_amount_beyond_what_the_books_hold_is_refused_by_the_service(
    claim: ExpenseClaim, holder: Member, supplies: ExpenseCategory
) -> None:
    data = ExpenseLineData(
        spent_on=timezone.localdate(), category=supplies, description="Cordes", amount=Decimal("99999999999.00")
    )
    with pytest.raises(InvalidInput) as error:
        expense_line_add(claim=claim, data=data, receipt=_receipt(), actor=holder.user)
    assert list(error.value.fields) == ["amount"]
    assert not ExpenseLine.objects.exists()


def test_a_trip_is_at_most_ten_thousand_kilometres(
    client: Client, claim: ExpenseClaim, holder: Member, mileage_rate: MileageRate
) -> None:
    mileage = ExpenseCategory.objects.get(is_mileage=True)
    client.force_login(holder.user)
    url = reverse("activities:claim_detail", args=[claim.pk])
    trip = {"spent_on": timezone.localdate().isoformat(), "category": mileage.pk, "description": "Liège - Namur"}
    refused = client.post(url, {**trip, "kilometres": "10000,1"})
    assert refused.status_code == 400 and "kilometres" in refused.context["form"].errors
    too_far = client.post(url, {**trip, "kilometres": "10001"})
    assert "10" in too_far.context["form"].errors["kilometres"][0]
    assert client.post(url, {**trip, "kilometres": "10000"}).status_code == 302
    assert ExpenseLine.objects.get().amount == Decimal("4449.00")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("invoice_date", "0001-01-01"),
        ("due_date", "9999-12-31"),
        ("amount", "1E2"),
        ("advanced_by", "2147483648"),
        ("supplier", FULL_WIDTH_100),
    ],
)
def test_a_supplier_invoice_with_an_implausible_date_or_number_is_refused_and_keeps_no_file(
    make_activity: MakeActivity, holder: Member, media: Path, field: str, value: str
) -> None:
    activity = make_activity()
    supplier = third_party_add(
        activity=activity,
        data=ThirdPartyData(
            kind="person",
            name="Jean Dupont",
            street="Rue 1",
            postal_code="4000",
            city="Liège",
            country="BE",
            language="fr",
        ),
        actor=holder.user,
    )
    api = APIClient()
    api.force_authenticate(holder.user)
    today = timezone.localdate().isoformat()
    body: dict[str, object] = {
        "supplier": supplier.pk,
        "supplier_reference": "F-1",
        "invoice_date": today,
        "due_date": today,
        "category": "supplies",
        "description": "Cordes",
        "amount": "121.00",
        "vat": "21.00",
        "file": _receipt(),
        field: value,
    }
    response = api.post(f"/api/activities/{activity.code}/purchases/", body, format="multipart")
    assert response.status_code == 400, response.json()
    assert field in response.json()["fields"]
    assert not Purchase.objects.exists()
    assert _files(media) == []


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("clients", {"payment_terms_days": "1_000"}, "payment_terms_days"),
        ("clients", {"payment_terms_days": 121}, "payment_terms_days"),
        ("transfers", {"amount": "1_000"}, "amount"),
        ("transfers", {"amount": FULL_WIDTH_100}, "amount"),
        ("transfers", {"description": ZERO_WIDTH_ONLY}, "description"),
    ],
)
def test_the_activity_api_reads_numbers_and_text_strictly(
    make_activity: MakeActivity, holder: Member, path: str, body: dict[str, object], field: str
) -> None:
    activity, destination = make_activity(), make_activity("Studio Deux")
    defaults: dict[str, dict[str, object]] = {
        "clients": {
            "kind": "person",
            "name": "Jean Dupont",
            "street": "Rue 1",
            "postal_code": "4000",
            "city": "Liège",
            "language": "fr",
        },
        "transfers": {"destination_code": destination.code, "kind": "share", "amount": "1.00", "description": "Part"},
    }
    api = APIClient()
    api.force_authenticate(holder.user)
    response = api.post(f"/api/activities/{activity.code}/{path}/", {**defaults[path], **body}, format="json")
    assert response.status_code == 400, response.json()
    assert list(response.json()["fields"]) == [field]


@pytest.mark.parametrize("limit", [FULL_WIDTH_100, ARABIC_INDIC_100, "1E2", "201"])
def test_a_movement_page_size_in_other_digits_is_refused(
    make_activity: MakeActivity, holder: Member, limit: str
) -> None:
    activity = make_activity()
    api = APIClient()
    api.force_authenticate(holder.user)
    response = api.get(f"/api/activities/{activity.code}/movements/", {"limit": limit})
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["limit"]


@pytest.mark.parametrize("typed", ["1E2", "1_000", "1.250,50", ARABIC_INDIC_100, FULL_WIDTH_100, "10000000"])
def test_money_received_is_read_in_the_admin_as_on_the_pages(
    client: Client, advisor: User, make_activity: MakeActivity, typed: str
) -> None:
    activity = make_activity()
    client.force_login(advisor)
    form = {
        "income-amount": typed,
        "income-source": "subsidy",
        "income-memo": "Subside communal",
        "income-received_on": timezone.localdate().isoformat(),
        "income-form_token": "token-1",
    }
    client.post(f"/admin/activities/activity/{activity.pk}/income/", form)
    assert activity_books(activity=activity).available == 0
    client.post(f"/admin/activities/activity/{activity.pk}/income/", {**form, "income-amount": "1 250,50"})
    assert activity_books(activity=activity).available == Decimal("1250.50")


@pytest.mark.parametrize("typed", ["1E1", FULL_WIDTH_100, "5,5\u200b"])
def test_a_rate_in_other_digits_is_refused_in_the_admin(
    client: Client, advisor: User, make_activity: MakeActivity, typed: str
) -> None:
    activity = make_activity()
    client.force_login(advisor)
    url = f"/admin/activities/activity/{activity.pk}/rates/"
    client.post(url, {"rates-turnover_rate": typed, "rates-employment_rate": ""})
    activity.refresh_from_db()
    assert activity.turnover_contribution_rate is None
    client.post(url, {"rates-turnover_rate": "6,5 %", "rates-employment_rate": ""})
    activity.refresh_from_db()
    assert activity.turnover_contribution_rate == Decimal("0.0650")
