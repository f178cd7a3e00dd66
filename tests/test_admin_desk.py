"""The advisor's desk at a hundred decisions a day: queues on the index, the next item after a
decision, bulk actions that ask first, documents opened in the page, identifiers read in blocks.

An advisor of Liège works the Liège queues; what waits in Brussels is neither counted nor served
to them, as the access policy says.
"""
# ruff: noqa: F811

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from activities.models import Activity, ClaimStatus, ExpenseCategory, ExpenseClaim
from members.identity import enterprise_number_text, iban_text, national_number_for, national_number_text
from members.models import Member, MembershipApplication, Office, User
from members.services import shares_issue
from smartcoop.access import standing
from smartcoop.admin_site import queues_waiting
from smartcoop.money import amount_text
from smartcoop.uploads import document_response

# The Activities' fixtures (an advisor of Liège, a holder, an Activity with money), imported as fixtures:
# pytest finds them by name, which the linter reads as unused imports shadowed by parameters.
from tests.activities.conftest import (  # noqa: F401
    DAY,
    MakeActivity,
    advisor,
    holder,
    make_activity,
    musician,
    supplies,
)
from tests.activities.test_admin import submitted_claim

CLAIMS = "/admin/activities/expenseclaim/"
APPLICATIONS = "/admin/members/membershipapplication/"
PDF = b"%PDF-1.4\n% a receipt\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


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


def _waiting_since(claim: ExpenseClaim, days: int) -> ExpenseClaim:
    ExpenseClaim.objects.filter(pk=claim.pk).update(submitted_at=timezone.now() - timedelta(days=days, hours=1))
    claim.refresh_from_db()
    return claim


def _claims_in_line(
    activity: Activity, holder: Member, supplies: ExpenseCategory, ages: list[int]
) -> list[ExpenseClaim]:
    return [_waiting_since(submitted_claim(activity, holder, supplies, "10.00"), age) for age in ages]


def _application(office: Office, make_user, *, days: int, name: str) -> MembershipApplication:
    now = timezone.now()
    birth = date(1985, 1, 2)
    application = MembershipApplication.objects.create(
        user=make_user(f"{name.lower()}@example.be"),
        first_name=name,
        last_name="Candidate",
        birth_date=birth,
        national_number=national_number_for(birth, 123),
        street="Rue Haute 1",
        postal_code="1000",
        city="Bruxelles",
        iban="BE71096123456769",
        trades="musician",
        shares_requested=1,
        office=office,
        consented_statutes_at=now,
        consented_rules_at=now,
        consented_privacy_at=now,
    )
    MembershipApplication.objects.filter(pk=application.pk).update(submitted_at=now - timedelta(days=days, hours=1))
    return application


def _state(states: list[Any], model: type) -> Any:
    return next(state for state in states if state.queue.model is model)


# --- the index ------------------------------------------------------------------------------------


def test_advisor_sees_each_queue_with_its_count_and_oldest_age_of_their_office_only(
    advisor_client: Client,
    make_activity: MakeActivity,
    holder: Member,
    supplies: ExpenseCategory,
    brussels_activity: Activity,
    brussels: Office,
    office: Office,
    make_user,
) -> None:
    _claims_in_line(make_activity(funds=Decimal("100.00")), holder, supplies, [3, 1])
    theirs = brussels_activity.holders.get().member
    _claims_in_line(brussels_activity, theirs, supplies, [9])
    _application(office, make_user, days=2, name="Lea")
    _application(brussels, make_user, days=12, name="Nora")

    response = advisor_client.get("/admin/")

    assert response.status_code == 200
    states = response.context["queues"]
    claims = _state(states, ExpenseClaim)
    assert (claims.count, claims.age) == (2, "3\xa0jours")
    applications = _state(states, MembershipApplication)
    assert (applications.count, applications.age) == (1, "2\xa0jours")
    page = response.content.decode()
    assert "3\xa0jours" in page
    assert f'href="{CLAIMS}?status=submitted"' in page
    assert f'href="{APPLICATIONS}?status__exact=submitted"' in page


def test_a_queue_with_nothing_waiting_says_so_without_an_age(advisor_client: Client) -> None:
    claims = _state(advisor_client.get("/admin/").context["queues"], ExpenseClaim)
    assert (claims.count, claims.age) == (0, "")


