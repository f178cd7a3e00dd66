"""Joining online: apply, the advisor decides, the applicant pays, the shares are issued."""

import json
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from stdnum.be import ogm_vcs

from members.models import (
    ApplicationStatus,
    CapitalCall,
    CapitalCallStatus,
    Member,
    MembershipApplication,
    MemberStatus,
    Office,
    Role,
    ShareOperation,
    ShareOperationKind,
    User,
)
from members.selectors import member_holding
from members.services import (
    ApplicationData,
    Identity,
    application_add_document,
    application_approve,
    application_reject,
    application_request_document,
    application_submit,
    capital_call_record_payment,
)
from smartcoop.errors import ConflictError, InvalidInput, PermissionDeniedError
from smartcoop.ledger.selectors import account_balance
from tests.members.conftest import national_number

BIRTH = date(1990, 4, 12)
PDF = b"%PDF-1.7\n%fake but well-typed\n"


def identity(**changes: object) -> Identity:
    fields: dict[str, object] = {
        "kind": "natural",
        "first_name": "Lotte",
        "last_name": "Janssens",
        "birth_date": BIRTH,
        "national_number": national_number(BIRTH, 212),
        "street": "Veldstraat 10",
        "postal_code": "9000",
        "city": "Gent",
        "iban": "BE02 3630 0000 0040",
    }
    fields.update(changes)
    return Identity(**fields)  # type: ignore[arg-type]


def data(office: Office, **changes: object) -> ApplicationData:
    fields: dict[str, object] = {
        "identity": identity(),
        "trades": ("illustrator", "graphic-designer"),
        "shares_requested": 2,
        "office": office,
        "accepts_statutes": True,
        "accepts_rules": True,
        "accepts_privacy": True,
    }
    fields.update(changes)
    return ApplicationData(**fields)  # type: ignore[arg-type]


@pytest.fixture
def applicant(make_user) -> User:
    user: User = make_user("lotte@example.be", language="nl")
    return user


@pytest.fixture
def advisor(make_staff, office: Office) -> User:
    user: User = make_staff("sophie@example.be", office=office)
    return user


def document(content: bytes = PDF, name: str = "id.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def test_application_records_the_consents_and_the_document(applicant: User, office: Office, cooperative) -> None:
    application = application_submit(actor=applicant, data=data(office), document=document())
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.national_number == national_number(BIRTH, 212)
    assert application.iban == "BE02363000000040"
    assert application.consented_statutes_at and application.consented_privacy_at
    assert str(application.identity_document.name).startswith(f"applications/{applicant.pk}/")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"identity": identity(national_number="90.04.12-212.00")}, "national_number"),
        ({"identity": identity(birth_date=date(1990, 4, 13))}, "birth_date"),
        ({"identity": identity(iban="BE02 3630 0000 0041")}, "iban"),
        (
            {
                "identity": identity(
                    kind="legal", company_name="Studio", representative="Lotte", enterprise_number="0754.316.244"
                )
            },
            "enterprise_number",
        ),
        ({"shares_requested": 0}, "shares_requested"),
        ({"shares_requested": -3}, "shares_requested"),
        ({"accepts_privacy": False}, "accepts_privacy"),
        ({"trades": ()}, "trades"),
        ({"trades": ("astronaut",)}, "trades"),
        ({"trades": ("lawyer",)}, "trades"),
    ],
)
def test_bad_application_is_refused_naming_the_field_and_saves_nothing(
    applicant: User, office: Office, cooperative, changes: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidInput) as error:
        application_submit(actor=applicant, data=data(office, **changes), document=None)
    assert field in error.value.fields
    assert not MembershipApplication.objects.exists()


@pytest.mark.parametrize(
    ("content", "name"),
    [(b"hello, I am text", "id.pdf"), (b"GIF89a....", "id.png"), (b"%PDF-" + b"0" * (10 * 1024 * 1024), "big.pdf")],
)
def test_document_type_is_read_from_its_content_and_its_size_is_capped(
    applicant: User, office: Office, cooperative, content: bytes, name: str
) -> None:
    with pytest.raises(InvalidInput) as error:
        application_submit(actor=applicant, data=data(office), document=document(content, name))
    assert list(error.value.fields) == ["identity_document"]
    assert not MembershipApplication.objects.exists()


