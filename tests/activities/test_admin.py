"""Advisors act on the Activities of their office in the admin, only through the services."""

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from activities.models import (
    Activity,
    ActivityStatus,
    ActivityTrade,
    ActivityTransfer,
    ClaimStatus,
    ExpenseCategory,
    ExpenseClaim,
    Purchase,
    PurchasePayee,
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
    activity_add_trade,
    activity_transfer_request,
    expense_claim_create,
    expense_claim_submit,
    expense_line_add,
    purchase_submit,
    third_party_add,
)
from members.models import Member, Office, Role, User
from members.services import shares_issue
from smartcoop.audit.selectors import trail_of
from tests.activities.conftest import DAY, MakeActivity

ACTIVITIES = "/admin/activities/activity/"
CLAIMS = "/admin/activities/expenseclaim/"
PURCHASES = "/admin/activities/purchase/"
TRANSFERS = "/admin/activities/activitytransfer/"
THIRD_PARTIES = "/admin/activities/thirdparty/"
TRADES = "/admin/activities/trade/"
PDF = b"%PDF-1.4\n% receipt\n"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path  # receipts and invoices written by the tests stay out of .data/


@pytest.fixture
def advisor_client(client: Client, advisor: User) -> Client:
    client.force_login(advisor)
    return client


@pytest.fixture
def brussels(db: None) -> Office:
    return Office.objects.create(code="bruxelles", name="Bruxelles", city="Bruxelles")


@pytest.fixture
def brussels_activity(make_member, make_activity: MakeActivity, brussels: Office, advisor: User) -> Activity:
    member: Member = make_member("Bruno", "Bruxellois", office=brussels)
    shares_issue(member=member, quantity=1, on=DAY, key=f"test:{member.pk}:share", actor=advisor)
    member.refresh_from_db()
    return make_activity("Atelier bruxellois", holder=member)


def _receipt() -> SimpleUploadedFile:
    return SimpleUploadedFile("ticket.pdf", PDF, content_type="application/pdf")


def submitted_claim(activity: Activity, member: Member, category: ExpenseCategory, amount: str) -> ExpenseClaim:
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


def supplier_of(activity: Activity, member: Member) -> ThirdParty:
    data = ThirdPartyData(
        kind="company",
        name="Lutherie Meuse",
        street="Quai de la Batte 3",
        postal_code="4000",
        city="Liège",
        country="BE",
        language="fr",
        vat_number="BE 0754.316.243",
    )
    return third_party_add(activity=activity, data=data, actor=member.user)


def submitted_purchase(activity: Activity, member: Member, category: ExpenseCategory, reference: str) -> Purchase:
    data = PurchaseData(
        supplier_reference=reference,
        invoice_date=date(2026, 3, 3),
        due_date=date(2026, 4, 2),
        category=category,
        description="Réparation d'un violon",
        amount=Decimal("60.50"),
        vat=Decimal("10.50"),
        payee=PurchasePayee.SUPPLIER,
    )
    supplier = supplier_of(activity, member)
    return purchase_submit(activity=activity, supplier=supplier, data=data, file=_receipt(), actor=member.user)


def listed(response: Any) -> set[int]:
    assert response.status_code == 200
    return {row.pk for row in response.context["cl"].result_list}


