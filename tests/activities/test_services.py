"""What members and advisors rely on when they open, run, spend from and close an Activity."""

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from functools import partial
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone, translation

from activities.errors import InsufficientFunds
from activities.models import (
    Activity,
    ActivityHolder,
    ActivityStatus,
    ActivityThirdParty,
    ActivityTransfer,
    ClaimStatus,
    ExpenseCategory,
    ExpenseClaim,
    ExpenseLine,
    HolderRole,
    MileageRate,
    Purchase,
    PurchasePayee,
    PurchaseStatus,
    ThirdParty,
    ThirdPartyKind,
    Trade,
    TradeApproval,
    TransferKind,
    TransferStatus,
)
from activities.selectors import (
    ActivityBooks,
    activity_balance_series,
    activity_books,
    activity_movements,
    third_parties_of,
)
from activities.services import (
    ExpenseLineData,
    PurchaseData,
    ThirdPartyData,
    activity_add_holder,
    activity_create,
    activity_income_record,
    activity_set_rates,
    activity_set_status,
    activity_transfer_approve,
    activity_transfer_reject,
    activity_transfer_request,
    contribution_post_employment,
    contribution_post_turnover,
    contribution_rate,
    expense_claim_approve,
    expense_claim_create,
    expense_claim_reimburse,
    expense_claim_submit,
    expense_line_add,
    expense_line_remove,
    purchase_approve,
    purchase_pay,
    purchase_submit,
    third_party_add,
)
from members.models import Member, Office, User
from members.services import shares_issue
from smartcoop.audit.models import AuditEntry
from smartcoop.audit.selectors import trail_of
from smartcoop.errors import ConflictError, InvalidInput, NotFoundError, PermissionDeniedError
from smartcoop.ledger.models import AnalyticAccount, Leg, Transaction
from smartcoop.ledger.services import credit, debit, ledger_post
from smartcoop.ledger.verify import ledger_problems
from smartcoop.models import CooperativeEntity
from tests.activities.conftest import DAY, MakeActivity

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% receipt\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 32
COOPERATIVE_VAT = "BE0754316243"  # the demo entity's number: valid by python-stdnum

LegRow = tuple[str, Decimal, Decimal, int | None]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path  # receipts and invoices of a test land in its own directory
    return tmp_path


@pytest.fixture
def admit(make_member, advisor: User) -> Callable[[str, str], Member]:
    """A second (third...) admitted member, for co-holders and other Activities."""

    def make(first_name: str, last_name: str) -> Member:
        member: Member = make_member(first_name, last_name)
        shares_issue(member=member, quantity=1, on=DAY, key=f"test:{member.pk}:share", actor=advisor)
        member.refresh_from_db()
        return member

    return make


def _legs(posting: Transaction) -> list[LegRow]:
    rows = posting.legs.values_list("account__code", "debit", "credit", "analytic_id")
    return sorted(rows, key=lambda row: (row[0], row[1], row[2], row[3] or 0))


def _receipt(content: bytes = PDF, name: str = "ticket.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def _line(
    category: ExpenseCategory, amount: str = "12.10", vat: str = "2.10", spent_on: date = date(2026, 3, 3)
) -> ExpenseLineData:
    return ExpenseLineData(
        spent_on=spent_on,
        category=category,
        description="Cordes et médiators",
        amount=Decimal(amount),
        vat=Decimal(vat),
    )


def _submitted_claim(
    activity: Activity, worker: Member, category: ExpenseCategory, amount: str, vat: str = "0"
) -> ExpenseClaim:
    claim = expense_claim_create(activity=activity, title="Tournée de mars", actor=worker.user)
    expense_line_add(claim=claim, data=_line(category, amount, vat), receipt=_receipt(), actor=worker.user)
    return expense_claim_submit(claim=claim, actor=worker.user)


def _company(
    name: str = "Éditions du Perron", vat_number: str = COOPERATIVE_VAT, country: str = "BE"
) -> ThirdPartyData:
    return ThirdPartyData(
        kind=ThirdPartyKind.COMPANY,
        name=name,
        street="Rue du Perron 12",
        postal_code="4000",
        city="Liège",
        country=country,
        language="fr",
        vat_number=vat_number,
    )


def _purchase_data(
    category: ExpenseCategory,
    *,
    reference: str = "F-2026-0142",
    amount: str = "121.00",
    vat: str = "21.00",
    payee: str = PurchasePayee.SUPPLIER,
    advanced_by: Member | None = None,
) -> PurchaseData:
    return PurchaseData(
        supplier_reference=reference,
        invoice_date=date(2026, 3, 5),
        due_date=date(2026, 4, 4),
        category=category,
        description="Papier aquarelle 300 g",
        amount=Decimal(amount),
        vat=Decimal(vat),
        payee=payee,
        advanced_by=advanced_by,
    )


def _submitted_purchase(
    activity: Activity,
    holder: Member,
    category: ExpenseCategory,
    *,
    reference: str = "F-2026-0142",
    payee: str = PurchasePayee.SUPPLIER,
    advanced_by: Member | None = None,
) -> Purchase:
    supplier = third_party_add(activity=activity, data=_company("Papeterie Lambermont"), actor=holder.user)
    return purchase_submit(
        activity=activity,
        supplier=supplier,
        data=_purchase_data(category, reference=reference, payee=payee, advanced_by=advanced_by),
        file=_receipt(name="facture.pdf"),
        actor=holder.user,
    )


# --- opening an Activity ----------------------------------------------------------------------