def test_one_open_application_at_a_time(applicant: User, office: Office, cooperative) -> None:
    application_submit(actor=applicant, data=data(office), document=None)
    with pytest.raises(ConflictError):
        application_submit(actor=applicant, data=data(office), document=None)


def test_advisor_asks_for_a_document_and_the_applicant_sends_it(
    applicant: User, advisor: User, office: Office, cooperative
) -> None:
    application = application_submit(actor=applicant, data=data(office), document=None)
    with pytest.raises(InvalidInput):
        application_request_document(application=application, reason=" ", actor=advisor)
    application_request_document(application=application, reason="Recto verso de la carte d'identité", actor=advisor)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.NEEDS_DOCUMENT
    application_add_document(application=application, document=document(), actor=applicant)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED and application.identity_document


def test_rejection_needs_a_reason_the_applicant_reads(
    applicant: User, advisor: User, office: Office, cooperative
) -> None:
    application = application_submit(actor=applicant, data=data(office), document=None)
    with pytest.raises(InvalidInput):
        application_reject(application=application, reason="", actor=advisor)
    application_reject(application=application, reason="Activité hors du registre des métiers", actor=advisor)
    application.refresh_from_db()
    assert (application.status, application.decided_by) == (ApplicationStatus.REJECTED, advisor)
    with pytest.raises(ConflictError):
        application_approve(application=application, actor=advisor)


def test_advisor_of_another_office_cannot_decide(applicant: User, make_staff, office: Office, cooperative) -> None:
    elsewhere = Office.objects.create(code="mons", name="Mons", city="Mons")
    stranger = make_staff("marc@example.be", office=elsewhere)
    application = application_submit(actor=applicant, data=data(office), document=None)
    with pytest.raises(PermissionDeniedError):
        application_approve(application=application, actor=stranger)


def test_approval_then_payment_makes_a_member_with_shares_in_the_register_and_the_ledger(
    applicant: User, advisor: User, office: Office, cooperative
) -> None:
    application = application_submit(actor=applicant, data=data(office), document=document())
    call = application_approve(application=application, actor=advisor)

    member = Member.objects.get(user=applicant)
    assert member.status == MemberStatus.APPLICANT and member.advisor == advisor
    assert call.amount == Decimal("60.00") and call.status == CapitalCallStatus.OPEN
    assert call.reference and ogm_vcs.is_valid(call.reference.strip("+"))
    assert member_holding(member=member) == 0, "nothing is issued before the money arrives"

    operation = capital_call_record_payment(call=call, paid_on=date(2026, 3, 3), actor=advisor)
    again = capital_call_record_payment(call=call, paid_on=date(2026, 3, 4), actor=advisor)

    assert again.pk == operation.pk, "recording the same payment twice issues the shares once"
    member.refresh_from_db()
    assert (member.status, member.admitted_on) == (MemberStatus.MEMBER, date(2026, 3, 3))
    assert member_holding(member=member) == 2
    assert list(ShareOperation.objects.values_list("kind", flat=True)) == [
        ShareOperationKind.SUBSCRIPTION,
        ShareOperationKind.ISSUE,
    ]
    assert account_balance(account="550").normal == Decimal("60.00")
    assert CapitalCall.objects.get().status == CapitalCallStatus.PAID


# --- the pages -------------------------------------------------------------------------------


def form_data(office: Office, **changes: str) -> dict[str, str]:
    values = {
        "kind": "natural",
        "first_name": "Lotte",
        "last_name": "Janssens",
        "birth_date": "1990-04-12",
        "national_number": national_number(BIRTH, 212),
        "street": "Veldstraat 10",
        "postal_code": "9000",
        "city": "Gent",
        "iban": "BE02 3630 0000 0040",
        "trades": "illustrator",
        "shares_requested": "1",
        "office": str(office.pk),
        "accepts_statutes": "on",
        "accepts_rules": "on",
        "accepts_privacy": "on",
    }
    values.update(changes)
    return values