def said(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def not_nested(html: str, form_id: str) -> bool:
    """True when the form stands outside every other form (browsers drop a nested <form>)."""
    start = html.index(f'<form id="{form_id}"')
    before = html[:start]
    return before.count("<form") == before.count("</form>")


# --- who sees what ------------------------------------------------------------------------------


def test_advisor_does_not_see_the_activities_of_another_office(
    advisor_client: Client, make_activity: MakeActivity, brussels_activity: Activity
) -> None:
    mine = make_activity()
    assert listed(advisor_client.get(ACTIVITIES)) == {mine.pk}
    assert listed(advisor_client.get(ACTIVITIES, {"q": brussels_activity.code})) == set()

    theirs = advisor_client.get(f"{ACTIVITIES}{brussels_activity.pk}/change/")
    missing = advisor_client.get(f"{ACTIVITIES}999999/change/")
    assert theirs.status_code in {302, 404}
    assert (theirs.status_code, theirs.get("Location")) == (missing.status_code, missing.get("Location"))
    # Nor can a decision be posted on it.
    posted = advisor_client.post(
        f"{ACTIVITIES}{brussels_activity.pk}/status/", {"status-status": "suspended", "status-reason": "x"}
    )
    assert posted.status_code == 404
    brussels_activity.refresh_from_db()
    assert brussels_activity.status == ActivityStatus.OPEN


def test_queues_hold_only_the_advisors_office(
    advisor_client: Client,
    make_activity: MakeActivity,
    brussels_activity: Activity,
    holder: Member,
    supplies: ExpenseCategory,
) -> None:
    mine = submitted_claim(make_activity(), holder, supplies, "20.00")
    bruno = brussels_activity.holders.get().member
    theirs = submitted_claim(brussels_activity, bruno, supplies, "20.00")

    assert listed(advisor_client.get(CLAIMS)) == {mine.pk}
    assert advisor_client.get(f"{CLAIMS}{theirs.pk}/change/").status_code in {302, 404}
    advisor_client.post(CLAIMS, {"action": "approve_selected", "confirmed": "yes", "_selected_action": [theirs.pk]})
    advisor_client.post(f"{CLAIMS}{theirs.pk}/decide/", {"decision": "approve"})
    theirs.refresh_from_db()
    assert theirs.status == ClaimStatus.SUBMITTED


def test_who_sees_every_office_lists_both(
    client: Client, make_staff, make_activity: MakeActivity, brussels_activity: Activity
) -> None:
    mine = make_activity()
    client.force_login(make_staff("compta@smartcoop.be", role=Role.ACCOUNTANT))
    assert listed(client.get(ACTIVITIES)) == {mine.pk, brussels_activity.pk}
    page = client.get(f"{ACTIVITIES}{brussels_activity.pk}/change/").content.decode()
    # Accountants read; they neither save the page nor change rates or status.
    assert 'name="_save"' not in page and 'id="rates-form"' not in page


# --- the Activity's page -------------------------------------------------------------------------


def test_activity_list_counts_holders_and_searches_code_name_and_member_number(
    advisor_client: Client, make_activity: MakeActivity, make_member, holder: Member
) -> None:
    studio = make_activity("Studio Dubois")
    other_holder: Member = make_member("Marc", "Peeters")
    shares_issue(member=other_holder, quantity=1, on=DAY, key="marc:share", actor=studio.created_by)
    other_holder.refresh_from_db()
    bakery = make_activity("Boulangerie du coin", holder=other_holder)

    response = advisor_client.get(ACTIVITIES)
    counts = {row.pk: row.holder_count for row in response.context["cl"].result_list}
    assert counts == {studio.pk: 1, bakery.pk: 1}
    assert listed(advisor_client.get(ACTIVITIES, {"q": studio.code})) == {studio.pk}
    assert listed(advisor_client.get(ACTIVITIES, {"q": "boulangerie"})) == {bakery.pk}
    assert listed(advisor_client.get(ACTIVITIES, {"q": str(holder.number)})) == {studio.pk}
    assert listed(advisor_client.get(ACTIVITIES, {"status__exact": "open"})) == {studio.pk, bakery.pk}


def test_activity_page_shows_the_three_figures_and_the_latest_movements(
    advisor_client: Client, make_activity: MakeActivity, holder: Member, advisor: User, supplies: ExpenseCategory
) -> None:
    activity = make_activity(funds=Decimal("1000.00"))
    submitted_claim(activity, holder, supplies, "120.00")
    advisor_client.post(
        CLAIMS,
        {
            "action": "approve_selected",
            "confirmed": "yes",
            "_selected_action": list(ExpenseClaim.objects.values_list("pk", flat=True)),
        },
    )

    response = advisor_client.get(f"{ACTIVITIES}{activity.pk}/change/")
    assert response.status_code == 200
    books = response.context["books"]
    assert (books.available, books.committed, books.incoming) == (Decimal("880.00"), Decimal("120.00"), Decimal("0"))
    assert len(response.context["movements"]) == 2
    html = response.content.decode()
    assert "880,00" in html and "Subside de la Fédération" in html
    for form_id in ["rates-form", "status-form", "income-form", "trade-form"]:
        assert not_nested(html, form_id), form_id
    assert 'name="_save"' not in html, "the page itself changes nothing: the forms below it call services"
    assert advisor_client.post(f"{ACTIVITIES}{activity.pk}/change/", {"name": "Renamed"}).status_code == 403
    assert advisor_client.get(f"{ACTIVITIES}add/").status_code == 403


def test_rate_override_typed_as_a_percentage_leaves_an_audit_entry(
    advisor_client: Client, make_activity: MakeActivity, advisor: User
) -> None:
    activity = make_activity()
    url = f"{ACTIVITIES}{activity.pk}/rates/"

    response = advisor_client.post(url, {"rates-turnover_rate": "5,5", "rates-employment_rate": ""}, follow=True)

    assert len(said(response)) == 1
    activity.refresh_from_db()
    assert (activity.turnover_contribution_rate, activity.employment_contribution_rate) == (Decimal("0.0550"), None)
    event = trail_of(activity).get(action="activity.rates_set")
    assert event.actor == advisor and event.before == {"turnover_contribution_rate": None}
    assert Decimal(event.after["turnover_contribution_rate"]) == Decimal("0.055")

    # A fraction typed by mistake is refused, not read as 0.065 %; nothing changes.
    for typed in ["0,065", "60", "six"]:
        response = advisor_client.post(url, {"rates-turnover_rate": typed, "rates-employment_rate": ""}, follow=True)
        assert len(said(response)) == 1, typed
    activity.refresh_from_db()
    assert activity.turnover_contribution_rate == Decimal("0.0550")
    assert trail_of(activity).filter(action="activity.rates_set").count() == 1


def test_closing_is_refused_while_money_remains_and_suspending_needs_a_reason(
    advisor_client: Client, make_activity: MakeActivity
) -> None:
    activity = make_activity(funds=Decimal("25.00"))
    url = f"{ACTIVITIES}{activity.pk}/status/"

    response = advisor_client.post(url, {"status-status": "closed", "status-reason": "Projet terminé"}, follow=True)
    (message,) = said(response)
    assert "25,00" in message or "25.00" in message
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.OPEN

    advisor_client.post(url, {"status-status": "suspended", "status-reason": ""})
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.OPEN

    advisor_client.post(url, {"status-status": "suspended", "status-reason": "Contrôle des comptes"})
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.SUSPENDED
    assert trail_of(activity).get(action="activity.status_set").detail["reason"] == "Contrôle des comptes"


def test_money_received_outside_invoices_is_recorded_once_per_form(
    advisor_client: Client, make_activity: MakeActivity
) -> None:
    activity = make_activity()
    form = {
        "income-amount": "1 250,50",
        "income-source": "subsidy",
        "income-memo": "Subside communal",
        "income-received_on": DAY.isoformat(),
        "income-form_token": "token-1",
    }
    url = f"{ACTIVITIES}{activity.pk}/income/"
    advisor_client.post(url, form)
    advisor_client.post(url, form)  # the same form sent twice
    assert activity_books(activity=activity).available == Decimal("1250.50")

    future = {
        **form,
        "income-form_token": "token-2",
        "income-received_on": (timezone.localdate() + timedelta(days=3)).isoformat(),
    }
    response = advisor_client.post(url, future, follow=True)
    assert said(response) and activity_books(activity=activity).available == Decimal("1250.50")


def test_pending_trade_is_approved_or_refused_with_a_reason(
    advisor_client: Client, make_activity: MakeActivity, holder: Member
) -> None:
    activity = make_activity()
    trades = Trade.objects.filter(admission=TradeAdmission.ON_APPROVAL)[:2]
    first, second = (activity_add_trade(activity=activity, trade=t, actor=holder.user) for t in trades)
    assert first.approval == second.approval == TradeApproval.PENDING
    page = advisor_client.get(f"{ACTIVITIES}{activity.pk}/change/").content.decode()
    assert f'value="approve:{first.pk}"' in page
    url = f"{ACTIVITIES}{activity.pk}/trade/"

    advisor_client.post(url, {"decision": f"approve:{first.pk}"}, follow=True)
    response = advisor_client.post(url, {"decision": f"refuse:{second.pk}", f"reason-{second.pk}": ""}, follow=True)
    assert len(said(response)) == 1
    assert ActivityTrade.objects.get(pk=second.pk).approval == TradeApproval.PENDING
    advisor_client.post(url, {"decision": f"refuse:{second.pk}", f"reason-{second.pk}": "Pas d'assurance"})

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.approval, second.approval, second.reason) == (
        TradeApproval.APPROVED,
        TradeApproval.REFUSED,
        "Pas d'assurance",
    )


