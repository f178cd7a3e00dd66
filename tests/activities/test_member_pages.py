"""The Activity pages of the Espace membre: what a member sees of their Activities and what they can ask.

Each page is read as the member reads it (the test client, French); a write goes through the form
and must either change what it says or, on bad input, show why next to the field and change nothing.
"""

import re
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from itertools import count
from pathlib import Path
from typing import cast

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from activities.charts import balance_chart
from activities.models import (
    Activity,
    ActivityHolder,
    ActivityTransfer,
    ClaimStatus,
    ExpenseCategory,
    ExpenseClaim,
    ExpenseLine,
    HolderRole,
    MileageRate,
    Purchase,
    PurchaseStatus,
    ThirdParty,
    Trade,
    TradeAdmission,
    TradeApproval,
)
from activities.services import (
    ExpenseLineData,
    activity_add_holder,
    activity_income_record,
    expense_claim_create,
    expense_line_add,
)
from members.models import Member, Role, User
from tests.activities.conftest import DAY, MakeActivity

PDF = b"%PDF-1.4\n% receipt of the test\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
NBSP = "\xa0"
_keys = count(1)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path  # receipts and invoices of a test run land in its own directory


def _income(activity: Activity, advisor: User, amount: str, on: date = DAY) -> None:
    activity_income_record(
        activity=activity,
        amount=Decimal(amount),
        source="subsidy",
        memo="Subside",
        received_on=on,
        key=f"test:page-income:{next(_keys)}",
        actor=advisor,
    )