def test_an_excluded_trade_is_refused_with_its_reason_and_nothing_is_written(holder: Member) -> None:
    lawyer = Trade.objects.get(code="lawyer")
    activities, analytics = Activity.objects.count(), AnalyticAccount.objects.count()

    with translation.override("en"), pytest.raises(InvalidInput) as refused:
        activity_create(name="Cabinet Dubois", holder=holder, trades=[lawyer], actor=holder.user)

    assert list(refused.value.fields) == ["trades"]
    assert lawyer.reason_en in str(refused.value.fields["trades"][0])
    assert (Activity.objects.count(), AnalyticAccount.objects.count()) == (activities, analytics)


def test_a_trade_allowed_after_approval_waits_for_an_advisor_and_an_allowed_one_is_approved(
    holder: Member, musician: Trade
) -> None:
    caterer = Trade.objects.get(code="caterer")

    activity = activity_create(name="Concerts et buffets", holder=holder, trades=[musician, caterer], actor=holder.user)

    approvals = dict(activity.trade_links.values_list("trade__code", "approval"))
    assert approvals == {"musician": TradeApproval.APPROVED, "caterer": TradeApproval.PENDING}


def test_an_applicant_whose_shares_are_not_paid_cannot_hold_an_activity(make_member, musician: Trade) -> None:
    applicant: Member = make_member("Nora", "El Amrani")  # applied, no share paid yet

    with pytest.raises(InvalidInput) as refused:
        activity_create(name="Studio Nora", holder=applicant, trades=[musician], actor=applicant.user)

    assert "holder" in refused.value.fields
    assert not Activity.objects.exists()


def test_each_activity_gets_a_unique_code_that_is_its_analytic_code(make_activity: MakeActivity) -> None:
    first, second = make_activity("Studio Dubois"), make_activity("Atelier Dubois")

    for activity in (first, second):
        assert re.fullmatch(r"A\d{6}", activity.code)
        assert activity.analytic.code == activity.code
    assert first.code != second.code


def test_opening_an_activity_leaves_an_audit_entry_and_makes_its_holder_manager(
    make_activity: MakeActivity, holder: Member, musician: Trade
) -> None:
    activity = make_activity()

    event = trail_of(activity).get()
    assert (event.action, event.actor_id) == ("activity.created", holder.user_id)
    assert event.detail == {"holder": holder.number, "trades": [musician.code]}
    assert event.after["name"] == activity.name and event.after["office"] == activity.office_id
    assert ActivityHolder.objects.get(activity=activity).role == HolderRole.MANAGER


# --- holders ----------------------------------------------------------------------------------


def test_a_manager_adds_a_co_holder_who_cannot_add_holders_in_turn(
    make_activity: MakeActivity, holder: Member, admit: Callable[[str, str], Member]
) -> None:
    activity = make_activity()
    pieter, emma = admit("Pieter", "Janssens"), admit("Emma", "Walsh")

    activity_add_holder(activity=activity, member=pieter, role=HolderRole.HOLDER, actor=holder.user)
    with pytest.raises(PermissionDeniedError):
        activity_add_holder(activity=activity, member=emma, role=HolderRole.HOLDER, actor=pieter.user)

    assert set(activity.holders.values_list("member_id", flat=True)) == {holder.pk, pieter.pk}
    assert trail_of(activity).filter(action="activity.holder_added").count() == 1


def test_a_member_is_holder_of_an_activity_once(
    make_activity: MakeActivity, holder: Member, admit: Callable[[str, str], Member]
) -> None:
    activity = make_activity()
    pieter = admit("Pieter", "Janssens")
    activity_add_holder(activity=activity, member=pieter, role=HolderRole.HOLDER, actor=holder.user)

    with pytest.raises(InvalidInput) as refused:
        activity_add_holder(activity=activity, member=pieter, role=HolderRole.WORKER, actor=holder.user)

    assert "member" in refused.value.fields
    assert activity.holders.get(member=pieter).role == HolderRole.HOLDER


# --- status -----------------------------------------------------------------------------------


def _with_available(activity: Activity, holder: Member, advisor: User, meals: ExpenseCategory) -> str:
    activity_income_record(
        activity=activity, amount=Decimal("250.00"), source="subsidy", memo="Subside", received_on=DAY,
        key=f"test:{activity.pk}:close", actor=advisor,
    )  # fmt: skip
    return "250.00 EUR available, 0.00 EUR committed, 0.00 EUR incoming"


def _with_committed(activity: Activity, holder: Member, advisor: User, meals: ExpenseCategory) -> str:
    activity_income_record(
        activity=activity, amount=Decimal("100.00"), source="subsidy", memo="Subside", received_on=DAY,
        key=f"test:{activity.pk}:close", actor=advisor,
    )  # fmt: skip
    expense_claim_approve(claim=_submitted_claim(activity, holder, meals, "100.00"), actor=advisor)
    return "0.00 EUR available, 100.00 EUR committed, 0.00 EUR incoming"


def _with_incoming(activity: Activity, holder: Member, advisor: User, meals: ExpenseCategory) -> str:
    # An issued invoice not yet paid, as the invoicing app posts it (the Activity's part excl. VAT).
    ledger_post(
        key=f"test:{activity.pk}:invoice",
        date=DAY,
        memo="Facture 2026-0001",
        legs=[debit("400", Decimal("500.00"), activity.analytic), credit("700", Decimal("500.00"), activity.analytic)],
        actor=advisor,
    )
    return "0.00 EUR available, 0.00 EUR committed, 500.00 EUR incoming"