def test_trade_of_another_activity_cannot_be_decided_through_this_one(
    advisor_client: Client, make_activity: MakeActivity, holder: Member
) -> None:
    one, other = make_activity("Un"), make_activity("Deux")
    trade = Trade.objects.filter(admission=TradeAdmission.ON_APPROVAL).first()
    assert trade is not None
    link = activity_add_trade(activity=other, trade=trade, actor=holder.user)
    assert advisor_client.post(f"{ACTIVITIES}{one.pk}/trade/", {"decision": f"approve:{link.pk}"}).status_code == 403
    assert ActivityTrade.objects.get(pk=link.pk).approval == TradeApproval.PENDING


# --- the approval queues -------------------------------------------------------------------------


def test_approve_action_within_the_balance_charges_the_activity(
    advisor_client: Client, make_activity: MakeActivity, holder: Member, supplies: ExpenseCategory
) -> None:
    activity = make_activity(funds=Decimal("100.00"))
    claim = submitted_claim(activity, holder, supplies, "40.00")

    response = advisor_client.post(
        CLAIMS, {"action": "approve_selected", "confirmed": "yes", "_selected_action": [claim.pk]}, follow=True
    )

    assert len(said(response)) == 1
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.APPROVED
    assert activity_books(activity=activity).available == Decimal("60.00")

    advisor_client.post(
        CLAIMS + "?status=approved", {"action": "pay_selected", "confirmed": "yes", "_selected_action": [claim.pk]}
    )
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.REIMBURSED and claim.reimbursed_on == timezone.localdate()


