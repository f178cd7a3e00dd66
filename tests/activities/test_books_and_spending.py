"""An Activity's books come from the ledger, and it can never spend more than it has."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import translation

from activities.errors import InsufficientFunds
from activities.models import Activity, ClaimStatus, ExpenseCategory, ExpenseClaim
from activities.selectors import activity_books, activity_movements
from activities.services import (
    ExpenseLineData,
    expense_claim_approve,
    expense_claim_create,
    expense_claim_reimburse,
    expense_claim_submit,
    expense_line_add,
)
from members.models import Member, User
from smartcoop.ledger.models import Leg
from tests.activities.conftest import MakeActivity

PDF = b"%PDF-1.4\n% receipt\n"


def _receipt() -> SimpleUploadedFile:
    return SimpleUploadedFile("ticket.pdf", PDF, content_type="application/pdf")


def _submitted_claim(
    activity: Activity, holder: Member, category: ExpenseCategory, amount: str, vat: str = "0"
) -> ExpenseClaim:
    claim = expense_claim_create(activity=activity, title="Tournée de mars", actor=holder.user)
    expense_line_add(
        claim=claim,
        data=ExpenseLineData(
            spent_on=date(2026, 3, 3),
            category=category,
            description="Cordes et médiators",
            amount=Decimal(amount),
            vat=Decimal(vat),
        ),
        receipt=_receipt(),
        actor=holder.user,
    )
    return expense_claim_submit(claim=claim, actor=holder.user)


def test_recoverable_vat_is_not_charged_to_the_activity(
    make_activity: MakeActivity, holder: Member, advisor: User, supplies: ExpenseCategory
) -> None:
    activity = make_activity(funds=Decimal("1000.00"))
    claim = _submitted_claim(activity, holder, supplies, "121.00", "21.00")

    expense_claim_approve(claim=claim, actor=advisor)

    books = activity_books(activity=activity)
    assert books.available == Decimal("900.00")  # 121 paid, 21 recovered from the State
    assert books.committed == Decimal("100.00")  # owed to the worker until reimbursed
    vat_legs = Leg.objects.filter(account__code="411")
    assert [(leg.debit, leg.analytic_id) for leg in vat_legs] == [(Decimal("21.00"), None)]


def test_reimbursement_clears_the_commitment_without_changing_the_available_balance(
    make_activity: MakeActivity, holder: Member, advisor: User, meals: ExpenseCategory
) -> None:
    activity = make_activity(funds=Decimal("500.00"))
    claim = _submitted_claim(activity, holder, meals, "60.50", "10.50")  # restaurant VAT is not deductible
    expense_claim_approve(claim=claim, actor=advisor)

    first = expense_claim_reimburse(claim=claim, paid_on=date(2026, 3, 10), actor=advisor)
    again = expense_claim_reimburse(claim=claim, paid_on=date(2026, 3, 10), actor=advisor)

    assert first.pk == again.pk
    books = activity_books(activity=activity)
    assert (books.available, books.committed) == (Decimal("439.50"), Decimal("0.00"))
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.REIMBURSED


def test_approval_beyond_the_available_balance_is_refused_with_the_balance(
    make_activity: MakeActivity, holder: Member, advisor: User, meals: ExpenseCategory
) -> None:
    activity = make_activity(funds=Decimal("50.00"))
    claim = _submitted_claim(activity, holder, meals, "80.00")

    with pytest.raises(InsufficientFunds) as refused:
        expense_claim_approve(claim=claim, actor=advisor)

    assert "50,00" in str(refused.value.message) or "50.00" in str(refused.value.message)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED
    assert activity_books(activity=activity).available == Decimal("50.00")


def test_movements_show_each_posting_with_its_effect_newest_first(
    make_activity: MakeActivity, holder: Member, advisor: User, supplies: ExpenseCategory
) -> None:
    activity = make_activity(funds=Decimal("300.00"))
    claim = _submitted_claim(activity, holder, supplies, "121.00", "21.00")
    expense_claim_approve(claim=claim, actor=advisor)

    movements = activity_movements(activity=activity)

    assert [(m.available, m.committed) for m in movements] == [
        (Decimal("-100.00"), Decimal("100.00")),
        (Decimal("300.00"), Decimal("0.00")),
    ]
    older = activity_movements(activity=activity, before=(movements[0].booking_date, movements[0].transaction_id))
    assert [m.transaction_id for m in older] == [movements[1].transaction_id]


@pytest.mark.django_db(transaction=True)
def test_second_approval_cannot_overspend(
    make_activity: MakeActivity, holder: Member, advisor: User, meals: ExpenseCategory
) -> None:
    """Two advisors approve two claims of 70 EUR on an Activity holding 100 EUR at the same moment."""
    activity = make_activity(funds=Decimal("100.00"))
    claims = [_submitted_claim(activity, holder, meals, "70.00") for _ in range(2)]
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def approve(claim: ExpenseClaim) -> None:
        try:
            start.wait()
            expense_claim_approve(claim=claim, actor=advisor)
            outcomes.append("approved")
        except InsufficientFunds:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(claim,)) for claim in claims]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["approved", "refused"]
    assert activity_books(activity=activity).available == Decimal("30.00")


def test_memos_are_written_in_the_books_language_whoever_approves(
    make_activity: MakeActivity, holder: Member, advisor: User, supplies: ExpenseCategory
) -> None:
    """A Dutch-speaking advisor's approval lands in the journal in French, like everyone else's."""
    activity = make_activity(funds=Decimal("300.00"))
    claim = _submitted_claim(activity, holder, supplies, "121.00", "21.00")

    with translation.override("nl"):
        posting = expense_claim_approve(claim=claim, actor=advisor)

    assert posting.memo == f"Note de frais {claim.pk} : Tournée de mars"
