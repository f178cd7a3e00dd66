"""Advisors acting at the same moment never overspend an Activity, never pay twice, never deadlock.

Each test commits for real (`transaction=True`): the threads are separate database sessions that
start together on a barrier, so their transactions overlap and queue on the locks the services take.
"""

import threading
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from activities.errors import InsufficientFunds
from activities.models import Activity, ActivityTransfer, ExpenseCategory, ExpenseClaim, Purchase, ThirdPartyKind
from activities.selectors import activity_books
from activities.services import (
    ExpenseLineData,
    PurchaseData,
    ThirdPartyData,
    activity_transfer_approve,
    activity_transfer_request,
    expense_claim_approve,
    expense_claim_create,
    expense_claim_reimburse,
    expense_claim_submit,
    expense_line_add,
    purchase_approve,
    purchase_submit,
    third_party_add,
)
from members.models import Member, User
from smartcoop.ledger.models import Transaction
from smartcoop.ledger.verify import ledger_problems
from tests.activities.conftest import MakeActivity

pytestmark = pytest.mark.django_db(transaction=True)

PDF = b"%PDF-1.4\n% receipt\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


def _race(*actions: Callable[[], object]) -> list[object]:
    """Run the actions in threads released together; each outcome is its result or the exception raised."""
    start = threading.Barrier(len(actions))
    outcomes: list[object] = [None] * len(actions)

    def run(index: int, action: Callable[[], object]) -> None:
        try:
            start.wait()
            outcomes[index] = action()
        except Exception as error:  # noqa: BLE001 - the test inspects what each thread met
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, action)) for i, action in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread is still waiting on a lock"
    return outcomes


def _claim(activity: Activity, worker: Member, category: ExpenseCategory, amount: str) -> ExpenseClaim:
    claim = expense_claim_create(activity=activity, title="Tournée", actor=worker.user)
    expense_line_add(
        claim=claim,
        data=ExpenseLineData(spent_on=date(2026, 3, 3), category=category, description="Repas", amount=Decimal(amount)),
        receipt=SimpleUploadedFile("ticket.pdf", PDF, content_type="application/pdf"),
        actor=worker.user,
    )
    return expense_claim_submit(claim=claim, actor=worker.user)


def _purchase(
    activity: Activity, holder: Member, category: ExpenseCategory, reference: str, amount: str, vat: str
) -> Purchase:
    supplier = third_party_add(
        activity=activity,
        data=ThirdPartyData(
            kind=ThirdPartyKind.COMPANY, name="Papeterie Lambermont", street="Rue Lambert 3", postal_code="4000",
            city="Liège", country="BE", language="fr", vat_number="BE0456789034",
        ),
        actor=holder.user,
    )  # fmt: skip
    return purchase_submit(
        activity=activity,
        supplier=supplier,
        data=PurchaseData(
            supplier_reference=reference, invoice_date=date(2026, 3, 5), due_date=date(2026, 4, 4), category=category,
            description="Papier", amount=Decimal(amount), vat=Decimal(vat), payee="supplier",
        ),
        file=SimpleUploadedFile("facture.pdf", PDF, content_type="application/pdf"),
        actor=holder.user,
    )  # fmt: skip


def _transfer(source: Activity, destination: Activity, holder: Member, amount: str) -> ActivityTransfer:
    return activity_transfer_request(
        source=source, destination_code=destination.code, kind="service", amount=Decimal(amount),
        description="Mixage", actor=holder.user,
    )  # fmt: skip


def _unexpected(outcomes: list[object]) -> list[object]:
    return [o for o in outcomes if isinstance(o, Exception) and not isinstance(o, InsufficientFunds)]