@pytest.mark.parametrize("money", [_with_available, _with_committed, _with_incoming])
def test_an_activity_with_money_available_committed_or_incoming_cannot_close(
    make_activity: MakeActivity,
    holder: Member,
    advisor: User,
    meals: ExpenseCategory,
    money: Callable[[Activity, Member, User, ExpenseCategory], str],
) -> None:
    activity = make_activity()
    figures = money(activity, holder, advisor, meals)

    with translation.override("en"), pytest.raises(ConflictError) as refused:
        activity_set_status(activity=activity, status=ActivityStatus.CLOSED, reason="Fin du projet", actor=advisor)

    assert figures in str(refused.value.message)
    activity.refresh_from_db()
    assert (activity.status, activity.closed_on) == (ActivityStatus.OPEN, None)


def test_an_activity_closes_once_everything_is_spent_and_paid_out(
    make_activity: MakeActivity, holder: Member, advisor: User, meals: ExpenseCategory
) -> None:
    activity = make_activity(funds=Decimal("100.00"))
    claim = _submitted_claim(activity, holder, meals, "100.00")
    expense_claim_approve(claim=claim, actor=advisor)
    expense_claim_reimburse(claim=claim, paid_on=date(2026, 3, 10), actor=advisor)

    activity_set_status(activity=activity, status=ActivityStatus.CLOSED, reason="Fin du projet", actor=advisor)

    activity.refresh_from_db()
    assert (activity.status, activity.closed_on) == (ActivityStatus.CLOSED, timezone.localdate())
    closed = trail_of(activity).get(action="activity.status_set")
    assert (closed.before["status"], closed.after["status"]) == ("open", "closed")
    assert closed.detail == {"reason": "Fin du projet"}


def test_a_suspended_activity_has_no_expense_approved_and_no_transfer(
    make_activity: MakeActivity, holder: Member, advisor: User, meals: ExpenseCategory
) -> None:
    activity, other = make_activity(funds=Decimal("500.00")), make_activity("Autre", funds=Decimal("500.00"))
    claim = _submitted_claim(activity, holder, meals, "40.00")
    waiting = activity_transfer_request(
        source=other, destination_code=activity.code, kind=TransferKind.SERVICE, amount=Decimal("50.00"),
        description="Mixage", actor=holder.user,
    )  # fmt: skip

    activity_set_status(activity=activity, status=ActivityStatus.SUSPENDED, reason="Contrôle", actor=advisor)

    with pytest.raises(ConflictError):
        expense_claim_approve(claim=claim, actor=advisor)
    with pytest.raises(ConflictError):
        activity_transfer_request(
            source=activity, destination_code=other.code, kind=TransferKind.SHARE, amount=Decimal("10.00"),
            description="Partage", actor=holder.user,
        )  # fmt: skip
    with pytest.raises(ConflictError):  # asked while it was open: the approval checks again
        activity_transfer_approve(transfer=waiting, actor=advisor)
    claim.refresh_from_db()
    waiting.refresh_from_db()
    assert (claim.status, waiting.status) == (ClaimStatus.SUBMITTED, TransferStatus.SUBMITTED)
    assert activity_books(activity=activity).available == Decimal("500.00")


# --- contribution rates -----------------------------------------------------------------------


def test_rates_fall_back_to_the_entity(make_activity: MakeActivity, cooperative: CooperativeEntity) -> None:
    activity = make_activity()

    assert contribution_rate(activity=activity, on="turnover") == cooperative.turnover_contribution_rate
    assert contribution_rate(activity=activity, on="employment") == cooperative.employment_contribution_rate


def test_only_staff_override_the_rates_and_the_change_is_recorded(
    make_activity: MakeActivity, holder: Member, advisor: User
) -> None:
    activity = make_activity()

    with pytest.raises(PermissionDeniedError):
        activity_set_rates(activity=activity, turnover_rate=Decimal(0), employment_rate=None, actor=holder.user)
    activity_set_rates(activity=activity, turnover_rate=Decimal("0.05"), employment_rate=None, actor=advisor)

    activity.refresh_from_db()
    assert activity.turnover_contribution_rate == Decimal("0.0500")
    assert contribution_rate(activity=activity, on="employment") == Decimal("0.0750")  # still the entity's
    event = trail_of(activity).get(action="activity.rates_set")
    assert (event.actor_id, event.before, event.after) == (
        advisor.pk,
        {"turnover_contribution_rate": None},
        {"turnover_contribution_rate": "0.05"},
    )


def test_contribution_on_turnover_is_charged_to_the_activity_once_per_key(
    make_activity: MakeActivity, advisor: User
) -> None:
    activity = make_activity(funds=Decimal("2000.00"))
    post = partial(
        contribution_post_turnover,
        activity=activity,
        turnover_excl_vat=Decimal("1000.00"),
        booked_on=DAY,
        key="invoice:1:contribution",
    )

    first, again = post(actor=advisor), post(actor=None)  # a retried task has no actor

    assert first is not None and again is not None and first.pk == again.pk
    # The Activity bears the charge; the cooperative's income carries no dimension.
    assert _legs(first) == [
        ("6190", Decimal("65.00"), Decimal("0"), activity.analytic_id),
        ("7490", Decimal("0"), Decimal("65.00"), None),
    ]
    assert activity_books(activity=activity).available == Decimal("1935.00")


def test_an_advisors_override_sets_the_contribution(make_activity: MakeActivity, advisor: User) -> None:
    activity = make_activity()
    activity_set_rates(activity=activity, turnover_rate=Decimal("0.05"), employment_rate=None, actor=advisor)

    posting = contribution_post_turnover(
        activity=activity, turnover_excl_vat=Decimal("1000.00"), booked_on=DAY, key="invoice:2:contribution", actor=None
    )

    assert posting is not None
    assert Leg.objects.get(transaction=posting, account__code="6190").debit == Decimal("50.00")


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        ("1.00", "0.07"),  # 0.065: half-up, where rounding to even would give 0.06
        ("0.10", "0.01"),  # 0.0065
        ("12.30", "0.80"),  # 0.7995
        ("999.99", "65.00"),  # 64.99935
        ("0.07", None),  # 0.00455 rounds to nothing: no posting at all
    ],
)
def test_the_contribution_is_rounded_half_up_to_the_cent(
    make_activity: MakeActivity, base: str, expected: str | None
) -> None:
    activity = make_activity()

    posting = contribution_post_turnover(
        activity=activity, turnover_excl_vat=Decimal(base), booked_on=DAY, key=f"rounding:{base}", actor=None
    )

    if expected is None:
        assert posting is None
        assert not Transaction.objects.filter(key=f"rounding:{base}").exists()
    else:
        assert posting is not None
        assert Leg.objects.get(transaction=posting, account__code="7490").credit == Decimal(expected)


