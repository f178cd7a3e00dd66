"""A member reads their Activity's movements in their own language; the ledger's memos stay the books'."""

import csv
import io
from datetime import date
from decimal import Decimal
from itertools import count
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from activities.models import Activity, ExpenseCategory, ExpenseClaim, Purchase
from activities.selectors import activity_movements
from activities.services import (
    ExpenseLineData,
    PurchaseData,
    ThirdPartyData,
    activity_transfer_approve,
    activity_transfer_request,
    contribution_post_turnover,
    expense_claim_approve,
    expense_claim_create,
    expense_claim_reimburse,
    expense_claim_submit,
    expense_line_add,
    purchase_approve,
    purchase_pay,
    purchase_submit,
    third_party_add,
)
from members.models import Member, User
from smartcoop.ledger.models import Transaction
from smartcoop.ledger.services import credit, debit, ledger_post, ledger_reverse
from tests.activities.conftest import DAY, MakeActivity

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% receipt\n"
_numbers = count(1)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


def _pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def _speaks(member: Member, language: str) -> None:
    member.user.language = language
    member.user.save(update_fields=["language"])


def _purchase(activity: Activity, holder: Member, supplies: ExpenseCategory, reference: str) -> Purchase:
    (supplier,) = [
        third_party_add(
            activity=activity,
            data=ThirdPartyData(
                kind="company", name="Papeterie Lambermont", street="Rue du Perron 12", postal_code="4000",
                city="Liège", country="BE", language="fr", vat_number="BE0754316243",
            ),
            actor=holder.user,
        )
    ]  # fmt: skip
    data = PurchaseData(
        supplier_reference=reference, invoice_date=date(2026, 3, 5), due_date=date(2026, 4, 4), category=supplies,
        description="Papier", amount=Decimal("121.00"), vat=Decimal("21.00"), payee="supplier",
    )  # fmt: skip
    return purchase_submit(activity=activity, supplier=supplier, data=data, file=_pdf("f.pdf"), actor=holder.user)


def _claim(activity: Activity, holder: Member, meals: ExpenseCategory, title: str) -> ExpenseClaim:
    claim = expense_claim_create(activity=activity, title=title, actor=holder.user)
    line = ExpenseLineData(spent_on=DAY, category=meals, description="Repas", amount=Decimal("20.00"))
    expense_line_add(claim=claim, data=line, receipt=_pdf("t.pdf"), actor=holder.user)
    return expense_claim_submit(claim=claim, actor=holder.user)


def _one_of_each(
    activity: Activity, partner: Activity, holder: Member, advisor: User, supplies: ExpenseCategory,
    meals: ExpenseCategory,
) -> dict[str, object]:  # fmt: skip
    """A purchase approved and paid, a claim approved and reimbursed, a transfer, a contribution, a reversal."""
    number = next(_numbers)
    purchase = _purchase(activity, holder, supplies, f"F-{number}")
    bought = purchase_approve(purchase=purchase, actor=advisor)
    purchase_pay(purchase=purchase, paid_on=DAY, actor=advisor)
    claim = _claim(activity, holder, meals, f"Tournée {number}")
    expense_claim_approve(claim=claim, actor=advisor)
    expense_claim_reimburse(claim=claim, paid_on=DAY, actor=advisor)
    transfer = activity_transfer_request(
        source=activity, destination_code=partner.code, kind="service", amount=Decimal("10.00"),
        description=f"Mixage {number}", actor=holder.user,
    )  # fmt: skip
    activity_transfer_approve(transfer=transfer, actor=advisor)
    contribution_post_turnover(
        activity=activity, turnover_excl_vat=Decimal("860.00"), booked_on=DAY, key=f"test:sale:{number}:contribution",
        actor=advisor,
    )  # fmt: skip
    ledger_reverse(transaction=Transaction.objects.get(pk=bought.pk), reason="Doublon de facture", actor=advisor)
    return {"purchase": purchase, "claim": claim, "posting": bought}


@pytest.fixture
def books(
    make_activity: MakeActivity, holder: Member, advisor: User, supplies: ExpenseCategory, meals: ExpenseCategory
) -> tuple[Activity, Activity, dict[str, object]]:
    activity = make_activity(funds=Decimal("5000.00"))
    partner = make_activity("Geluidsstudio")
    return activity, partner, _one_of_each(activity, partner, holder, advisor, supplies, meals)