def test_opposite_transfers_approved_together_neither_deadlock_nor_lose_money(
    make_activity: MakeActivity, holder: Member, advisor: User
) -> None:
    a, b = make_activity("Atelier", funds=Decimal("100.00")), make_activity("Studio", funds=Decimal("100.00"))
    there, back = _transfer(a, b, holder, "60.00"), _transfer(b, a, holder, "70.00")

    outcomes = _race(
        lambda: activity_transfer_approve(transfer=there, actor=advisor),
        lambda: activity_transfer_approve(transfer=back, actor=advisor),
    )

    # Both lock the two Activities in the same order, so the second waits instead of deadlocking.
    assert all(isinstance(o, Transaction) for o in outcomes), outcomes
    assert activity_books(activity=a).available == Decimal("110.00")
    assert activity_books(activity=b).available == Decimal("90.00")
    assert ledger_problems() == []


def test_six_approvals_at_once_spend_exactly_what_the_activity_has(
    make_activity: MakeActivity, holder: Member, advisor: User, meals: ExpenseCategory, supplies: ExpenseCategory
) -> None:
    """100 EUR and six spendings of 30 EUR each (two claims, two purchases, two transfers): three fit."""
    activity, other = make_activity("Atelier", funds=Decimal("100.00")), make_activity("Studio")
    claims = [_claim(activity, holder, meals, "30.00") for _ in range(2)]
    # 36.30 with 6.30 of recoverable VAT: the Activity bears 30.00.
    purchases = [_purchase(activity, holder, supplies, f"F-{n}", "36.30", "6.30") for n in range(2)]
    transfers = [_transfer(activity, other, holder, "30.00") for _ in range(2)]

    outcomes = _race(
        *(lambda c=c: expense_claim_approve(claim=c, actor=advisor) for c in claims),
        *(lambda p=p: purchase_approve(purchase=p, actor=advisor) for p in purchases),
        *(lambda t=t: activity_transfer_approve(transfer=t, actor=advisor) for t in transfers),
    )

    assert _unexpected(outcomes) == []
    assert sum(isinstance(o, Transaction) for o in outcomes) == 3
    assert sum(isinstance(o, InsufficientFunds) for o in outcomes) == 3
    assert activity_books(activity=activity).available == Decimal("10.00")
    # Approved claims and purchases are owed until paid; an approved transfer is done at once.
    owed = sum(isinstance(o, Transaction) for o in outcomes[:4])
    assert activity_books(activity=activity).committed == Decimal("30.00") * owed
    assert activity_books(activity=other).available == Decimal("30.00") * (3 - owed)
    assert ledger_problems() == []


def test_a_claim_reimbursed_twice_at_once_is_paid_once(
    make_activity: MakeActivity, holder: Member, advisor: User, meals: ExpenseCategory
) -> None:
    activity = make_activity(funds=Decimal("100.00"))
    claim = _claim(activity, holder, meals, "45.00")
    expense_claim_approve(claim=claim, actor=advisor)

    outcomes = _race(*(lambda: expense_claim_reimburse(claim=claim, paid_on=date(2026, 3, 10), actor=advisor),) * 2)

    assert all(isinstance(o, Transaction) for o in outcomes), outcomes
    assert len({o.pk for o in outcomes if isinstance(o, Transaction)}) == 1
    assert Transaction.objects.filter(key=f"expense-claim:{claim.pk}:reimburse").count() == 1
    books = activity_books(activity=activity)
    assert (books.available, books.committed) == (Decimal("55.00"), Decimal("0.00"))


def test_a_purchase_approved_twice_at_once_is_charged_once(
    make_activity: MakeActivity, holder: Member, advisor: User, supplies: ExpenseCategory
) -> None:
    activity = make_activity(funds=Decimal("500.00"))
    purchase = _purchase(activity, holder, supplies, "F-1", "121.00", "21.00")

    outcomes = _race(*(lambda: purchase_approve(purchase=purchase, actor=advisor),) * 2)

    assert all(isinstance(o, Transaction) for o in outcomes), outcomes
    assert len({o.pk for o in outcomes if isinstance(o, Transaction)}) == 1
    assert Transaction.objects.filter(key__startswith=f"purchase:{purchase.pk}:").count() == 1
    assert activity_books(activity=activity).available == Decimal("400.00")