def test_contribution_on_the_employment_budget_is_seven_and_a_half_percent(make_activity: MakeActivity) -> None:
    activity = make_activity()

    posting = contribution_post_employment(
        activity=activity,
        employment_budget=Decimal("2000.00"),
        booked_on=DAY,
        key="contract:1:contribution",
        actor=None,
    )

    assert posting is not None
    assert _legs(posting) == [
        ("6190", Decimal("150.00"), Decimal("0"), activity.analytic_id),
        ("7490", Decimal("0"), Decimal("150.00"), None),
    ]


# --- clients and suppliers --------------------------------------------------------------------


def test_a_belgian_company_gets_its_checked_vat_number_and_peppol_id(
    make_activity: MakeActivity, holder: Member
) -> None:
    activity = make_activity()

    client = third_party_add(activity=activity, data=_company(vat_number="be 0754.316.243"), actor=holder.user)

    assert (client.vat_number, client.enterprise_number, client.peppol_id) == (
        "BE0754316243",
        "0754316243",
        "0208:0754316243",
    )


def test_a_belgian_vat_number_with_a_wrong_check_digit_is_refused(make_activity: MakeActivity, holder: Member) -> None:
    activity = make_activity()

    with pytest.raises(InvalidInput) as refused:
        third_party_add(activity=activity, data=_company(vat_number="BE0754316244"), actor=holder.user)

    assert "vat_number" in refused.value.fields
    assert not ThirdParty.objects.exists()


def test_one_client_of_two_activities_is_one_record_linked_twice(make_activity: MakeActivity, holder: Member) -> None:
    first, second = make_activity("Studio"), make_activity("Atelier")

    a = third_party_add(activity=first, data=_company(), actor=holder.user)
    b = third_party_add(activity=second, data=_company(name="Perron (autre adresse)"), actor=holder.user)

    assert a.pk == b.pk and ThirdParty.objects.count() == 1
    assert ActivityThirdParty.objects.filter(third_party=a).count() == 2
    assert ThirdParty.objects.get().name == "Éditions du Perron"  # kept as first recorded


@pytest.mark.parametrize(
    ("country", "typed", "stored"),
    [
        ("FR", "FR 40 303 265 045", "FR40303265045"),
        ("FR", "23334175221", "FR23334175221"),
        ("NL", "NL004495445B01", "NL004495445B01"),
        ("NL", "4495445B01", "NL004495445B01"),
    ],
)
def test_french_and_dutch_vat_numbers_are_checked_by_their_own_rules(
    make_activity: MakeActivity, holder: Member, country: str, typed: str, stored: str
) -> None:
    activity = make_activity()

    client = third_party_add(activity=activity, data=_company(vat_number=typed, country=country), actor=holder.user)

    assert (client.vat_number, client.enterprise_number, client.peppol_id) == (stored, "", "")


@pytest.mark.parametrize(
    ("country", "typed"),
    [
        ("FR", "FR84323140391"),  # wrong key
        ("NL", "NL123456789B90"),  # wrong check digit
        ("BE", "FR40303265045"),  # a valid French number for a Belgian company
        ("FR", "BE0754316243"),  # and the reverse
    ],
)
def test_a_vat_number_invalid_for_the_chosen_country_is_refused(
    make_activity: MakeActivity, holder: Member, country: str, typed: str
) -> None:
    activity = make_activity()

    with pytest.raises(InvalidInput) as refused:
        third_party_add(activity=activity, data=_company(vat_number=typed, country=country), actor=holder.user)

    assert list(refused.value.fields) == ["vat_number"]
    assert not ThirdParty.objects.exists()


def test_a_private_person_has_no_vat_number(make_activity: MakeActivity, holder: Member) -> None:
    activity = make_activity()
    person = ThirdPartyData(
        kind=ThirdPartyKind.PERSON, name="Jeanne Martin", street="Rue Haute 4", postal_code="4000", city="Liège",
        country="BE", language="fr", vat_number=COOPERATIVE_VAT,
    )  # fmt: skip

    client = third_party_add(activity=activity, data=person, actor=holder.user)

    assert (client.vat_number, client.enterprise_number, client.peppol_id) == ("", "", "")


def test_a_member_sees_only_the_clients_of_their_own_activities(
    make_activity: MakeActivity, holder: Member, admit: Callable[[str, str], Member]
) -> None:
    pieter = admit("Pieter", "Janssens")
    mine, his = make_activity("Atelier"), make_activity("Geluidsstudio", holder=pieter)
    perron = third_party_add(activity=mine, data=_company(), actor=holder.user)
    noord = third_party_add(
        activity=his, data=_company("Studio Noord", vat_number="NL004495445B01", country="NL"), actor=pieter.user
    )

    assert list(third_parties_of(holder.user)) == [perron]
    assert list(third_parties_of(pieter.user)) == [noord]


# --- expense lines ----------------------------------------------------------------------------


@pytest.fixture
def draft(make_activity: MakeActivity, holder: Member) -> ExpenseClaim:
    return expense_claim_create(activity=make_activity(funds=Decimal("1000.00")), title="Mars", actor=holder.user)