def _signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_dutch_member_reads_each_movement_in_dutch_while_the_ledger_keeps_the_french_memo(
    books: tuple[Activity, Activity, dict[str, object]], holder: Member
) -> None:
    activity, partner, made = books
    purchase, claim = made["purchase"], made["claim"]
    assert isinstance(purchase, Purchase) and isinstance(claim, ExpenseClaim)
    _speaks(holder, "nl")

    html = _signed_in(holder.user).get(reverse("activities:detail", args=[activity.code])).content.decode()

    reference = purchase.supplier_reference
    with translation.override("nl"):
        contribution = translation.gettext("Cooperative contribution on turnover")
    for described in (
        f"Aankoop {reference} bij Papeterie Lambermont",
        f"Aankoop {reference} betaald",
        f"Onkostennota {claim.pk}: {claim.title}",
        f"Onkostennota {claim.pk} terugbetaald",
        f"Overboeking van {activity.code} naar {partner.code}: Mixage 1",
        f"Tegenboeking van Aankoop {reference} bij Papeterie Lambermont: Doublon de facture",
        contribution,
    ):
        assert escape(described) in html, described
    for french in ("Achat ", "Note de frais", "Contribution mutualisée", "Transfert de", "Extourne"):
        assert french not in html, french
    memo = Transaction.objects.get(key=f"purchase:{purchase.pk}:approve").memo
    assert memo == f"Achat {reference} chez Papeterie Lambermont", "the books keep their language"


def test_money_received_outside_an_invoice_and_manual_postings_keep_the_memo_that_was_typed(
    make_activity: MakeActivity, advisor: User
) -> None:
    activity = make_activity(funds=Decimal("100.00"))  # its memo, typed: "Subside de la Fédération..."
    ledger_post(
        key="admin:correction-7",
        date=DAY,
        memo="Correction: frais bancaires",
        legs=[debit("657", Decimal("2.00"), activity.analytic), credit("550", Decimal("2.00"))],
        actor=advisor,
    )

    with translation.override("en"):
        described = {m.key: m.description for m in activity_movements(activity=activity)}

    assert described["admin:correction-7"] == "Correction: frais bancaires"
    assert [d for k, d in described.items() if k.startswith("test:income:")] == [
        "Subside de la Fédération Wallonie-Bruxelles"
    ]


def test_a_reversal_whose_memo_was_not_written_by_the_reversal_service_keeps_its_memo(
    make_activity: MakeActivity, advisor: User
) -> None:
    activity = make_activity(funds=Decimal("100.00"))
    original = Transaction.objects.get(key__startswith="test:income:")
    ledger_post(
        key=f"reversal:{original.pk}",
        date=DAY,
        memo="Annulé à la main",
        legs=[debit("740", Decimal("100.00"), activity.analytic), credit("550", Decimal("100.00"), activity.analytic)],
        actor=advisor,
        reverses=original,
    )

    with translation.override("nl"):
        described = {m.key: m.description for m in activity_movements(activity=activity)}

    assert described[f"reversal:{original.pk}"] == "Annulé à la main"


def test_the_page_costs_as_many_queries_for_one_movement_of_each_kind_as_for_three(
    make_activity: MakeActivity, holder: Member, advisor: User, supplies: ExpenseCategory, meals: ExpenseCategory
) -> None:
    few, many = make_activity("Une fois", funds=Decimal("5000.00")), make_activity("Trois fois", funds=Decimal("5000"))
    partner = make_activity("Partenaire")
    _one_of_each(few, partner, holder, advisor, supplies, meals)
    for _ in range(3):
        _one_of_each(many, partner, holder, advisor, supplies, meals)
    client = _signed_in(holder.user)
    client.get(reverse("activities:detail", args=[few.code]))  # the session's first read is not the page's
    counted = []
    for activity in (few, many):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("activities:detail", args=[activity.code]))
        assert response.status_code == 200
        counted.append(len(queries.captured_queries))

    assert counted[0] == counted[1]


def test_the_csv_tells_each_movement_in_the_readers_language_beside_the_books_memo(
    books: tuple[Activity, Activity, dict[str, object]], holder: Member
) -> None:
    activity, _partner, made = books
    purchase = made["purchase"]
    assert isinstance(purchase, Purchase)
    _speaks(holder, "en")

    response = _signed_in(holder.user).get(reverse("activities:movements_csv", args=[activity.code]))

    text = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    header, *rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert header == [
        "Date", "Description", "Available", "Committed", "Incoming", "Memo in the books", "Ledger key",
    ]  # fmt: skip
    approved = next(row for row in rows if row[6] == f"purchase:{purchase.pk}:approve")
    reference = purchase.supplier_reference
    assert approved[1] == f"Purchase {reference} from Papeterie Lambermont"
    assert approved[5] == f"Achat {reference} chez Papeterie Lambermont"
    assert approved[2] == "-100,00", "a number a spreadsheet sums: decimal comma, no thousands separator"
    income = next(row for row in rows if row[6].startswith("test:income:"))
    assert income[2] == "5000,00"


def test_the_api_describes_each_movement_in_the_language_asked_for_and_keeps_the_memo(
    books: tuple[Activity, Activity, dict[str, object]], holder: Member
) -> None:
    activity, _partner, made = books
    purchase = made["purchase"]
    assert isinstance(purchase, Purchase)
    _speaks(holder, "")  # no saved language: the request's Accept-Language decides
    client = _signed_in(holder.user)

    body = client.get(f"/api/activities/{activity.code}/movements/", headers={"accept-language": "en"}).json()

    reference = purchase.supplier_reference
    (approved,) = [row for row in body["results"] if row["memo"] == f"Achat {reference} chez Papeterie Lambermont"]
    assert approved["description"] == f"Purchase {reference} from Papeterie Lambermont"