def _pdf(name: str = "ticket.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def _html(response) -> str:
    return str(response.content.decode())


def _draft_with_receipt(activity: Activity, holder: Member, supplies: ExpenseCategory) -> ExpenseClaim:
    claim = expense_claim_create(activity=activity, title="Tournée de mars", actor=holder.user)
    expense_line_add(
        claim=claim,
        data=ExpenseLineData(
            spent_on=DAY, category=supplies, description="Cordes", amount=Decimal("24.20"), vat=Decimal("4.20")
        ),
        receipt=_pdf(),
        actor=holder.user,
    )
    return claim


# --- my Activities ----------------------------------------------------------------------------


def test_list_shows_the_three_figures_in_belgian_format(
    signed_in: Client, make_activity: MakeActivity, advisor: User
) -> None:
    activity = make_activity("Studio Dubois", funds=Decimal("1234.56"))

    html = _html(signed_in.get(reverse("activities:list")))

    assert activity.code in html
    assert "Studio Dubois" in html
    assert f"1{NBSP}234,56 EUR" in html
    assert escape(str(HolderRole.MANAGER.label)) in html
    assert reverse("activities:create") in html


def test_list_reads_the_figures_of_every_activity_at_once(
    signed_in: Client, make_activity: MakeActivity, django_assert_max_num_queries
) -> None:
    """Five Activities cost the queries of one: the figures of all come from one query."""
    url = reverse("activities:list")
    make_activity("Première", funds=Decimal("10.00"))
    signed_in.get(url)  # the session's first read is not the page's
    # 7: the page's own, and the menu's count of unread notifications (one query, on every page).
    with django_assert_max_num_queries(7), CaptureQueriesContext(connection) as one:
        html = _html(signed_in.get(url))
    assert html.count('class="activity-row"') == 1
    for n in range(4):
        make_activity(f"Activité {n}", funds=Decimal("10.00"))
    with django_assert_max_num_queries(7), CaptureQueriesContext(connection) as five:
        html = _html(signed_in.get(url))

    assert html.count('class="activity-row"') == 5
    assert len(five.captured_queries) == len(one.captured_queries)


def test_a_worker_sees_the_activity_but_not_its_books(
    client: Client, make_activity: MakeActivity, other: Member, holder: Member
) -> None:
    activity = make_activity(funds=Decimal("1234.56"))
    activity_add_holder(activity=activity, member=other, role=HolderRole.WORKER, actor=holder.user)
    client.force_login(other.user)

    listed = _html(client.get(reverse("activities:list")))
    page = _html(client.get(reverse("activities:detail", args=[activity.code])))

    assert activity.code in listed
    assert "234,56" not in listed
    assert "234,56" not in page
    assert 'class="movement"' not in page
    assert reverse("activities:claim_create", args=[activity.code]) in page
    assert client.get(reverse("activities:movements_csv", args=[activity.code])).status_code == 404


# --- opening an Activity ----------------------------------------------------------------------


def test_create_page_groups_the_register_and_says_why_a_trade_is_excluded_or_conditional(
    signed_in: Client, db: None
) -> None:
    excluded = Trade.objects.filter(admission=TradeAdmission.EXCLUDED).first()
    conditional = Trade.objects.filter(admission=TradeAdmission.ON_APPROVAL).first()
    assert excluded is not None and conditional is not None

    html = _html(signed_in.get(reverse("activities:create")))

    checkbox = re.search(rf'<input type="checkbox" name="trades" value="{excluded.pk}"[^>]*>', html)
    assert checkbox is not None and "disabled" in checkbox.group(0)
    assert escape(excluded.reason_fr) in html
    assert escape(conditional.reason_fr) in html
    assert html.count('<details class="sector"') == Trade.objects.values("sector").distinct().count()


def test_create_with_an_excluded_trade_shows_the_reason_and_creates_nothing(signed_in: Client, musician: Trade) -> None:
    excluded = Trade.objects.filter(admission=TradeAdmission.EXCLUDED).first()
    assert excluded is not None
    before = Activity.objects.count()

    response = signed_in.post(
        reverse("activities:create"), {"name": "Cabinet", "description": "", "trades": [musician.pk, excluded.pk]}
    )

    assert response.status_code == 400
    errors = response.context["form"].errors["trades"]
    assert any(excluded.reason_fr in error for error in errors)
    assert Activity.objects.count() == before


def test_create_opens_the_activity_and_shows_its_page(signed_in: Client, holder: Member, musician: Trade) -> None:
    conditional = Trade.objects.filter(admission=TradeAdmission.ON_APPROVAL).first()
    assert conditional is not None

    response = signed_in.post(
        reverse("activities:create"),
        {"name": "Atelier sonore", "description": "Concerts et ateliers", "trades": [musician.pk, conditional.pk]},
    )

    activity = Activity.objects.get(name="Atelier sonore")
    assert response.status_code == 302
    assert response["Location"] == reverse("activities:detail", args=[activity.code])
    assert activity.holders.get().member == holder
    approvals = dict(activity.trade_links.values_list("trade_id", "approval"))
    assert approvals == {musician.pk: TradeApproval.APPROVED, conditional.pk: TradeApproval.PENDING}
    assert signed_in.get(response["Location"]).status_code == 200


def test_create_needs_an_admitted_member(client: Client, make_user, make_member, musician: Trade) -> None:
    stranger: User = make_user("visitor@example.be")
    client.force_login(stranger)
    response = client.post(reverse("activities:create"), {"name": "Projet", "trades": [musician.pk]})
    assert response.status_code == 400
    assert response.context["form"].non_field_errors()

    applicant: Member = make_member("Lotte", "Janssens")  # applied, shares not paid
    client.force_login(applicant.user)
    response = client.post(reverse("activities:create"), {"name": "Projet", "trades": [musician.pk]})
    assert response.status_code == 400
    assert any("Lotte Janssens" in error for error in response.context["form"].non_field_errors())
    assert not Activity.objects.filter(name="Projet").exists()


# --- the Activity page ------------------------------------------------------------------------


def _movement_rows(html: str) -> int:
    return html.count('<tr class="movement">')


def _older_link(html: str) -> str | None:
    found = re.search(r'href="([^"]*\?before=[^"]*)"', html)
    return found.group(1).replace("&amp;", "&") if found else None


def test_detail_pages_movements_by_keyset_at_a_constant_query_count(
    signed_in: Client, make_activity: MakeActivity, advisor: User
) -> None:
    big = make_activity("Grande activité")
    for n in range(120):
        _income(big, advisor, "10.00", on=DAY - timedelta(days=n % 40))  # several movements a day
    small = make_activity("Petite activité")
    for _ in range(3):
        _income(small, advisor, "10.00")
    big_url, small_url = (reverse("activities:detail", args=[a.code]) for a in (big, small))
    signed_in.get(small_url)

    with CaptureQueriesContext(connection) as big_queries:
        first = _html(signed_in.get(big_url))
    with CaptureQueriesContext(connection) as small_queries:
        small_page = _html(signed_in.get(small_url))

    assert len(big_queries.captured_queries) == len(small_queries.captured_queries)
    assert _movement_rows(first) == 50
    assert _movement_rows(small_page) == 3
    assert _older_link(small_page) is None
    older = _older_link(first)
    assert older is not None and re.search(r"\?before=\d{4}-\d{2}-\d{2}_\d+$", older)
    second = _html(signed_in.get(older))
    assert _movement_rows(second) == 50
    third_link = _older_link(second)
    assert third_link is not None
    third = _html(signed_in.get(third_link))
    assert _movement_rows(third) == 20
    assert _older_link(third) is None


@pytest.mark.parametrize("cursor", ["nonsense", "2026-13-40_5", "2026-03-02_", "2026-03-02_99999999999999999999999"])
def test_a_bad_cursor_shows_the_first_page(
    signed_in: Client, make_activity: MakeActivity, advisor: User, cursor: str
) -> None:
    activity = make_activity(funds=Decimal("5.00"))
    url = reverse("activities:detail", args=[activity.code])

    response = signed_in.get(url, {"before": cursor})

    assert response.status_code == 200
    assert _movement_rows(_html(response)) == 1


def test_detail_shows_figures_chart_holders_trades_and_what_was_asked(
    signed_in: Client,
    make_activity: MakeActivity,
    holder: Member,
    other: Member,
    advisor: User,
    supplies: ExpenseCategory,
    musician: Trade,
) -> None:
    activity = make_activity(funds=Decimal("1234.56"))
    destination = make_activity("Chez Bart", holder=other)
    _draft_with_receipt(activity, holder, supplies)
    ActivityTransfer.objects.create(
        source=activity,
        destination=destination,
        kind="share",
        amount=Decimal("100.00"),
        description="Coproduction",
        requested_by=holder.user,
    )

    html = _html(signed_in.get(reverse("activities:detail", args=[activity.code]), HTTP_ACCEPT_LANGUAGE="fr"))

    assert '<html lang="fr">' in html
    assert f'<p class="figure-amount" id="figure-available">1{NBSP}234,56 EUR</p>' in html
    assert '<svg class="balance-chart"' in html and 'role="img"' in html
    assert re.search(rf"<title id=\"[^\"]+\">[^<]*1{NBSP}234,56 EUR</title>", html)
    assert 'class="visually-hidden"' in html
    assert "02/03/2026" in html  # the subsidy's date, day first
    assert holder.display_name in html
    assert musician.name_fr in html
    assert "Tournée de mars" in html
    assert "Chez Bart" in html and "Coproduction" in html


# --- the movements as CSV ---------------------------------------------------------------------


def _download(response) -> str:
    body = b"".join(cast(Iterator[bytes], response.streaming_content))
    return str(body.decode("utf-8"))


def test_movements_download_in_the_belgian_excel_dialect(
    signed_in: Client, make_activity: MakeActivity, advisor: User
) -> None:
    activity = make_activity(funds=Decimal("1234.56"))
    _income(activity, advisor, "10.05", on=DAY + timedelta(days=1))
    _income(activity, advisor, "0.50", on=DAY + timedelta(days=2))

    response = signed_in.get(reverse("activities:movements_csv", args=[activity.code]))
    text = _download(response)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert activity.code in response["Content-Disposition"]
    assert f"{timezone.localdate():%Y%m%d}" in response["Content-Disposition"]
    assert text.startswith("\ufeff")
    lines = text.lstrip("\ufeff").splitlines()
    assert len(lines) == 1 + 3  # a header, then one line per movement
    assert all(line.count(";") == 6 for line in lines)
    # Money received is described by the memo typed for it; the memo column repeats it for the accountant.
    subsidy = "Subside de la Fédération Wallonie-Bruxelles"
    assert lines[-1].startswith(f"02/03/2026;{subsidy};1234,56;0,00;0,00;{subsidy};test:")
    assert lines[1].startswith("04/03/2026;Subside;0,50;")


# --- another member's Activity ----------------------------------------------------------------


@pytest.fixture
def someone_elses(make_activity: MakeActivity, holder: Member, supplies: ExpenseCategory) -> Iterator[dict[str, str]]:
    """Every URL of an Activity the signed-in stranger does not hold, with its claim, receipt and purchase."""
    activity = make_activity(funds=Decimal("100.00"))
    claim = _draft_with_receipt(activity, holder, supplies)
    line = claim.lines.get()
    supplier = ThirdParty.objects.create(
        name="Music Store", street="Rue 1", postal_code="4000", city="Liège", language="fr", created_by=holder.user
    )
    purchase = Purchase.objects.create(
        activity=activity,
        supplier=supplier,
        supplier_reference="F-1",
        invoice_date=DAY,
        due_date=DAY,
        category=supplies,
        description="Ampli",
        amount=Decimal("121.00"),
        vat=Decimal("21.00"),
        file=_pdf("invoice.pdf"),
        payee="supplier",
        submitted_by=holder.user,
    )
    code = activity.code
    yield {
        "detail": reverse("activities:detail", args=[code]),
        "csv": reverse("activities:movements_csv", args=[code]),
        "third_party_add": reverse("activities:third_party_add", args=[code]),
        "claim_create": reverse("activities:claim_create", args=[code]),
        "purchase_create": reverse("activities:purchase_create", args=[code]),
        "transfer_create": reverse("activities:transfer_create", args=[code]),
        "claim_detail": reverse("activities:claim_detail", args=[claim.pk]),
        "claim_submit": reverse("activities:claim_submit", args=[claim.pk]),
        "claim_line_remove": reverse("activities:claim_line_remove", args=[line.pk]),
        "receipt": reverse("activities:receipt", args=[line.pk]),
        "purchase_file": reverse("activities:purchase_file", args=[purchase.pk]),
    }


def test_another_members_activity_is_not_found_on_every_url(
    client: Client, other: Member, someone_elses: dict[str, str]
) -> None:
    client.force_login(other.user)
    claims, lines, transfers = (
        ExpenseClaim.objects.count(),
        ExpenseLine.objects.count(),
        ActivityTransfer.objects.count(),
    )

    for name, url in someone_elses.items():
        if name not in {"claim_submit", "claim_line_remove"}:
            assert client.get(url).status_code == 404, name
        if name not in {"receipt", "purchase_file", "csv"}:
            posted = client.post(url, {"title": "x", "destination_code": "A000001", "amount": "1", "kind": "share"})
            assert posted.status_code == 404, name

    assert (ExpenseClaim.objects.count(), ExpenseLine.objects.count()) == (claims, lines)
    assert ActivityTransfer.objects.count() == transfers
    assert ExpenseClaim.objects.get().status == ClaimStatus.DRAFT


def test_pages_ask_anonymous_visitors_to_log_in(client: Client, someone_elses: dict[str, str]) -> None:
    for url in [reverse("activities:list"), reverse("activities:clients"), *someone_elses.values()]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("account_login"))


