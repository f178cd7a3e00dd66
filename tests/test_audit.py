"""One audit trail: who changed what, when, before and after, and from which request or task."""

import importlib
import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from activities.models import Activity, ExpenseCategory, Trade
from activities.services import (
    ExpenseLineData,
    activity_create,
    activity_income_record,
    expense_claim_approve,
    expense_claim_create,
    expense_claim_submit,
    expense_line_add,
)
from members.models import Member, Office, Role, User
from members.services import member_update_contact, shares_issue
from smartcoop.audit.models import AuditEntry
from smartcoop.audit.selectors import trail_of
from smartcoop.audit.services import audit_record, changes
from smartcoop.celery import app

NEW_IBAN = "BE71096123456769"
MEMBERS = "/admin/members/member/"


@app.task(name="tests.audit_probe")
def audit_probe(member_id: int) -> None:
    member = Member.objects.get(pk=member_id)
    with transaction.atomic():
        audit_record(actor=None, action="test.probe", target=member, after={"city": member.city})


@pytest.fixture
def brussels(db: None) -> Office:
    return Office.objects.create(code="bruxelles", name="Bruxelles", city="Bruxelles")


@pytest.fixture
def lucie(make_member) -> Member:
    member: Member = make_member("Lucie", "Liegeoise")
    return member


@pytest.fixture
def advisor(make_staff, office: Office) -> User:
    user: User = make_staff("sophie@example.be", first_name="Sophie", last_name="Lambert", office=office)
    return user


def _contact(member: Member, **changed: str) -> dict[str, str]:
    return {
        "street": member.street,
        "postal_code": member.postal_code,
        "city": member.city,
        "phone": member.phone,
        "iban": member.iban,
        **changed,
    }


# --- the trail itself --------------------------------------------------------------------------