def test_a_receipt_is_judged_by_its_content_not_its_name(
    draft: ExpenseClaim, holder: Member, supplies: ExpenseCategory, _media: Path
) -> None:
    with pytest.raises(InvalidInput) as refused:
        expense_line_add(claim=draft, data=_line(supplies), receipt=_receipt(EXE, "ticket.pdf"), actor=holder.user)
    assert list(refused.value.fields) == ["receipt"]
    assert not ExpenseLine.objects.exists()
    assert not list(_media.rglob("*.pdf"))  # the refused file was not stored either

    line = expense_line_add(claim=draft, data=_line(supplies), receipt=_receipt(PNG, "ticket.png"), actor=holder.user)
    assert str(line.receipt.name).endswith(".png")


def test_a_receipt_over_ten_megabytes_is_refused(
    draft: ExpenseClaim, holder: Member, supplies: ExpenseCategory
) -> None:
    receipt = _receipt()
    receipt.size = 10 * 1024 * 1024 + 1

    with pytest.raises(InvalidInput) as refused:
        expense_line_add(claim=draft, data=_line(supplies), receipt=receipt, actor=holder.user)

    assert list(refused.value.fields) == ["receipt"]


@pytest.mark.parametrize(
    ("amount", "vat", "spent_on", "field"),
    [
        ("12.10", "12.10", date(2026, 3, 3), "vat"),  # VAT is part of the amount
        ("12.10", "15.00", date(2026, 3, 3), "vat"),
        ("12.345", "0", date(2026, 3, 3), "amount"),  # a fraction of a cent
        ("0", "0", date(2026, 3, 3), "amount"),
        ("12.10", "2.10", None, "spent_on"),  # tomorrow
    ],
)
def test_an_expense_line_with_impossible_figures_is_refused_on_its_field(
    draft: ExpenseClaim,
    holder: Member,
    supplies: ExpenseCategory,
    amount: str,
    vat: str,
    spent_on: date | None,
    field: str,
) -> None:
    day = spent_on or timezone.localdate() + timedelta(days=1)

    with pytest.raises(InvalidInput) as refused:
        expense_line_add(claim=draft, data=_line(supplies, amount, vat, day), receipt=_receipt(), actor=holder.user)

    assert list(refused.value.fields) == [field]
    assert not ExpenseLine.objects.exists()


def test_a_line_without_receipt_is_refused_unless_it_is_a_trip(
    draft: ExpenseClaim, holder: Member, supplies: ExpenseCategory, mileage_rate: MileageRate
) -> None:
    with pytest.raises(InvalidInput) as refused:
        expense_line_add(claim=draft, data=_line(supplies), receipt=None, actor=holder.user)
    assert list(refused.value.fields) == ["receipt"]

    trip = ExpenseLineData(
        spent_on=date(2026, 3, 3), category=ExpenseCategory.objects.get(code="mileage"), description="Liège-Namur",
        kilometres=Decimal("130"),
    )  # fmt: skip
    assert expense_line_add(claim=draft, data=trip, receipt=None, actor=holder.user).amount == Decimal("57.84")


def test_a_trip_is_paid_at_the_rate_of_its_date(
    draft: ExpenseClaim, holder: Member, mileage_rate: MileageRate, cooperative: CooperativeEntity
) -> None:
    MileageRate.objects.create(entity=cooperative, valid_from=date(2026, 7, 1), rate=Decimal("0.4567"))
    mileage = ExpenseCategory.objects.get(code="mileage")

    def trip(on: date) -> ExpenseLine:
        data = ExpenseLineData(spent_on=on, category=mileage, description="Liège-Bruxelles", kilometres=Decimal("120"))
        return expense_line_add(claim=draft, data=data, receipt=None, actor=holder.user)

    spring, summer = trip(date(2026, 6, 30)), trip(date(2026, 7, 1))

    assert (spring.rate, spring.amount, spring.vat) == (Decimal("0.4449"), Decimal("53.39"), Decimal("0"))  # 53.388
    assert (summer.rate, summer.amount) == (Decimal("0.4567"), Decimal("54.80"))  # 54.804


def test_only_the_worker_edits_their_draft(
    draft: ExpenseClaim, holder: Member, admit: Callable[[str, str], Member], supplies: ExpenseCategory
) -> None:
    pieter = admit("Pieter", "Janssens")
    activity_add_holder(activity=draft.activity, member=pieter, role=HolderRole.HOLDER, actor=holder.user)
    line = expense_line_add(claim=draft, data=_line(supplies), receipt=_receipt(), actor=holder.user)

    with pytest.raises(NotFoundError):
        expense_line_add(claim=draft, data=_line(supplies), receipt=_receipt(), actor=pieter.user)
    with pytest.raises(NotFoundError):
        expense_line_remove(line=line, actor=pieter.user)
    with pytest.raises(NotFoundError):
        expense_claim_submit(claim=draft, actor=pieter.user)

    assert list(draft.lines.all()) == [line]


def test_a_submitted_claim_no_longer_changes(draft: ExpenseClaim, holder: Member, supplies: ExpenseCategory) -> None:
    line = expense_line_add(claim=draft, data=_line(supplies), receipt=_receipt(), actor=holder.user)
    expense_claim_submit(claim=draft, actor=holder.user)

    with pytest.raises(ConflictError):
        expense_line_add(claim=draft, data=_line(supplies), receipt=_receipt(), actor=holder.user)
    with pytest.raises(ConflictError):
        expense_line_remove(line=ExpenseLine.objects.get(pk=line.pk), actor=holder.user)

    assert list(draft.lines.all()) == [line]