# --- expense claims ---------------------------------------------------------------------------


def test_expense_claim_from_draft_to_submitted(
    signed_in: Client,
    make_activity: MakeActivity,
    supplies: ExpenseCategory,
    mileage_rate: MileageRate,
) -> None:
    activity = make_activity(funds=Decimal("500.00"))
    mileage = ExpenseCategory.objects.get(is_mileage=True)

    created = signed_in.post(reverse("activities:claim_create", args=[activity.code]), {"title": "Tournée de mars"})
    claim = ExpenseClaim.objects.get(activity=activity)
    url = reverse("activities:claim_detail", args=[claim.pk])
    assert created["Location"] == url

    added = signed_in.post(
        url,
        {
            "spent_on": "2026-03-03",
            "category": supplies.pk,
            "description": "Cordes et médiators",
            "amount": "24,20",
            "vat": "4,20",
            "receipt": _pdf(),
        },
    )
    assert added.status_code == 302
    line = claim.lines.get()
    assert (line.amount, line.vat) == (Decimal("24.20"), Decimal("4.20"))
    assert line.receipt.read().startswith(b"%PDF-")

    refused = signed_in.post(
        url,
        {
            "spent_on": "2026-03-03",
            "category": supplies.pk,
            "description": "Programme",
            "amount": "10,00",
            "vat": "0",
            "receipt": SimpleUploadedFile("facture.pdf", EXE, content_type="application/pdf"),
        },
    )
    assert refused.status_code == 400
    assert any("PDF" in error for error in refused.context["form"].errors["receipt"])
    assert claim.lines.count() == 1
    assert not any(path.name == "facture.pdf" for path in Path(line.receipt.path).parent.iterdir())

    trip = signed_in.post(
        url, {"spent_on": "2026-03-04", "category": mileage.pk, "description": "Liège - Namur", "kilometres": "123,4"}
    )
    assert trip.status_code == 302
    trip_line = claim.lines.get(category=mileage)
    assert trip_line.amount == Decimal("54.90")  # 123.4 km x 0.4449 = 54.90066
    assert trip_line.rate == Decimal("0.4449")

    page = _html(signed_in.get(url))
    assert "79,10 EUR" in page  # 24.20 + 54.90

    submitted = signed_in.post(reverse("activities:claim_submit", args=[claim.pk]))
    assert submitted.status_code == 302
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED
    assert "expense-line-form" not in _html(signed_in.get(url))