def test_approve_beyond_the_balance_names_the_claim_and_the_balance_and_changes_nothing(
    advisor_client: Client, make_activity: MakeActivity, holder: Member, meals: ExpenseCategory
) -> None:
    activity = make_activity(funds=Decimal("50.00"))
    small = submitted_claim(activity, holder, meals, "30.00")
    large = submitted_claim(activity, holder, meals, "80.00")

    response = advisor_client.post(
        CLAIMS,
        {"action": "approve_selected", "confirmed": "yes", "_selected_action": [small.pk, large.pk]},
        follow=True,
    )

    messages = said(response)
    errors = [m for m in messages if f"Note de frais {large.pk}" in m or (str(large.pk) in m and "80" in m)]
    assert len(errors) == 1, messages
    assert "20,00" in errors[0], "the balance left after the first approval is named"
    small.refresh_from_db()
    large.refresh_from_db()
    assert (small.status, large.status) == (ClaimStatus.APPROVED, ClaimStatus.SUBMITTED)
    assert activity_books(activity=activity).available == Decimal("20.00")


def test_decision_form_rejects_only_with_a_reason(
    advisor_client: Client, make_activity: MakeActivity, holder: Member, supplies: ExpenseCategory
) -> None:
    claim = submitted_claim(make_activity(funds=Decimal("100.00")), holder, supplies, "40.00")
    page = advisor_client.get(f"{CLAIMS}{claim.pk}/change/").content.decode()
    assert not_nested(page, "decision-form")
    assert "Cordes" in page, "the lines are shown on the claim's page"
    line = claim.lines.get()
    # Opened in the page through the queue's view, which serves only a claim within reach.
    assert f"{CLAIMS}{claim.pk}/document/receipt-{line.pk}/" in page

    response = advisor_client.post(f"{CLAIMS}{claim.pk}/decide/", {"decision": "reject", "reason": " "}, follow=True)
    assert len(said(response)) == 1
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED

    advisor_client.post(f"{CLAIMS}{claim.pk}/decide/", {"decision": "reject", "reason": "Ticket illisible"})
    claim.refresh_from_db()
    assert (claim.status, claim.reason) == (ClaimStatus.REJECTED, "Ticket illisible")


def test_age_filter_sorts_what_waits_by_how_long(
    advisor_client: Client, make_activity: MakeActivity, holder: Member, supplies: ExpenseCategory
) -> None:
    activity = make_activity()
    now = timezone.now()
    claims = {}
    for days in (1, 3, 10):
        claim = submitted_claim(activity, holder, supplies, "10.00")
        ExpenseClaim.objects.filter(pk=claim.pk).update(submitted_at=now - timedelta(days=days))
        claims[days] = claim.pk

    assert listed(advisor_client.get(CLAIMS, {"age": "lt2"})) == {claims[1]}
    assert listed(advisor_client.get(CLAIMS, {"age": "2to7"})) == {claims[3]}
    assert listed(advisor_client.get(CLAIMS, {"age": "gt7"})) == {claims[10]}
    rows = advisor_client.get(CLAIMS).context["cl"].result_list
    assert [row.pk for row in rows] == [claims[10], claims[3], claims[1]], "the oldest waits first"