def test_a_claim_read_before_it_was_submitted_cannot_get_a_line_after(
    draft: ExpenseClaim, holder: Member, advisor: User, supplies: ExpenseCategory
) -> None:
    """The worker's second tab still shows the draft while the first submits it and it is approved."""
    expense_line_add(claim=draft, data=_line(supplies), receipt=_receipt(), actor=holder.user)
    stale = ExpenseClaim.objects.get(pk=draft.pk)
    expense_claim_submit(claim=draft, actor=holder.user)
    expense_claim_approve(claim=draft, actor=advisor)

    with pytest.raises(ConflictError):
        expense_line_add(claim=stale, data=_line(supplies, "500.00", "0"), receipt=_receipt(), actor=holder.user)

    # Otherwise the reimbursement would pay lines the advisor never approved.
    posting = expense_claim_reimburse(claim=draft, paid_on=date(2026, 3, 10), actor=advisor)
    assert sum(leg.credit for leg in posting.legs.all()) == Decimal("12.10")


def test_a_claim_without_expenses_cannot_be_submitted(draft: ExpenseClaim, holder: Member) -> None:
    with pytest.raises(InvalidInput):
        expense_claim_submit(claim=draft, actor=holder.user)

    draft.refresh_from_db()
    assert draft.status == ClaimStatus.DRAFT


# --- expense claims: what the Activity bears --------------------------------------------------


def test_recoverable_vat_is_booked_apart_and_meals_are_charged_in_full(
    make_activity: MakeActivity, holder: Member, advisor: User, supplies: ExpenseCategory, meals: ExpenseCategory
) -> None:
    activity = make_activity(funds=Decimal("1000.00"))
    claim = expense_claim_create(activity=activity, title="Salon de Namur", actor=holder.user)
    for category, amount, vat in (
        (supplies, "121.00", "21.00"),
        (meals, "60.50", "10.50"),
        (supplies, "24.20", "4.20"),
    ):
        expense_line_add(claim=claim, data=_line(category, amount, vat), receipt=_receipt(), actor=holder.user)
    expense_claim_submit(claim=claim, actor=holder.user)

    posting = expense_claim_approve(claim=claim, actor=advisor)

    a = activity.analytic_id
    assert _legs(posting) == [
        ("411", Decimal("25.20"), Decimal("0"), None),  # the State's business: no dimension
        ("489", Decimal("0"), Decimal("25.20"), None),
        ("489", Decimal("0"), Decimal("180.50"), a),  # owed to the worker, on the Activity's books
        ("6120", Decimal("120.00"), Decimal("0"), a),  # supplies without their VAT, merged into one leg
        ("6170", Decimal("60.50"), Decimal("0"), a),  # restaurant VAT is not deductible
    ]
    books = activity_books(activity=activity)
    assert (books.available, books.committed) == (Decimal("819.50"), Decimal("180.50"))


# --- purchases --------------------------------------------------------------------------------


def test_a_purchase_paid_to_the_supplier_is_owed_on_440_until_paid(
    make_activity: MakeActivity, holder: Member, advisor: User, supplies: ExpenseCategory
) -> None:
    activity = make_activity(funds=Decimal("500.00"))
    purchase = _submitted_purchase(activity, holder, supplies)
    a = activity.analytic_id

    approval = purchase_approve(purchase=purchase, actor=advisor)
    assert _legs(approval) == [
        ("411", Decimal("21.00"), Decimal("0"), None),
        ("440", Decimal("0"), Decimal("21.00"), None),
        ("440", Decimal("0"), Decimal("100.00"), a),
        ("6120", Decimal("100.00"), Decimal("0"), a),
    ]
    assert activity_books(activity=activity) == ActivityBooks(
        available=Decimal("400.00"), committed=Decimal("100.00"), incoming=Decimal("0")
    )

    first = purchase_pay(purchase=purchase, paid_on=date(2026, 3, 20), actor=advisor)
    again = purchase_pay(purchase=purchase, paid_on=date(2026, 3, 20), actor=advisor)

    assert first.pk == again.pk
    assert Transaction.objects.filter(key=f"purchase:{purchase.pk}:pay").count() == 1
    assert _legs(first) == [
        ("440", Decimal("21.00"), Decimal("0"), None),
        ("440", Decimal("100.00"), Decimal("0"), a),
        ("550", Decimal("0"), Decimal("21.00"), None),
        ("550", Decimal("0"), Decimal("100.00"), a),
    ]
    books = activity_books(activity=activity)
    assert (books.available, books.committed) == (Decimal("400.00"), Decimal("0"))
    purchase.refresh_from_db()
    assert (purchase.status, purchase.paid_on) == (PurchaseStatus.PAID, date(2026, 3, 20))


def test_a_purchase_a_holder_advanced_is_owed_to_them_on_489(
    make_activity: MakeActivity, holder: Member, advisor: User, supplies: ExpenseCategory
) -> None:
    activity = make_activity(funds=Decimal("500.00"))
    purchase = _submitted_purchase(activity, holder, supplies, payee=PurchasePayee.MEMBER, advanced_by=holder)

    approval = purchase_approve(purchase=purchase, actor=advisor)
    payment = purchase_pay(purchase=purchase, paid_on=date(2026, 3, 20), actor=advisor)

    assert {code for code, *_ in _legs(approval)} == {"411", "489", "6120"}
    assert {code for code, *_ in _legs(payment)} == {"489", "550"}


def test_only_a_holder_can_have_advanced_a_purchase(
    make_activity: MakeActivity, holder: Member, admit: Callable[[str, str], Member], supplies: ExpenseCategory
) -> None:
    activity, stranger = make_activity(), admit("Pieter", "Janssens")

    with pytest.raises(InvalidInput) as refused:
        _submitted_purchase(activity, holder, supplies, payee=PurchasePayee.MEMBER, advanced_by=stranger)

    assert list(refused.value.fields) == ["advanced_by"]
    assert not Purchase.objects.exists()


