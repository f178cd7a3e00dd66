"""Whatever members and advisors do, an Activity's books are its legs, and it never spends what it lacks.

Hypothesis draws a mix of operations over three Activities (money received, invoices issued and
paid with their contribution, expense claims, purchases, transfers, each approved, rejected or paid
in any order) and a plain model of the three figures decides what must happen: an approval goes
through exactly when the model says the Activity can afford it. After every operation no Activity
is below zero; after the whole mix every Activity's books equal its legs summed three ways (the
rows themselves, its movements, and `activities_reconcile`), and the ledger is sound.

Each example runs in its own `transaction.atomic()` block rolled back at its end, like the ledger's
property test: the `db` fixture opens one transaction per test function, not per example, so
function-scoped fixtures (the members, the advisor, the mileage rate) are shared by all examples.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import partial
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.db.models import Q, Sum
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from activities.errors import InsufficientFunds
from activities.models import (
    Activity,
    ActivityTransfer,
    ExpenseCategory,
    ExpenseClaim,
    MileageRate,
    Purchase,
    PurchasePayee,
    ThirdPartyKind,
)
from activities.selectors import (
    PAYABLE_PREFIXES,
    RECEIVABLE_PREFIXES,
    RESULT_PREFIXES,
    ActivityBooks,
    activity_all_movements,
    activity_books,
)
from activities.services import (
    ExpenseLineData,
    PurchaseData,
    ThirdPartyData,
    activity_income_record,
    activity_transfer_approve,
    activity_transfer_reject,
    activity_transfer_request,
    contribution_post_turnover,
    expense_claim_approve,
    expense_claim_create,
    expense_claim_reimburse,
    expense_claim_reject,
    expense_claim_submit,
    expense_line_add,
    purchase_approve,
    purchase_pay,
    purchase_reject,
    purchase_submit,
    third_party_add,
)
from members.models import Member, User
from smartcoop.errors import ConflictError, InvalidInput
from smartcoop.ledger.models import Leg
from smartcoop.ledger.services import credit, debit, ledger_post
from smartcoop.money import ZERO, to_money
from tests.activities.conftest import DAY, MakeActivity

pytestmark = pytest.mark.django_db

ACTIVITIES = 3
PDF = b"%PDF-1.4\n% receipt\n"
CONTRIBUTION = Decimal("0.065")  # the test entity's rate on turnover
VAT_RATE = Decimal("0.21")


# --- the operations hypothesis draws ------------------------------------------------------------


@dataclass(frozen=True)
class Income:
    activity: int
    cents: int


@dataclass(frozen=True)
class Sale:
    """An invoice issued and not yet paid, posted as the invoicing app does (excl. VAT on the Activity)."""

    activity: int
    cents: int


@dataclass(frozen=True)
class SalePaid:
    target: int  # index among the sales so far, modulo their number


@dataclass(frozen=True)
class ClaimSubmit:
    activity: int
    lines: tuple[tuple[str, int, int], ...]  # category, cents (km for a trip), VAT cents
    then: str  # decided at once ("approve", "approve-pay", "reject") or later ("wait")


@dataclass(frozen=True)
class ClaimDecide:
    target: int
    approve: bool


@dataclass(frozen=True)
class Reimburse:
    target: int


@dataclass(frozen=True)
class PurchaseSubmit:
    activity: int
    category: str
    cents: int
    vat: int
    advanced: bool
    then: str


@dataclass(frozen=True)
class PurchaseDecide:
    target: int
    approve: bool


@dataclass(frozen=True)
class Pay:
    target: int


@dataclass(frozen=True)
class TransferRequest:
    source: int
    step: int  # the destination is the Activity `step` places further
    cents: int
    kind: str
    then: str


@dataclass(frozen=True)
class TransferDecide:
    target: int
    approve: bool


activity_index = st.integers(0, ACTIVITIES - 1)
target = st.integers(0, 1000)
then = st.sampled_from(["approve", "approve-pay", "reject", "wait"])


@st.composite
def expense_line(draw: st.DrawFn) -> tuple[str, int, int]:
    category = draw(st.sampled_from(["supplies", "meals", "mileage"]))
    if category == "mileage":
        return category, draw(st.integers(1, 800)), 0
    cents = draw(st.integers(100, 60_000))
    return category, cents, draw(st.integers(0, cents * 21 // 121))  # VAT is part of the amount


@st.composite
def purchase(draw: st.DrawFn) -> PurchaseSubmit:
    cents = draw(st.integers(100, 150_000))
    return PurchaseSubmit(
        activity=draw(activity_index),
        category=draw(st.sampled_from(["supplies", "meals"])),
        cents=cents,
        vat=draw(st.integers(0, cents * 21 // 121)),
        advanced=draw(st.booleans()),
        then=draw(then),
    )


operations = st.lists(
    st.one_of(
        st.builds(Income, activity=activity_index, cents=st.integers(1_000, 300_000)),
        st.builds(Sale, activity=activity_index, cents=st.integers(1_000, 300_000)),
        st.builds(SalePaid, target=target),
        st.builds(
            ClaimSubmit,
            activity=activity_index,
            lines=st.lists(expense_line(), min_size=1, max_size=3).map(tuple),
            then=then,
        ),
        st.builds(ClaimDecide, target=target, approve=st.booleans()),
        st.builds(Reimburse, target=target),
        purchase(),
        st.builds(PurchaseDecide, target=target, approve=st.booleans()),
        st.builds(Pay, target=target),
        st.builds(
            TransferRequest,
            source=activity_index,
            step=st.integers(1, ACTIVITIES - 1),
            cents=st.integers(100, 200_000),
            kind=st.sampled_from(["service", "share"]),
            then=then,
        ),
        st.builds(TransferDecide, target=target, approve=st.booleans()),
    ),
    min_size=6,
    max_size=20,
)


# --- the model: what each Activity's figures must be -------------------------------------------


@dataclass
class Figures:
    available: Decimal = ZERO
    committed: Decimal = ZERO
    incoming: Decimal = ZERO

    def books(self) -> ActivityBooks:
        return ActivityBooks(available=self.available, committed=self.committed, incoming=self.incoming)


def _cents(value: int) -> Decimal:
    return Decimal(value).scaleb(-2)


def _pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


class Run:
    """One example: the Activities, what was asked so far, and the model the services must agree with."""

    def __init__(self, activities: list[Activity], holder: Member, advisor: User, rate: Decimal) -> None:
        self.activities, self.holder, self.advisor, self.rate = activities, holder, advisor, rate
        self.figures = [Figures() for _ in activities]
        self.categories = {c.code: c for c in ExpenseCategory.objects.filter(code__in=["supplies", "meals", "mileage"])}
        self.sales: list[tuple[int, Decimal, bool]] = []  # activity, net, paid
        self.claims: list[tuple[ExpenseClaim, int, Decimal]] = []  # claim, activity, charge
        self.purchases: list[tuple[Purchase, int, Decimal]] = []
        self.transfers: list[tuple[ActivityTransfer, int, int, Decimal]] = []
        self.supplier = [
            third_party_add(
                activity=activity,
                data=ThirdPartyData(
                    kind=ThirdPartyKind.COMPANY,
                    name="Papeterie Lambermont",
                    street="Rue Lambert 3",
                    postal_code="4000",
                    city="Liège",
                    country="BE",
                    language="fr",
                    vat_number="BE0456789034",
                ),
                actor=holder.user,
            )
            for activity in activities
        ]
        self.number = 0

    def key(self) -> str:
        self.number += 1
        return f"prop:{self.number}"

    def spend(self, index: int, charge: Decimal, approve: Callable[[], object]) -> bool:
        """Call `approve`; it must go through exactly when the model can afford `charge`."""
        affordable = charge <= self.figures[index].available
        event("approved" if affordable else "refused: insufficient funds")
        if affordable:
            approve()
            self.figures[index].available -= charge
        else:
            with pytest.raises(InsufficientFunds):
                approve()
        return affordable

    def apply(self, op: object) -> None:
        """One operation; a submission decided at once is followed by its decision (and payment)."""
        if isinstance(op, Income):
            self.income(op.activity, _cents(op.cents))
        elif isinstance(op, Sale):
            self.sale(op.activity, _cents(op.cents))
        elif isinstance(op, SalePaid) and self.sales:
            self.sale_paid(op.target % len(self.sales))
        elif isinstance(op, ClaimSubmit):
            self.claim_submit(op)
            self.then(op.then, len(self.claims) - 1, self.claim_decide, self.reimburse)
        elif isinstance(op, ClaimDecide) and self.claims:
            self.claim_decide(op.target % len(self.claims), approve=op.approve)
        elif isinstance(op, Reimburse) and self.claims:
            self.reimburse(op.target % len(self.claims))
        elif isinstance(op, PurchaseSubmit):
            self.purchase_submit(op)
            self.then(op.then, len(self.purchases) - 1, self.purchase_decide, self.pay)
        elif isinstance(op, PurchaseDecide) and self.purchases:
            self.purchase_decide(op.target % len(self.purchases), approve=op.approve)
        elif isinstance(op, Pay) and self.purchases:
            self.pay(op.target % len(self.purchases))
        elif isinstance(op, TransferRequest):
            if self.transfer_request(op):
                self.then(op.then, len(self.transfers) - 1, self.transfer_decide, None)
        elif isinstance(op, TransferDecide) and self.transfers:
            self.transfer_decide(op.target % len(self.transfers), approve=op.approve)

    @staticmethod
    def then(what: str, number: int, decide: Callable[..., None], pay: Callable[[int], None] | None) -> None:
        if what != "wait":
            decide(number, approve=what != "reject")
        if what == "approve-pay" and pay is not None:
            pay(number)

    def income(self, index: int, amount: Decimal) -> None:
        activity_income_record(
            activity=self.activities[index], amount=amount, source="subsidy", memo="Subside", received_on=DAY,
            key=self.key(), actor=self.advisor,
        )  # fmt: skip
        self.figures[index].available += amount

    def sale(self, index: int, net: Decimal) -> None:
        vat, analytic = to_money(net * VAT_RATE), self.activities[index].analytic
        ledger_post(
            key=f"prop:sale:{len(self.sales)}:issue", date=DAY, memo="Facture", actor=self.advisor,
            legs=[debit("400", net, analytic), debit("400", vat), credit("700", net, analytic), credit("451", vat)],
        )  # fmt: skip
        self.sales.append((index, net, False))
        self.figures[index].incoming += net

    def sale_paid(self, number: int) -> None:
        """The client paid: the receivable is cleared and the contribution is charged on the turnover."""
        index, net, paid = self.sales[number]
        if paid:
            return
        vat, analytic = to_money(net * VAT_RATE), self.activities[index].analytic
        ledger_post(
            key=f"prop:sale:{number}:paid", date=DAY, memo="Paiement", actor=self.advisor,
            legs=[debit("550", net, analytic), debit("550", vat), credit("400", net, analytic), credit("400", vat)],
        )  # fmt: skip
        contribution_post_turnover(
            activity=self.activities[index], turnover_excl_vat=net, booked_on=DAY,
            key=f"prop:sale:{number}:contribution", actor=None,
        )  # fmt: skip
        self.sales[number] = (index, net, True)
        self.figures[index].incoming -= net
        self.figures[index].available += net - to_money(net * CONTRIBUTION)

    def claim_submit(self, op: ClaimSubmit) -> None:
        worker = self.holder.user
        claim = expense_claim_create(activity=self.activities[op.activity], title="Frais", actor=worker)
        charge = ZERO
        for category, cents, vat_cents in op.lines:
            if category == "mileage":
                kilometres = Decimal(cents)
                data = ExpenseLineData(
                    spent_on=DAY, category=self.categories[category], description="Trajet", kilometres=kilometres
                )
                expense_line_add(claim=claim, data=data, receipt=None, actor=worker)
                charge += to_money(kilometres * self.rate)
                continue
            amount, vat = _cents(cents), _cents(vat_cents)
            data = ExpenseLineData(
                spent_on=DAY, category=self.categories[category], description="Achat", amount=amount, vat=vat
            )
            expense_line_add(claim=claim, data=data, receipt=_pdf("ticket.pdf"), actor=worker)
            charge += amount - (vat if category == "supplies" else ZERO)  # restaurant VAT is not recovered
        expense_claim_submit(claim=claim, actor=worker)
        self.claims.append((claim, op.activity, charge))

    def claim_decide(self, number: int, *, approve: bool) -> None:
        claim, index, charge = self.claims[number]
        claim.refresh_from_db()
        if claim.status != "submitted":
            with pytest.raises(ConflictError):
                expense_claim_reject(claim=claim, reason="Déjà traitée", actor=self.advisor)
        elif approve:
            if self.spend(index, charge, lambda: expense_claim_approve(claim=claim, actor=self.advisor)):
                self.figures[index].committed += charge
        else:
            expense_claim_reject(claim=claim, reason="Pas de justificatif lisible", actor=self.advisor)

    def reimburse(self, number: int) -> None:
        claim, index, charge = self.claims[number]
        claim.refresh_from_db()
        if claim.status in ("submitted", "rejected"):
            with pytest.raises(ConflictError):
                expense_claim_reimburse(claim=claim, paid_on=DAY, actor=self.advisor)
            return
        owed = claim.status == "approved"  # else reimbursed already: a second time changes nothing
        expense_claim_reimburse(claim=claim, paid_on=DAY, actor=self.advisor)
        if owed:
            self.figures[index].committed -= charge

    def purchase_submit(self, op: PurchaseSubmit) -> None:
        amount, vat = _cents(op.cents), _cents(op.vat)
        bought = purchase_submit(
            activity=self.activities[op.activity],
            supplier=self.supplier[op.activity],
            data=PurchaseData(
                supplier_reference=f"F-{len(self.purchases)}", invoice_date=DAY, due_date=DAY,
                category=self.categories[op.category], description="Matériel", amount=amount, vat=vat,
                payee=PurchasePayee.MEMBER if op.advanced else PurchasePayee.SUPPLIER,
                advanced_by=self.holder if op.advanced else None,
            ),
            file=_pdf("facture.pdf"),
            actor=self.holder.user,
        )  # fmt: skip
        self.purchases.append((bought, op.activity, amount - (vat if op.category == "supplies" else ZERO)))

    def purchase_decide(self, number: int, *, approve: bool) -> None:
        bought, index, charge = self.purchases[number]
        bought.refresh_from_db()
        if bought.status != "submitted":
            with pytest.raises(ConflictError):
                purchase_reject(purchase=bought, reason="Déjà traité", actor=self.advisor)
        elif approve:
            if self.spend(index, charge, lambda: purchase_approve(purchase=bought, actor=self.advisor)):
                self.figures[index].committed += charge
        else:
            purchase_reject(purchase=bought, reason="Facture au mauvais nom", actor=self.advisor)

    def pay(self, number: int) -> None:
        bought, index, charge = self.purchases[number]
        bought.refresh_from_db()
        if bought.status in ("submitted", "rejected"):
            with pytest.raises(ConflictError):
                purchase_pay(purchase=bought, paid_on=DAY, actor=self.advisor)
            return
        owed = bought.status == "approved"  # else paid already: a second time changes nothing
        purchase_pay(purchase=bought, paid_on=DAY, actor=self.advisor)
        if owed:
            self.figures[index].committed -= charge

    def transfer_request(self, op: TransferRequest) -> bool:
        destination, amount = (op.source + op.step) % ACTIVITIES, _cents(op.cents)
        ask = partial(
            activity_transfer_request,
            source=self.activities[op.source], destination_code=self.activities[destination].code, kind=op.kind,
            amount=amount, description="Mixage", actor=self.holder.user,
        )  # fmt: skip
        if amount > self.figures[op.source].available:  # told at once, before any advisor sees it
            with pytest.raises(InvalidInput):
                ask()
            return False
        asked = ask()
        self.transfers.append((asked, op.source, destination, amount))
        return True

    def transfer_decide(self, number: int, *, approve: bool) -> None:
        asked, source, destination, amount = self.transfers[number]
        asked.refresh_from_db()
        if asked.status != "submitted":
            with pytest.raises(ConflictError):
                activity_transfer_reject(transfer=asked, reason="Déjà traité", actor=self.advisor)
        elif approve:
            if self.spend(source, amount, lambda: activity_transfer_approve(transfer=asked, actor=self.advisor)):
                self.figures[destination].available += amount
        else:
            activity_transfer_reject(transfer=asked, reason="Pas de collaboration", actor=self.advisor)


# --- the checks -------------------------------------------------------------------------------


def _starts(prefixes: tuple[str, ...]) -> Q:
    condition = Q()
    for prefix in prefixes:
        condition |= Q(account__code__startswith=prefix)
    return condition


def _from_legs(activity: Activity) -> ActivityBooks:
    """The selectors' definitions applied to the Activity's leg rows themselves."""
    nets: dict[str, Decimal] = {}
    for code, d, c in Leg.objects.filter(analytic=activity.analytic).values_list("account__code", "debit", "credit"):
        nets[code] = nets.get(code, ZERO) + d - c
    result = -sum((n for code, n in nets.items() if code.startswith(RESULT_PREFIXES)), ZERO)
    incoming = sum((n for code, n in nets.items() if code.startswith(RECEIVABLE_PREFIXES)), ZERO)
    committed = -sum((n for code, n in nets.items() if code.startswith(PAYABLE_PREFIXES)), ZERO)
    return ActivityBooks(available=result - incoming, committed=committed, incoming=incoming)


def _net(condition: Q) -> Decimal:
    totals = Leg.objects.filter(condition, analytic__activity__isnull=False).aggregate(d=Sum("debit"), c=Sum("credit"))
    return (totals["d"] or ZERO) - (totals["c"] or ZERO)


def _check_books(run: Run) -> None:
    for activity, figures in zip(run.activities, run.figures, strict=True):
        books = activity_books(activity=activity)
        assert books == figures.books(), activity.code
        assert books == _from_legs(activity), activity.code
        movements = list(activity_all_movements(activity=activity, page=4))  # small pages: the keyset is used
        assert (
            sum((m.available for m in movements), ZERO),
            sum((m.committed for m in movements), ZERO),
            sum((m.incoming for m in movements), ZERO),
        ) == (books.available, books.committed, books.incoming), activity.code
    # Over all Activities, their money is the ledger's: results (6/7) less what clients still owe (400).
    total = sum((activity_books(activity=a).available for a in Activity.objects.all()), ZERO)
    assert total == -_net(_starts(RESULT_PREFIXES)) - _net(_starts(RECEIVABLE_PREFIXES))
    out = StringIO()
    call_command("ledger_verify", stdout=out)  # exits 1 on any problem
    call_command("activities_reconcile", stdout=out)
    assert f"{ACTIVITIES} Activities; from their legs: available {total:.2f} EUR" in out.getvalue()


@pytest.fixture
def media(settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


@settings(
    max_examples=25,
    deadline=None,
    database=None,  # no example database written into the working tree
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(funds=st.lists(st.integers(0, 300_000), min_size=ACTIVITIES, max_size=ACTIVITIES), operations=operations)
def test_any_mix_of_operations_keeps_every_activitys_books_equal_to_its_legs(
    funds: list[int],
    operations: list[object],
    make_activity: MakeActivity,
    holder: Member,
    advisor: User,
    mileage_rate: MileageRate,
    media: None,
) -> None:
    with transaction.atomic():
        activities = [make_activity(f"Activité {n}") for n in range(ACTIVITIES)]
        run = Run(activities, holder, advisor, mileage_rate.rate)
        for index, cents in enumerate(funds):
            if cents:
                run.income(index, _cents(cents))
        for operation in operations:
            run.apply(operation)
            for activity in activities:
                assert activity_books(activity=activity).available >= 0, (activity.code, operation)
        _check_books(run)
        transaction.set_rollback(True)


def test_reconcile_prints_the_totals_of_every_activity(
    make_activity: MakeActivity, holder: Member, advisor: User, meals: ExpenseCategory
) -> None:
    first = make_activity("Atelier", funds=Decimal("1000.00"))
    make_activity("Studio", funds=Decimal("250.50"))
    claim = expense_claim_create(activity=first, title="Frais", actor=holder.user)
    expense_line_add(
        claim=claim,
        data=ExpenseLineData(spent_on=date(2026, 3, 3), category=meals, description="Repas", amount=Decimal("40.00")),
        receipt=_pdf("ticket.pdf"),
        actor=holder.user,
    )
    expense_claim_submit(claim=claim, actor=holder.user)
    expense_claim_approve(claim=claim, actor=advisor)
    out = StringIO()

    call_command("activities_reconcile", stdout=out)

    assert out.getvalue().splitlines() == [
        "2 Activities; from their legs: available 1210.50 EUR, committed 40.00 EUR, incoming 0.00 EUR.",
        "Every Activity's books equal the sums of its legs.",
    ]


def test_reconcile_names_an_activity_whose_books_differ_from_its_legs(
    make_activity: MakeActivity, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The triggers keep Balance right, so the books are made wrong where the command reads them."""
    from activities.management.commands import activities_reconcile

    activity = make_activity("Atelier", funds=Decimal("100.00"))
    wrong = ActivityBooks(available=Decimal("99.00"), committed=ZERO, incoming=ZERO)
    monkeypatch.setattr(activities_reconcile, "activities_books", lambda *, activities: {activity.pk: wrong})
    err = StringIO()

    with pytest.raises(SystemExit) as failed:
        call_command("activities_reconcile", stdout=StringIO(), stderr=err)

    assert failed.value.code == 1
    assert f"{activity.code} Atelier: its books show available 99.00 EUR" in err.getvalue()
    assert "its legs sum to 100.00 EUR" in err.getvalue()