def test_the_queues_cost_one_query_each(
    advisor: User,
    make_activity: MakeActivity,
    holder: Member,
    supplies: ExpenseCategory,
    django_assert_num_queries: Any,
) -> None:
    _claims_in_line(make_activity(funds=Decimal("100.00")), holder, supplies, [3, 1, 0])
    counted = queues_waiting(advisor)  # the advisor's standing and permissions are read once, then kept
    assert standing(advisor).staff and len(counted) >= 6
    with django_assert_num_queries(len(counted)):
        queues_waiting(advisor)


def test_the_index_page_stays_within_its_query_budget(
    advisor_client: Client,
    make_activity: MakeActivity,
    holder: Member,
    supplies: ExpenseCategory,
    django_assert_max_num_queries: Any,
) -> None:
    _claims_in_line(make_activity(funds=Decimal("100.00")), holder, supplies, [3, 1, 0, 5, 8])
    advisor_client.get("/admin/")
    # Session, user, two factors, permissions, the recent actions box, then one query a queue.
    with django_assert_max_num_queries(20):
        assert advisor_client.get("/admin/").status_code == 200


# --- the queues -----------------------------------------------------------------------------------


def test_the_applications_queue_says_which_office_each_application_goes_to(
    client: Client, make_staff, office: Office, brussels: Office, make_user
) -> None:
    _application(brussels, make_user, days=1, name="Nora")
    _application(office, make_user, days=1, name="Lea")
    client.force_login(make_staff("admin@smartcoop.be", is_superuser=True))

    page = client.get(APPLICATIONS).content.decode()

    assert "column-office" in page and ">Bruxelles<" in page and ">Liège<" in page
    assert "column-waiting_since" in page


def test_a_brussels_advisor_neither_counts_nor_lists_an_application_addressed_to_namur(
    client: Client, make_staff, brussels: Office, make_user
) -> None:
    namur = Office.objects.create(code="namur", name="Namur", city="Namur")
    _application(namur, make_user, days=4, name="Nora")
    client.force_login(make_staff("bram@smartcoop.be", office=brussels))

    assert _state(client.get("/admin/").context["queues"], MembershipApplication).count == 0
    assert list(client.get(APPLICATIONS).context["cl"].result_list) == []


# --- deciding and going on ------------------------------------------------------------------------


def test_approve_and_open_the_next_one_goes_to_the_next_waiting_claim_of_the_office(
    advisor_client: Client,
    make_activity: MakeActivity,
    holder: Member,
    supplies: ExpenseCategory,
    brussels_activity: Activity,
) -> None:
    oldest, middle, newest = _claims_in_line(make_activity(funds=Decimal("100.00")), holder, supplies, [5, 3, 1])
    _claims_in_line(brussels_activity, brussels_activity.holders.get().member, supplies, [4])

    response = advisor_client.post(f"{CLAIMS}{middle.pk}/decide/?then=next", {"decision": "approve"})
    assert response.status_code == 302 and response["Location"] == f"{CLAIMS}{newest.pk}/change/"

    # At the end of the queue it starts again from the oldest; Brussels' claim never comes up.
    response = advisor_client.post(f"{CLAIMS}{newest.pk}/decide/?then=next", {"decision": "approve"})
    assert response["Location"] == f"{CLAIMS}{oldest.pk}/change/"

    response = advisor_client.post(f"{CLAIMS}{oldest.pk}/decide/?then=next", {"decision": "approve"}, follow=True)
    assert response.redirect_chain[-1][0] == CLAIMS
    with translation.override("fr"):  # the advisor reads the admin in their language
        assert gettext("Nothing else waits in this queue.") in [str(m) for m in response.context["messages"]]
    assert set(ExpenseClaim.objects.filter(activity__office__code="liege").values_list("status", flat=True)) == {
        ClaimStatus.APPROVED
    }


def test_a_refused_decision_stays_on_its_claim_even_when_the_next_one_was_asked_for(
    advisor_client: Client, make_activity: MakeActivity, holder: Member, supplies: ExpenseCategory
) -> None:
    first, _second = _claims_in_line(make_activity(funds=Decimal("100.00")), holder, supplies, [2, 1])

    response = advisor_client.post(f"{CLAIMS}{first.pk}/decide/?then=next", {"decision": "reject", "reason": " "})

    assert response["Location"] == f"{CLAIMS}{first.pk}/change/"
    first.refresh_from_db()
    assert first.status == ClaimStatus.SUBMITTED