def test_a_suppliers_invoice_is_recorded_once(
    make_activity: MakeActivity, holder: Member, supplies: ExpenseCategory
) -> None:
    activity = make_activity()
    _submitted_purchase(activity, holder, supplies)

    with pytest.raises(InvalidInput) as refused:
        _submitted_purchase(activity, holder, supplies, reference=" F-2026-0142 ")

    assert list(refused.value.fields) == ["supplier_reference"]
    assert Purchase.objects.count() == 1


def test_a_purchase_beyond_the_available_balance_is_refused_and_nothing_is_posted(
    make_activity: MakeActivity, holder: Member, advisor: User, supplies: ExpenseCategory
) -> None:
    activity = make_activity(funds=Decimal("99.99"))
    purchase = _submitted_purchase(activity, holder, supplies)  # charges 100.00 once its VAT is recovered
    transactions = Transaction.objects.count()

    with pytest.raises(InsufficientFunds):
        purchase_approve(purchase=purchase, actor=advisor)

    assert Transaction.objects.count() == transactions
    purchase.refresh_from_db()
    assert purchase.status == PurchaseStatus.SUBMITTED
    assert activity_books(activity=activity).available == Decimal("99.99")


def test_a_purchase_not_approved_cannot_be_paid(
    make_activity: MakeActivity, holder: Member, advisor: User, supplies: ExpenseCategory
) -> None:
    purchase = _submitted_purchase(make_activity(funds=Decimal("500.00")), holder, supplies)

    with pytest.raises(ConflictError):
        purchase_pay(purchase=purchase, paid_on=date(2026, 3, 20), actor=advisor)

    assert not Transaction.objects.filter(key__startswith=f"purchase:{purchase.pk}:").exists()


# --- transfers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "amount", "field"),
    [
        ("A999999", "10.00", "destination_code"),  # no such Activity
        (None, "10.00", "destination_code"),  # itself
        ("", "0", "amount"),
        ("", "-5.00", "amount"),
        ("", "10.001", "amount"),
        ("", "600.00", "amount"),  # more than it has
    ],
)
def test_a_transfer_request_names_another_open_activity_and_a_positive_amount(
    make_activity: MakeActivity, holder: Member, code: str | None, amount: str, field: str
) -> None:
    source, destination = make_activity(funds=Decimal("500.00")), make_activity("Geluidsstudio")
    destination_code = source.code if code is None else (code or destination.code)

    with pytest.raises(InvalidInput) as refused:
        activity_transfer_request(
            source=source, destination_code=destination_code, kind=TransferKind.SERVICE, amount=Decimal(amount),
            description="Mixage", actor=holder.user,
        )  # fmt: skip

    assert list(refused.value.fields) == [field]
    assert not ActivityTransfer.objects.exists()


@pytest.mark.parametrize(
    ("kind", "charge", "income"), [(TransferKind.SERVICE, "6180", "7480"), (TransferKind.SHARE, "6181", "7481")]
)
def test_an_approved_transfer_moves_the_money_in_one_posting_both_activities_see(
    make_activity: MakeActivity, holder: Member, advisor: User, kind: str, charge: str, income: str
) -> None:
    source, destination = make_activity(funds=Decimal("500.00")), make_activity("Geluidsstudio", funds=Decimal("20.00"))
    transfer = activity_transfer_request(
        source=source, destination_code=destination.code.lower(), kind=kind, amount=Decimal("175.50"),
        description="Mixage de la bande-son", actor=holder.user,
    )  # fmt: skip

    posting = activity_transfer_approve(transfer=transfer, actor=advisor)
    again = activity_transfer_approve(transfer=transfer, actor=advisor)

    assert posting.pk == again.pk
    assert _legs(posting) == [
        (charge, Decimal("175.50"), Decimal("0"), source.analytic_id),
        (income, Decimal("0"), Decimal("175.50"), destination.analytic_id),
    ]
    assert activity_movements(activity=source)[0].transaction_id == posting.pk
    assert activity_movements(activity=destination)[0].transaction_id == posting.pk
    assert activity_movements(activity=source)[0].available == Decimal("-175.50")
    assert activity_movements(activity=destination)[0].available == Decimal("175.50")
    assert activity_books(activity=source).available == Decimal("324.50")
    assert activity_books(activity=destination).available == Decimal("195.50")
    transfer.refresh_from_db()
    assert (transfer.status, transfer.decided_by_id) == (TransferStatus.APPROVED, advisor.pk)


def test_a_rejected_transfer_says_why_and_moves_nothing(
    make_activity: MakeActivity, holder: Member, advisor: User
) -> None:
    source, destination = make_activity(funds=Decimal("500.00")), make_activity("Geluidsstudio")
    transfer = activity_transfer_request(
        source=source, destination_code=destination.code, kind=TransferKind.SHARE, amount=Decimal("50.00"),
        description="Partage", actor=holder.user,
    )  # fmt: skip

    with pytest.raises(InvalidInput) as refused:
        activity_transfer_reject(transfer=transfer, reason="  ", actor=advisor)
    assert list(refused.value.fields) == ["reason"]
    activity_transfer_reject(transfer=transfer, reason="Pas de collaboration prévue", actor=advisor)

    transfer.refresh_from_db()
    assert (transfer.status, transfer.reason) == (TransferStatus.REJECTED, "Pas de collaboration prévue")
    with pytest.raises(ConflictError):
        activity_transfer_approve(transfer=transfer, actor=advisor)
    assert activity_books(activity=destination).available == Decimal("0")