def test_a_bad_amount_is_shown_next_to_its_field(
    signed_in: Client, make_activity: MakeActivity, holder: Member, supplies: ExpenseCategory
) -> None:
    claim = expense_claim_create(activity=make_activity(), title="Salon", actor=holder.user)
    url = reverse("activities:claim_detail", args=[claim.pk])

    for amount in ("12,345", "douze", "10,00"):
        vat = "20,00" if amount == "10,00" else "0"  # the VAT is part of the amount
        response = signed_in.post(
            url,
            {"spent_on": "2026-03-03", "category": supplies.pk, "description": "Stand", "amount": amount, "vat": vat,
             "receipt": _pdf()},
        )  # fmt: skip
        assert response.status_code == 400, amount
        form = response.context["form"]
        assert form.errors.get("amount") or form.errors.get("vat"), amount
    assert not claim.lines.exists()


def test_removing_a_line_of_a_draft(
    signed_in: Client, make_activity: MakeActivity, holder: Member, supplies: ExpenseCategory
) -> None:
    claim = _draft_with_receipt(make_activity(), holder, supplies)
    line = claim.lines.get()

    response = signed_in.post(reverse("activities:claim_line_remove", args=[line.pk]))

    assert response["Location"] == reverse("activities:claim_detail", args=[claim.pk])
    assert not claim.lines.exists()