def test_the_database_refuses_to_change_or_delete_an_audit_entry(lucie: Member) -> None:
    entry = audit_record(actor=None, action="test.probe", target=lucie, after={"city": "Liège"})

    with pytest.raises(IntegrityError, match="cannot be changed or deleted"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(after={"city": "Namur"})
    with (
        pytest.raises(IntegrityError, match="cannot be changed or deleted"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [entry.pk])

    entry.refresh_from_db()
    assert entry.after == {"city": "Liège"}


def test_a_change_rolled_back_leaves_no_audit_entry(lucie: Member) -> None:
    before = AuditEntry.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        member_update_contact(member=lucie, actor=lucie.user, **_contact(lucie, iban=NEW_IBAN))
        raise RuntimeError("the caller's transaction fails after the service")

    lucie.refresh_from_db()
    assert lucie.iban != NEW_IBAN
    assert AuditEntry.objects.count() == before


def test_values_are_stored_as_a_reader_compares_them(lucie: Member, office: Office) -> None:
    old = {"amount": Decimal("12.50"), "on": date(2026, 3, 1), "office": None, "kind": "natural"}
    new = {"amount": Decimal("12.50"), "on": date(2026, 3, 2), "office": office, "kind": "natural"}

    before, after = changes(old, new, ["amount", "on", "office", "kind"])

    assert (before, after) == ({"on": "2026-03-01", "office": None}, {"on": "2026-03-02", "office": office.pk})


def test_every_response_names_its_request(client: Client) -> None:
    first, second = client.get("/healthz"), client.get("/healthz")
    assert len(first["X-Request-ID"]) == 32
    assert first["X-Request-ID"] != second["X-Request-ID"]


# --- members ---------------------------------------------------------------------------------------


def test_a_member_changing_their_iban_leaves_before_after_and_the_request(client: Client, lucie: Member) -> None:
    old_iban = lucie.iban
    client.force_login(lucie.user)

    response = client.post(reverse("members:profile"), _contact(lucie, iban=NEW_IBAN), REMOTE_ADDR="192.0.2.7")

    assert response.status_code == 302
    (entry,) = trail_of(lucie).filter(action="member.contact_changed")
    assert entry.actor_id == lucie.user_id
    assert entry.before["iban"] == old_iban and entry.after["iban"] == NEW_IBAN
    assert set(entry.after) <= {"iban", "bic"}, "only what changed: not the street, city or phone"
    assert entry.request_id == response["X-Request-ID"]
    assert (entry.ip_address, entry.path) == ("192.0.2.7", f"POST {reverse('members:profile')}")


def test_my_personal_data_include_what_changed_in_my_record(client: Client, lucie: Member) -> None:
    member_update_contact(member=lucie, actor=lucie.user, **_contact(lucie, iban=NEW_IBAN))
    client.force_login(lucie.user)

    data = json.loads(client.get(reverse("members:my_data")).content)

    changed = [row for row in data["history"] if row["action"] == "member.contact_changed"]
    assert [row["after"]["iban"] for row in changed] == [NEW_IBAN]


def test_an_identity_corrected_in_the_admin_names_the_advisor(
    client: Client, lucie: Member, advisor: User, office: Office
) -> None:
    client.force_login(advisor)
    form: dict[str, Any] = {
        "kind": lucie.kind,
        "category": lucie.category,
        "first_name": "Lucienne",
        "last_name": lucie.last_name,
        "birth_date": lucie.birth_date.isoformat() if lucie.birth_date else "",
        "national_number": lucie.national_number,
        "street": lucie.street,
        "postal_code": lucie.postal_code,
        "city": lucie.city,
        "country": lucie.country,
        "phone": lucie.phone,
        "iban": lucie.iban,
        "office": office.pk,
        "advisor": "",
        "assignment_reason": "",
        "share_operations-TOTAL_FORMS": "0",
        "share_operations-INITIAL_FORMS": "0",
        "_save": "1",
    }

    response = client.post(f"{MEMBERS}{lucie.pk}/change/", form)

    assert response.status_code == 302
    (entry,) = trail_of(lucie).filter(action="member.identity_changed")
    assert (entry.actor_id, entry.before) == (advisor.pk, {"first_name": "Lucie"})
    assert entry.after == {"first_name": "Lucienne"}


def test_issuing_shares_records_the_holding_before_and_after(lucie: Member, advisor: User) -> None:
    shares_issue(member=lucie, quantity=2, on=date(2026, 2, 1), key="lucie:paid", actor=advisor)

    issued = trail_of(lucie).get(action="shares.issue")
    assert (issued.before, issued.after) == ({"shares_held": 0}, {"shares_held": 2})
    assert issued.detail["quantity"] == 2 and issued.detail["unit_value"] == "30.00"
    admitted = trail_of(lucie).get(action="member.admitted")
    assert (admitted.before["status"], admitted.after["status"]) == ("applicant", "member")


def test_a_task_names_itself_in_the_entries_it_leaves(lucie: Member) -> None:
    result = audit_probe.apply(args=(lucie.pk,))

    entry = trail_of(lucie).get(action="test.probe")
    assert (entry.task_name, entry.task_id, entry.actor_id) == ("tests.audit_probe", result.id, None)
    assert entry.request_id == ""


# --- Activities -----------------------------------------------------------------------------------


@pytest.fixture
def studio(lucie: Member, advisor: User) -> Activity:
    shares_issue(member=lucie, quantity=1, on=date(2026, 2, 1), key="lucie:share", actor=advisor)
    lucie.refresh_from_db()
    activity = activity_create(
        name="Studio Lucie", holder=lucie, trades=[Trade.objects.get(code="musician")], actor=lucie.user
    )
    for _retry in range(2):
        activity_income_record(
            activity=activity,
            amount=Decimal("500.00"),
            source="subsidy",
            memo="Subside",
            received_on=date(2026, 2, 2),
            key="test:income:studio",
            actor=advisor,
        )
    return activity


def test_money_received_twice_under_one_key_is_recorded_once(studio: Activity, advisor: User) -> None:
    (income,) = trail_of(studio).filter(action="activity.income_recorded")
    assert (income.actor_id, income.detail["amount"], income.detail["posting"]) == (
        advisor.pk,
        "500.00",
        "test:income:studio",
    )


def test_approving_an_expense_claim_leaves_one_entry_with_the_amount_and_the_posting(
    studio: Activity, lucie: Member, advisor: User, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    claim = expense_claim_create(activity=studio, title="Cordes", actor=lucie.user)
    line = ExpenseLineData(
        spent_on=date(2026, 2, 3),
        category=ExpenseCategory.objects.get(code="supplies"),
        description="Cordes de guitare",
        amount=Decimal("42.00"),
    )
    receipt = SimpleUploadedFile("ticket.pdf", b"%PDF-1.4\n% receipt\n", content_type="application/pdf")
    expense_line_add(claim=claim, data=line, receipt=receipt, actor=lucie.user)
    expense_claim_submit(claim=claim, actor=lucie.user)

    posting = expense_claim_approve(claim=claim, actor=advisor)
    expense_claim_approve(claim=claim, actor=advisor)  # a retried approval changes nothing

    (entry,) = trail_of(claim).filter(action="expense_claim.approved")
    assert (entry.actor_id, entry.before, entry.after) == (advisor.pk, {"status": "submitted"}, {"status": "approved"})
    assert entry.detail == {"activity": studio.code, "amount": "42.00", "posting": posting.key}


def test_the_events_activities_kept_before_become_entries_with_before_and_after() -> None:
    migration = importlib.import_module("activities.migrations.0006_events_join_the_audit_trail")

    rates = migration._before_after("rates_set", {"before": ["0.0650", "None"], "after": ["0.0550", "None"]})
    status = migration._before_after("status_set", {"before": "open", "after": "suspended", "reason": "Contrôle"})
    created = migration._before_after("created", {"holder": 7, "trades": ["musician"]})

    assert rates == ({"turnover_contribution_rate": "0.0650"}, {"turnover_contribution_rate": "0.0550"}, {})
    assert status == ({"status": "open"}, {"status": "suspended"}, {"reason": "Contrôle"})
    assert created == ({}, {}, {"holder": 7, "trades": ["musician"]})


# --- roles --------------------------------------------------------------------------------------


def test_roles_changed_in_the_admin_leave_an_entry_naming_the_administrator(
    client: Client, make_staff, make_user, office: Office
) -> None:
    administrator: User = make_staff("direction@example.be", role=Role.ADMINISTRATOR, is_superuser=True)
    marc: User = make_user("marc@example.be", first_name="Marc", last_name="Dupont")
    client.force_login(administrator)
    form = {
        "email": marc.email,
        "first_name": "Marc",
        "last_name": "Dupont",
        "language": "fr",
        "office": office.pk,
        "is_active": "on",
        "is_staff": "on",
        "groups": [Group.objects.get(name=Role.ADVISOR.value).pk],
        "date_joined_0": marc.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": marc.date_joined.strftime("%H:%M:%S"),
        "_save": "1",
    }

    response = client.post(f"/admin/members/user/{marc.pk}/change/", form)

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    entries = list(trail_of(marc).filter(action="user.roles_changed", actor=administrator).order_by("pk"))
    flags = next(e for e in entries if "is_staff" in e.after)
    assert flags.before == {"is_staff": False, "office": None}
    assert flags.after == {"is_staff": True, "office": office.pk}
    groups = [e for e in entries if "groups" in e.after]
    assert groups[0].before == {"groups": ["member"]}
    assert groups[-1].after == {"groups": ["advisor"]}
    assert all(e.request_id == response["X-Request-ID"] for e in entries)


def test_a_login_does_not_write_to_the_trail(client: Client, make_user) -> None:
    user: User = make_user("marc@example.be")
    before = AuditEntry.objects.count()
    client.force_login(user)  # stamps last_login
    assert AuditEntry.objects.count() == before


# --- reading it in the admin ------------------------------------------------------------------------


def test_the_advisor_reads_a_members_history_with_who_before_and_after(
    client: Client, lucie: Member, advisor: User
) -> None:
    old_iban = lucie.iban
    member_update_contact(member=lucie, actor=lucie.user, **_contact(lucie, iban=NEW_IBAN))
    client.force_login(advisor)

    page = client.get(f"{MEMBERS}{lucie.pk}/history/").content.decode()

    assert "Lucie Liegeoise" in page and old_iban in page and NEW_IBAN in page
    change_page = client.get(f"{MEMBERS}{lucie.pk}/change/").content.decode()
    assert NEW_IBAN in change_page and f"{MEMBERS}{lucie.pk}/history/" in change_page


def test_an_advisor_of_another_office_sees_no_history(
    client: Client, lucie: Member, make_staff, brussels: Office
) -> None:
    member_update_contact(member=lucie, actor=lucie.user, **_contact(lucie, iban=NEW_IBAN))
    client.force_login(make_staff("bram@example.be", office=brussels))

    response = client.get(f"{MEMBERS}{lucie.pk}/history/")

    assert response.status_code in {302, 404}
    assert NEW_IBAN not in response.content.decode()


def test_a_history_page_reads_in_a_fixed_number_of_queries(
    client: Client, lucie: Member, advisor: User, brussels: Office, make_staff
) -> None:
    client.force_login(advisor)
    url = f"{MEMBERS}{lucie.pk}/history/"

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    audit_record(actor=advisor, action="member.assigned", target=lucie, before={"office": lucie.office_id})
    few = queries()
    for n in range(15):
        other: User = make_staff(f"advisor{n}@example.be", office=brussels)
        audit_record(actor=other, action="member.assigned", target=lucie, after={"office": brussels.pk})
    assert queries() == few


def test_only_administrators_read_the_whole_trail(client: Client, lucie: Member, advisor: User, make_staff) -> None:
    audit_record(actor=advisor, action="test.probe", target=lucie)
    client.force_login(advisor)
    assert client.get("/admin/audit/auditentry/").status_code == 403

    client.force_login(make_staff("direction@example.be", role=Role.ADMINISTRATOR))
    response = client.get("/admin/audit/auditentry/", {"action": "member.contact_changed"})
    assert response.status_code == 200
    assert client.get("/admin/audit/auditentry/").status_code == 200