def test_a_plain_decision_comes_back_to_the_same_claim(
    advisor_client: Client, make_activity: MakeActivity, holder: Member, supplies: ExpenseCategory
) -> None:
    first, _second = _claims_in_line(make_activity(funds=Decimal("100.00")), holder, supplies, [2, 1])
    response = advisor_client.post(f"{CLAIMS}{first.pk}/decide/", {"decision": "approve"})
    assert response["Location"] == f"{CLAIMS}{first.pk}/change/"


def test_the_decision_page_puts_the_decisions_first_and_offers_the_next_one(
    advisor_client: Client, make_activity: MakeActivity, holder: Member, supplies: ExpenseCategory
) -> None:
    claim = submitted_claim(make_activity(funds=Decimal("100.00")), holder, supplies, "10.00")
    page = advisor_client.get(f"{CLAIMS}{claim.pk}/change/").content.decode()
    decision = page[page.index('id="decision"') :]
    approve = decision.index('value="approve" class="button default"')
    assert approve < decision.index('value="reject"')
    assert f'formaction="{CLAIMS}{claim.pk}/decide/?then=next"' in decision
    assert 'name="_save"' not in page


def test_an_application_page_decides_without_a_save_button_and_shows_numbers_grouped(
    client: Client, make_staff, office: Office, make_user
) -> None:
    application = _application(office, make_user, days=1, name="Lea")
    client.force_login(make_staff("sophie@smartcoop.be", office=office))

    page = client.get(f"{APPLICATIONS}{application.pk}/change/").content.decode()

    assert 'value="approve" class="button default"' in page
    assert 'name="_save"' not in page
    assert national_number_text(application.national_number) in page
    assert "BE71 0961 2345 6769" in page


# --- bulk actions ---------------------------------------------------------------------------------


def test_a_bulk_approval_shows_the_count_and_total_and_does_nothing_until_confirmed(
    advisor_client: Client, make_activity: MakeActivity, holder: Member, supplies: ExpenseCategory
) -> None:
    activity = make_activity(funds=Decimal("500.00"))
    claims = [submitted_claim(activity, holder, supplies, amount) for amount in ("10.00", "1079.00")]
    selection = {"action": "approve_selected", "_selected_action": [claim.pk for claim in claims]}

    asked = advisor_client.post(CLAIMS, selection)

    assert asked.status_code == 200
    assert asked.context["count"] == 2 and asked.context["total"] == amount_text(Decimal("1089.00"))
    page = asked.content.decode()
    assert amount_text(Decimal("1089.00")) in page and 'name="confirmed" value="yes"' in page
    assert set(ExpenseClaim.objects.values_list("status", flat=True)) == {ClaimStatus.SUBMITTED}

    advisor_client.post(CLAIMS, {**selection, "confirmed": "yes"})
    statuses = dict(ExpenseClaim.objects.values_list("pk", "status"))
    assert statuses[claims[0].pk] == ClaimStatus.APPROVED  # the second is more than the Activity holds
    assert statuses[claims[1].pk] == ClaimStatus.SUBMITTED


def test_a_bulk_confirmation_counts_only_what_the_action_applies_to(
    advisor_client: Client, make_activity: MakeActivity, holder: Member, supplies: ExpenseCategory
) -> None:
    activity = make_activity(funds=Decimal("500.00"))
    waiting = submitted_claim(activity, holder, supplies, "10.00")
    decided = submitted_claim(activity, holder, supplies, "20.00")
    advisor_client.post(f"{CLAIMS}{decided.pk}/decide/", {"decision": "approve"})

    asked = advisor_client.post(CLAIMS, {"action": "approve_selected", "_selected_action": [waiting.pk, decided.pk]})

    assert asked.context["count"] == 1 and asked.context["total"] == amount_text(Decimal("10.00"))


# --- documents in the page ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "served", "sandboxed"), [(PDF, "receipt-0.pdf", False), (PNG, "receipt-0.png", True)]
)
def test_a_pdf_or_an_image_opens_inline_framable_by_the_platform_only(
    db: None, content: bytes, served: str, sandboxed: bool
) -> None:
    name = default_storage.save("receipts/0/scan", ContentFile(content))
    with default_storage.open(name, "rb") as stored:
        response = document_response(stored, name="receipt-0", inline=True)
        assert response["Content-Disposition"] == f'inline; filename="{served}"'
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["X-Frame-Options"] == "SAMEORIGIN"
        policy = response["Content-Security-Policy"]
        assert "frame-ancestors 'self'" in policy
        # Chromium's PDF viewer does not start in a sandboxed document: only images are sandboxed.
        assert ("sandbox" in policy) is sandboxed and ("default-src 'none'" in policy) is sandboxed
        response.close()