def test_queue_shows_what_waits_unless_asked_otherwise(
    advisor_client: Client, make_activity: MakeActivity, holder: Member, supplies: ExpenseCategory
) -> None:
    activity = make_activity()
    waiting = submitted_claim(activity, holder, supplies, "10.00")
    draft = expense_claim_create(activity=activity, title="Brouillon", actor=holder.user)
    assert listed(advisor_client.get(CLAIMS)) == {waiting.pk}
    assert listed(advisor_client.get(CLAIMS, {"status": "draft"})) == {draft.pk}
    assert listed(advisor_client.get(CLAIMS, {"status": "all"})) == {waiting.pk, draft.pk}
    row = advisor_client.get(CLAIMS).context["cl"].result_list[0]
    assert row.total == Decimal("10.00")


def test_purchase_is_approved_then_paid_and_links_its_invoice(
    advisor_client: Client, make_activity: MakeActivity, holder: Member, supplies: ExpenseCategory
) -> None:
    activity = make_activity(funds=Decimal("100.00"))
    purchase = submitted_purchase(activity, holder, supplies, "F-2026-001")
    page = advisor_client.get(f"{PURCHASES}{purchase.pk}/change/").content.decode()
    assert "Lutherie Meuse" in page and "/media/" not in page
    invoice = f"{PURCHASES}{purchase.pk}/document/purchase-{purchase.pk}/"
    assert invoice in page, "the invoice through the view that checks who asks"

    advisor_client.post(f"{PURCHASES}{purchase.pk}/decide/", {"decision": "approve"})
    purchase.refresh_from_db()
    assert purchase.status == PurchaseStatus.APPROVED
    assert activity_books(activity=activity).available == Decimal("50.00")  # the VAT of 10.50 is recovered

    advisor_client.post(f"{PURCHASES}{purchase.pk}/decide/", {"decision": "pay"})
    purchase.refresh_from_db()
    assert purchase.status == PurchaseStatus.PAID


def test_transfer_beyond_the_source_balance_is_refused_by_the_action(
    advisor_client: Client, make_activity: MakeActivity, holder: Member
) -> None:
    source, destination = make_activity("Source", funds=Decimal("100.00")), make_activity("Destination")
    transfer = activity_transfer_request(
        source=source,
        destination_code=destination.code,
        kind="share",
        amount=Decimal("80.00"),
        description="Partage",
        actor=holder.user,
    )
    other = activity_transfer_request(
        source=source,
        destination_code=destination.code,
        kind="share",
        amount=Decimal("70.00"),
        description="Encore",
        actor=holder.user,
    )

    response = advisor_client.post(
        TRANSFERS,
        {"action": "approve_selected", "confirmed": "yes", "_selected_action": [transfer.pk, other.pk]},
        follow=True,
    )

    assert any("20,00" in message for message in said(response)), said(response)
    statuses = dict(ActivityTransfer.objects.values_list("pk", "status"))
    assert statuses == {transfer.pk: TransferStatus.APPROVED, other.pk: TransferStatus.SUBMITTED}
    assert activity_books(activity=destination).available == Decimal("80.00")


def test_accountants_read_the_queues_without_deciding(
    client: Client, make_staff, make_activity: MakeActivity, holder: Member, supplies: ExpenseCategory
) -> None:
    claim = submitted_claim(make_activity(funds=Decimal("100.00")), holder, supplies, "10.00")
    client.force_login(make_staff("compta@smartcoop.be", role=Role.ACCOUNTANT))
    response = client.get(CLAIMS)
    assert listed(response) == {claim.pk}
    assert "approve_selected" not in response.content.decode()
    assert 'id="decision-form"' not in client.get(f"{CLAIMS}{claim.pk}/change/").content.decode()
    assert client.post(f"{CLAIMS}{claim.pk}/decide/", {"decision": "approve"}).status_code == 403
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED


# --- query counts ------------------------------------------------------------------------------


def _claims(make_activity: MakeActivity, holder: Member, supplies: ExpenseCategory, count: int) -> None:
    activity = make_activity(funds=Decimal("1000.00"))
    for _n in range(count):
        submitted_claim(activity, holder, supplies, "10.00")


def _purchases(make_activity: MakeActivity, holder: Member, supplies: ExpenseCategory, count: int) -> None:
    activity = make_activity(funds=Decimal("1000.00"))
    for n in range(count):
        submitted_purchase(activity, holder, supplies, f"F-{n}")