def test_apply_page_shows_the_error_on_the_field_in_french(
    client: Client, applicant: User, office: Office, cooperative
) -> None:
    applicant.language = "fr"
    applicant.save()
    client.force_login(applicant)
    response = client.post("/membership/apply/", form_data(office, iban="BE02 3630 0000 0041"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "n&#x27;est pas un IBAN valable" in html or "n'est pas un IBAN valable" in html
    assert not MembershipApplication.objects.exists()


def test_apply_page_files_the_application_and_the_status_page_shows_the_capital_call(
    client: Client, applicant: User, advisor: User, office: Office, cooperative
) -> None:
    client.force_login(applicant)
    response = client.post("/membership/apply/", form_data(office))
    assert response.status_code == 302
    application = MembershipApplication.objects.get()
    call = application_approve(application=application, actor=advisor)
    html = client.get("/membership/").content.decode()
    assert call.reference
    assert call.reference in html
    assert "<svg" in html, "the EPC QR code is drawn in the page"


def test_profile_refuses_a_bad_iban_and_keeps_the_old_one(client: Client, make_member) -> None:
    member = make_member()
    client.force_login(member.user)
    response = client.post(
        "/membership/profile/",
        {"street": "Rue 2", "postal_code": "4000", "city": "Liège", "iban": "BE00 0000 0000 0000"},
    )
    assert response.status_code == 400
    member.refresh_from_db()
    assert member.iban == "BE36068200000081" and member.street == "Rue Saint-Gilles 12"


def test_personal_data_download_holds_everything_about_me_and_nothing_else(client: Client, make_member) -> None:
    me, other = make_member(), make_member("Other", "Person")
    client.force_login(me.user)
    response = client.get("/membership/my-data.json")
    body = json.loads(response.content)
    assert body["member"]["national_number"] == me.national_number
    assert other.national_number not in response.content.decode()


def test_identity_document_is_served_to_its_applicant_and_office_staff_only(
    client: Client, applicant: User, advisor: User, make_user, office: Office, cooperative
) -> None:
    application = application_submit(actor=applicant, data=data(office), document=document())
    url = f"/membership/applications/{application.pk}/document"
    client.force_login(make_user("curious@example.be"))
    assert client.get(url).status_code == 404
    client.force_login(applicant)
    assert b"".join(client.get(url).streaming_content) == PDF  # type: ignore[attr-defined]
    client.force_login(advisor)
    assert client.get(url).status_code == 200
    # Staff of the office without two-factor: the admin would not let them in, nor does this.
    client.force_login(make_user("no-mfa@example.be", role=Role.ADVISOR, is_staff=True, office=office))
    assert client.get(url).status_code == 404
    client.force_login(advisor)
    elsewhere = Office.objects.create(code="mons", name="Mons", city="Mons")
    advisor.office = elsewhere
    advisor.save()
    assert client.get(url).status_code == 404


def test_decision_form_stands_outside_the_change_form(
    client: Client, applicant: User, advisor: User, office: Office, cooperative
) -> None:
    from tests.members.test_admin import _not_nested

    application = application_submit(actor=applicant, data=data(office), document=None)
    client.force_login(advisor)
    html = client.get(f"/admin/members/membershipapplication/{application.pk}/change/").content.decode()
    assert _not_nested(html, "decision-form")


def test_accountants_read_capital_calls_but_cannot_record_a_payment(
    client: Client, applicant: User, advisor: User, office: Office, cooperative, make_staff
) -> None:
    """The list is theirs to read; recording money is an advisor's act (the action needs change rights)."""
    call = application_approve(
        application=application_submit(actor=applicant, data=data(office), document=None), actor=advisor
    )
    client.force_login(make_staff("compta@example.be", role=Role.ACCOUNTANT))
    calls = reverse("admin:members_capitalcall_changelist")
    assert client.get(calls).status_code == 200
    client.post(calls, {"action": "record_payment_today", "confirmed": "yes", "_selected_action": [call.pk]})
    call.refresh_from_db()
    assert call.status == CapitalCallStatus.OPEN
    assert member_holding(member=call.member) == 0