def test_receipt_is_served_to_the_worker_and_the_office_advisor_only(
    client: Client, make_activity: MakeActivity, holder: Member, other: Member, advisor: User, make_staff,
    make_user, supplies: ExpenseCategory,
) -> None:  # fmt: skip
    claim = _draft_with_receipt(make_activity(), holder, supplies)
    url = reverse("activities:receipt", args=[claim.lines.get().pk])

    for user in (holder.user, advisor):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200
        assert _download(response).startswith("%PDF-")
        assert response["Content-Disposition"].startswith("attachment")
        assert response["Content-Type"] == "application/pdf"
        assert response["X-Content-Type-Options"] == "nosniff"

    elsewhere = make_staff("ghent@smartcoop.be")  # an advisor of no office of this Activity
    # Staff of the office who never set up two-factor: the admin would not let them in either.
    no_second_factor = make_user("liege-no-mfa@smartcoop.be", role=Role.ADVISOR, is_staff=True, office=advisor.office)
    for user in (other.user, elsewhere, no_second_factor):
        client.force_login(user)
        assert client.get(url).status_code == 404


# --- clients, purchases and transfers ---------------------------------------------------------


def test_supplier_then_purchase_submission(
    signed_in: Client, make_activity: MakeActivity, holder: Member, supplies: ExpenseCategory
) -> None:
    activity = make_activity(funds=Decimal("500.00"))

    added = signed_in.post(
        reverse("activities:third_party_add", args=[activity.code]),
        {
            "kind": "company",
            "name": "Music Store SRL",
            "street": "Rue Neuve 1",
            "postal_code": "1000",
            "city": "Bruxelles",
            "country": "be",
            "language": "fr",
            "email": "factures@musicstore.be",
            "vat_number": "BE 0123.456.749",
            "payment_terms_days": "30",
        },
    )
    assert added.status_code == 302
    supplier = ThirdParty.objects.get(name="Music Store SRL")
    assert supplier.peppol_id == "0208:0123456749"
    assert "0208:0123456749" in _html(signed_in.get(reverse("activities:client_detail", args=[supplier.pk])))

    url = reverse("activities:purchase_create", args=[activity.code])
    fields = {
        "supplier": supplier.pk,
        "supplier_reference": "2026-0042",
        "invoice_date": "2026-03-01",
        "due_date": "2026-03-31",
        "category": supplies.pk,
        "description": "Ampli de scène",
        "amount": "121,00",
        "vat": "21,00",
        "payee": "member",
        "advanced_by": "",
    }
    refused = signed_in.post(url, {**fields, "file": _pdf("invoice.pdf")})
    assert refused.status_code == 400
    assert refused.context["form"].errors["advanced_by"]
    assert not Purchase.objects.exists()

    submitted = signed_in.post(url, {**fields, "advanced_by": holder.pk, "file": _pdf("invoice.pdf")})

    assert submitted.status_code == 302
    purchase = Purchase.objects.get()
    assert (purchase.amount, purchase.vat, purchase.status) == (
        Decimal("121.00"),
        Decimal("21.00"),
        PurchaseStatus.SUBMITTED,
    )
    assert purchase.advanced_by == holder
    served = signed_in.get(reverse("activities:purchase_file", args=[purchase.pk]))
    assert _download(served).startswith("%PDF-")
    assert "Ampli de scène" in _html(signed_in.get(reverse("activities:detail", args=[activity.code])))