def test_anything_else_stays_an_attachment_even_when_asked_inline(db: None) -> None:
    name = default_storage.save("receipts/0/page", ContentFile(b"<html><script>alert(1)</script>"))
    with default_storage.open(name, "rb") as stored:
        response = document_response(stored, name="receipt-0", inline=True)
        assert response["Content-Disposition"] == 'attachment; filename="receipt-0.bin"'
        assert "X-Frame-Options" not in response and "Content-Security-Policy" not in response
        response.close()


def test_a_download_asked_without_inline_stays_an_attachment(db: None) -> None:
    name = default_storage.save("receipts/0/scan", ContentFile(PDF))
    with default_storage.open(name, "rb") as stored:
        response = document_response(stored, name="receipt-0")
        assert response["Content-Disposition"] == 'attachment; filename="receipt-0.pdf"'
        response.close()


def test_the_claim_page_shows_its_receipt_in_a_frame_served_inline(
    advisor_client: Client, make_activity: MakeActivity, holder: Member, supplies: ExpenseCategory
) -> None:
    claim = submitted_claim(make_activity(funds=Decimal("100.00")), holder, supplies, "10.00")
    line = claim.lines.get()
    url = f"{CLAIMS}{claim.pk}/document/receipt-{line.pk}/"

    page = advisor_client.get(f"{CLAIMS}{claim.pk}/change/").content.decode()
    assert f'<iframe src="{url}"' in page

    response = advisor_client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'inline; filename="receipt-{line.pk}.pdf"'
    # The page middleware keeps the document's own policy and framing rule.
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert response["Content-Security-Policy"] == "frame-ancestors 'self'"
    response.close()


def test_an_advisor_cannot_open_a_receipt_of_another_office(
    client: Client, make_staff, make_activity: MakeActivity, holder: Member, supplies: ExpenseCategory, brussels: Office
) -> None:
    claim = submitted_claim(make_activity(funds=Decimal("100.00")), holder, supplies, "10.00")
    client.force_login(make_staff("bram@smartcoop.be", office=brussels))
    line = claim.lines.get()
    assert client.get(f"{CLAIMS}{claim.pk}/document/receipt-{line.pk}/").status_code == 404


def test_the_application_page_shows_the_identity_document_in_the_page(
    client: Client, make_staff, office: Office, make_user
) -> None:
    application = _application(office, make_user, days=1, name="Lea")
    application.identity_document.save("id.png", ContentFile(PNG))
    client.force_login(make_staff("sophie@smartcoop.be", office=office))
    url = reverse("admin:members_membershipapplication_document", args=[application.pk])

    page = client.get(f"{APPLICATIONS}{application.pk}/change/").content.decode()
    assert f'<img src="{url}"' in page

    response = client.get(url)
    assert response["Content-Disposition"] == f'inline; filename="identity-document-{application.pk}.png"'
    response.close()


# --- identifiers read in blocks -------------------------------------------------------------------


def test_identifiers_are_shown_grouped_as_they_are_printed() -> None:
    assert national_number_text("85010212345") == "85.01.02-123.45"
    assert iban_text("BE71096123456769") == "BE71 0961 2345 6769"
    assert iban_text("be71 0961 2345 6769") == "BE71 0961 2345 6769"
    assert enterprise_number_text("0754316243") == "0754.316.243"
    assert enterprise_number_text("BE0754316243") == "BE 0754.316.243"
    # A value of another shape (stored before a check existed) is shown as it is.
    assert national_number_text("12345") == "12345"
    assert enterprise_number_text("FR40303265045") == "FR40303265045"


def test_the_member_page_shows_iban_and_national_number_grouped(advisor_client: Client, holder: Member) -> None:
    page = advisor_client.get(f"/admin/members/member/{holder.pk}/change/").content.decode()
    assert f'value="{iban_text(holder.iban)}"' in page
    assert f'value="{national_number_text(holder.national_number)}"' in page