# --- money in ---------------------------------------------------------------------------------


def test_income_received_is_posted_once_on_the_activitys_books(make_activity: MakeActivity, advisor: User) -> None:
    activity = make_activity()
    record = partial(
        activity_income_record,
        activity=activity, amount=Decimal("4500.00"), source="subsidy", memo="Fédération Wallonie-Bruxelles",
        received_on=date(2026, 2, 16), key="subsidy:fwb:2026", actor=advisor,
    )  # fmt: skip

    first, again = record(), record()

    assert first.pk == again.pk
    assert _legs(first) == [
        ("550", Decimal("4500.00"), Decimal("0"), activity.analytic_id),
        ("740", Decimal("0"), Decimal("4500.00"), activity.analytic_id),
    ]
    assert activity_books(activity=activity).available == Decimal("4500.00")


# --- the demo ---------------------------------------------------------------------------------


def _demo_figures() -> dict[str, object]:
    activities = list(Activity.objects.order_by("code"))
    return {
        "books": {a.name: activity_books(activity=a) for a in activities},
        "movements": {a.name: len(activity_movements(activity=a, limit=1000)) for a in activities},
        "rows": [
            model.objects.count()
            for model in (
                Activity,
                AuditEntry,
                ActivityHolder,
                ThirdParty,
                ActivityThirdParty,
                ExpenseClaim,
                ExpenseLine,
                Purchase,
                ActivityTransfer,
                Transaction,
                Leg,
            )
        ],
        "statuses": sorted(
            [f"claim {s}" for s in ExpenseClaim.objects.values_list("status", flat=True)]
            + [f"purchase {s}" for s in Purchase.objects.values_list("status", flat=True)]
            + [f"transfer {s}" for s in ActivityTransfer.objects.values_list("status", flat=True)]
        ),
    }


def test_the_demo_activities_are_seeded_once_with_a_years_worth_of_movements() -> None:
    from activities.demo import ATELIER
    from smartcoop.demo import seed_all

    demo = seed_all()
    first = _demo_figures()
    seed_all()

    assert _demo_figures() == first
    amelie, pieter, emma = (
        Activity.objects.get(holders__member__user=demo.users[key], holders__role=HolderRole.MANAGER)
        for key in ("member_fr", "member_nl", "member_en")
    )
    assert amelie.name == ATELIER
    assert pieter.name == "Geluidsstudio Janssens"
    movements = first["movements"]
    assert isinstance(movements, dict)
    assert 50 <= sum(movements.values()) <= 120  # the invoicing demo adds its issues, payments and contributions
    statuses = first["statuses"]
    assert isinstance(statuses, list)
    for waiting in (
        "claim submitted",
        "claim reimbursed",
        "purchase submitted",
        "transfer submitted",
        "transfer approved",
    ):
        assert waiting in statuses
    assert emma.trade_links.filter(approval=TradeApproval.PENDING).exists()
    assert {a.name: activity_books(activity=a).available >= 0 for a in (amelie, pieter, emma)} == {
        a.name: True for a in (amelie, pieter, emma)
    }
    # The booking dates spread over the year, so the balance chart has a shape, never below zero.
    months = {leg.booking_date.month for leg in Leg.objects.filter(analytic__activity__isnull=False)}
    assert len(months) >= 8
    for activity in (amelie, pieter, emma):
        assert min(balance for _, balance in activity_balance_series(activity=activity)) >= 0, activity.name
    assert ledger_problems() == []
    out = StringIO()
    call_command("activities_reconcile", stdout=out)
    assert "3 Activities" in out.getvalue()


# --- dates of payments, duplicates and kinds ----------------------------------------------------


def test_a_payment_cannot_be_recorded_at_a_future_date(
    make_activity: MakeActivity, holder: Member, advisor: User, supplies: ExpenseCategory, meals: ExpenseCategory
) -> None:
    activity = make_activity(funds=Decimal("1000.00"))
    purchase = _submitted_purchase(activity, holder, supplies)
    purchase_approve(purchase=purchase, actor=advisor)
    claim = _submitted_claim(activity, holder, meals, "40.00")
    expense_claim_approve(claim=claim, actor=advisor)
    tomorrow = timezone.localdate() + timedelta(days=1)
    postings = Transaction.objects.count()

    with pytest.raises(InvalidInput) as refused:
        purchase_pay(purchase=purchase, paid_on=tomorrow, actor=advisor)
    assert set(refused.value.fields) == {"paid_on"}
    with pytest.raises(InvalidInput) as refused:
        expense_claim_reimburse(claim=claim, paid_on=tomorrow, actor=advisor)
    assert set(refused.value.fields) == {"paid_on"}
    assert Transaction.objects.count() == postings


def test_a_client_is_a_person_or_a_company(make_activity: MakeActivity, holder: Member) -> None:
    activity = make_activity()
    data = replace(_company(), kind="robot")
    with pytest.raises(InvalidInput) as refused:
        third_party_add(activity=activity, data=data, actor=holder.user)
    assert set(refused.value.fields) == {"kind"}
    assert not ThirdParty.objects.exists()


def test_staff_open_an_activity_only_for_a_member_of_their_office(
    holder: Member, advisor: User, make_staff, musician: Trade
) -> None:
    elsewhere = make_staff("mons@smartcoop.be", office=Office.objects.create(code="mons", name="Mons", city="Mons"))
    with pytest.raises(PermissionDeniedError):
        activity_create(name="Pour autrui", holder=holder, trades=[musician], actor=elsewhere)
    assert not Activity.objects.exists()

    activity = activity_create(name="Pour Amélie", holder=holder, trades=[musician], actor=advisor)
    assert activity.holders.get().member == holder