def _transfers(make_activity: MakeActivity, holder: Member, supplies: ExpenseCategory, count: int) -> None:
    source, destination = make_activity("Source", funds=Decimal("1000.00")), make_activity("Destination")
    for n in range(count):
        activity_transfer_request(
            source=source,
            destination_code=destination.code,
            kind="service",
            amount=Decimal("10.00"),
            description=f"Prestation {n}",
            actor=holder.user,
        )


def _activities(make_activity: MakeActivity, holder: Member, supplies: ExpenseCategory, count: int) -> None:
    for n in range(count):
        make_activity(f"Activité {n}")


LISTS: dict[str, tuple[str, Callable[..., None]]] = {
    "activities": (ACTIVITIES, _activities),
    "claims": (CLAIMS, _claims),
    "purchases": (PURCHASES, _purchases),
    "transfers": (TRANSFERS, _transfers),
}


@pytest.mark.parametrize("rows", [2, 20])
@pytest.mark.parametrize("name", list(LISTS))
def test_lists_read_in_a_fixed_number_of_queries(
    advisor_client: Client,
    make_activity: MakeActivity,
    holder: Member,
    supplies: ExpenseCategory,
    django_assert_max_num_queries,
    name: str,
    rows: int,
) -> None:
    url, make = LISTS[name]
    make(make_activity, holder, supplies, rows)
    # Session, user, two-factor (twice: the site and its menu), permissions (user, groups), the
    # office filter, the count, the page with its joined rows and totals: as many for 2 rows as for 20.
    with django_assert_max_num_queries(9):
        response = advisor_client.get(url)
    assert len(listed(response)) == rows


# --- clients and suppliers, registers ----------------------------------------------------------


def test_advisor_corrects_a_suppliers_address_but_not_its_identity(
    advisor_client: Client, make_activity: MakeActivity, holder: Member, brussels_activity: Activity
) -> None:
    supplier = supplier_of(make_activity(), holder)
    assert listed(advisor_client.get(THIRD_PARTIES, {"q": "BE 0754.316.243"})) == {supplier.pk}
    assert listed(advisor_client.get(THIRD_PARTIES, {"q": "lutherie"})) == {supplier.pk}

    form = {
        "street": "Rue Neuve 5",
        "postal_code": "4020",
        "city": "Liège",
        "vat_number": "BE0000000097",
        "name": "Autre nom",
        "activity_links-TOTAL_FORMS": "0",
        "activity_links-INITIAL_FORMS": "0",
        "_save": "1",
    }
    response = advisor_client.post(f"{THIRD_PARTIES}{supplier.pk}/change/", form)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    supplier.refresh_from_db()
    assert (supplier.street, supplier.postal_code) == ("Rue Neuve 5", "4020")
    assert (supplier.name, supplier.vat_number) == ("Lutherie Meuse", "BE0754316243")
    assert advisor_client.get(f"{THIRD_PARTIES}add/").status_code == 403


def test_suppliers_of_another_office_are_not_listed(advisor_client: Client, brussels_activity: Activity) -> None:
    supplier_of(brussels_activity, brussels_activity.holders.get().member)
    assert listed(advisor_client.get(THIRD_PARTIES)) == set()


def test_only_administrators_change_the_trade_register(
    advisor_client: Client, client: Client, make_staff, musician: Trade
) -> None:
    url = f"{TRADES}{musician.pk}/change/"
    assert advisor_client.get(url).status_code == 200
    assert advisor_client.post(url, {"name_fr": "Autre"}).status_code == 403

    client.force_login(make_staff("admin@smartcoop.be", role=Role.ADMINISTRATOR))
    page = client.get(url).content.decode()
    assert 'name="_save"' in page


def test_administrators_pages_for_categories_mileage_rates_and_entities_open(
    client: Client, make_staff, mileage_rate: Any
) -> None:
    client.force_login(make_staff("root@smartcoop.be", is_superuser=True))
    for url in [
        "/admin/activities/expensecategory/",
        "/admin/activities/mileagerate/",
        f"/admin/activities/mileagerate/{mileage_rate.pk}/change/",
        "/admin/smartcoop/cooperativeentity/",
    ]:
        assert client.get(url).status_code == 200, url
    page = client.get(f"/admin/activities/mileagerate/{mileage_rate.pk}/change/").content.decode()
    assert 'name="rate"' in page and 'name="valid_from"' not in page, "a new rate is a new row from its date"