def test_a_belgian_company_without_vat_number_is_refused_on_that_field(
    signed_in: Client, make_activity: MakeActivity
) -> None:
    activity = make_activity()
    response = signed_in.post(
        reverse("activities:third_party_add", args=[activity.code]),
        {"kind": "company", "name": "Sans numéro", "street": "Rue 1", "postal_code": "4000", "city": "Liège",
         "country": "BE", "language": "fr", "payment_terms_days": "30"},
    )  # fmt: skip
    assert response.status_code == 400
    assert response.context["form"].errors["vat_number"]
    assert not ThirdParty.objects.filter(name="Sans numéro").exists()


def test_transfer_request_to_another_activity(signed_in: Client, make_activity: MakeActivity, other: Member) -> None:
    source = make_activity(funds=Decimal("500.00"))
    destination = make_activity("Chez Bart", holder=other)
    url = reverse("activities:transfer_create", args=[source.code])
    fields = {"destination_code": destination.code.lower(), "kind": "service", "description": "Mixage"}

    too_much = signed_in.post(url, {**fields, "amount": "500,01"})
    assert too_much.status_code == 400
    assert "500,00" in too_much.context["form"].errors["amount"][0]
    nowhere = signed_in.post(url, {**fields, "destination_code": "A999999", "amount": "10"})
    assert nowhere.context["form"].errors["destination_code"]
    assert not ActivityTransfer.objects.exists()

    confirm = signed_in.post(url, {**fields, "amount": "150,00"})
    assert not ActivityTransfer.objects.exists()
    key = confirm.context["request_key"]
    asked = signed_in.post(url, {**fields, "amount": "150,00", "step": "confirm", "request_key": key})

    assert asked["Location"] == reverse("activities:detail", args=[source.code])
    transfer = ActivityTransfer.objects.get()
    assert (transfer.source, transfer.destination, transfer.amount) == (source, destination, Decimal("150.00"))


# --- the chart --------------------------------------------------------------------------------


def test_chart_draws_a_step_per_change_and_names_the_balance_now() -> None:
    start = date(2026, 1, 1)
    series = [(start + timedelta(days=n), Decimal("100.00") if n < 5 else Decimal("-20.50")) for n in range(10)]

    chart = balance_chart(series, element_id="c")

    assert chart is not None
    assert chart.svg.count("<svg") == 1 and 'role="img"' in chart.svg
    assert re.search(r'<path class="chart-line" d="M[\d.]+ [\d.]+H[\d.]+V[\d.]+H[\d.]+"/>', chart.svg)
    assert '<title id="c-title">' in chart.svg
    assert "-20" in chart.summary and "100" in chart.summary
    assert "<script" not in chart.svg
    assert balance_chart([]) is None


# --- the managers' settings page ----------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def test_manager_sets_the_presentation_and_logo_shown_to_holders_only(
    signed_in: Client, client: Client, make_activity: MakeActivity, other: Member
) -> None:
    activity = make_activity()
    url = reverse("activities:settings", args=[activity.code])
    logo = SimpleUploadedFile("logo.png", PNG, content_type="image/png")
    response = signed_in.post(
        url,
        {
            "form": "presentation",
            "name": "Atelier Dubois",
            "description": "Illustration",
            "terms_of_sale": "Paiement à 30 jours.",
            "logo": logo,
        },
    )
    assert response.status_code == 302
    activity.refresh_from_db()
    assert (activity.name, activity.terms_of_sale) == ("Atelier Dubois", "Paiement à 30 jours.")
    served = signed_in.get(reverse("activities:logo", args=[activity.code]))
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert b"".join(served.streaming_content) == PNG  # type: ignore[attr-defined]
    client.force_login(other.user)
    assert client.get(reverse("activities:logo", args=[activity.code])).status_code == 404


def test_a_pdf_is_not_a_logo_and_changes_nothing(signed_in: Client, make_activity: MakeActivity) -> None:
    activity = make_activity()
    pdf = SimpleUploadedFile("logo.pdf", PDF, content_type="application/pdf")
    response = signed_in.post(
        reverse("activities:settings", args=[activity.code]),
        {"form": "presentation", "name": "Autre nom", "description": "", "terms_of_sale": "", "logo": pdf},
    )
    assert response.status_code == 400
    assert response.context["presentation"].errors["logo"]
    activity.refresh_from_db()
    assert activity.name == "Studio Dubois" and not activity.logo


def test_manager_adds_a_member_named_by_number_and_name(
    signed_in: Client, make_activity: MakeActivity, other: Member
) -> None:
    activity = make_activity()
    url = reverse("activities:settings", args=[activity.code])
    wrong = signed_in.post(
        url, {"form": "holder", "member_number": other.number, "member_name": "Peet", "role": "worker"}
    )
    assert wrong.status_code == 400 and wrong.context["holder_form"].errors["member_number"]
    assert not ActivityHolder.objects.filter(activity=activity, member=other).exists()

    right = signed_in.post(
        url, {"form": "holder", "member_number": other.number, "member_name": "peeters", "role": "worker"}
    )
    assert right.status_code == 302
    assert ActivityHolder.objects.get(activity=activity, member=other).role == HolderRole.WORKER


def test_manager_adds_a_trade_and_one_on_approval_waits(signed_in: Client, make_activity: MakeActivity) -> None:
    activity = make_activity()
    url = reverse("activities:settings", args=[activity.code])
    page = signed_in.get(url)
    offered = set(page.context["trade_form"].fields["trade"].queryset.values_list("admission", flat=True))
    assert "excluded" not in offered
    waiting = Trade.objects.filter(admission="on_approval").first()
    assert waiting is not None
    assert signed_in.post(url, {"form": "trade", "trade": waiting.pk}).status_code == 302
    assert activity.trade_links.get(trade=waiting).approval == TradeApproval.PENDING


def test_only_managers_reach_the_settings(
    client: Client, make_activity: MakeActivity, other: Member, holder: Member
) -> None:
    activity = make_activity()
    activity_add_holder(activity=activity, member=other, role=HolderRole.HOLDER, actor=holder.user)
    client.force_login(other.user)
    assert client.get(reverse("activities:settings", args=[activity.code])).status_code == 404
