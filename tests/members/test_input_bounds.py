"""Numbers, dates and text typed on the members' side: bounded, read strictly, and never a 500.

A refused application leaves nothing behind: no row, and no identity document on disk.
"""

from datetime import date
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DataError
from django.test import Client
from rest_framework.test import APIClient

from members.models import MembershipApplication, Office, ShareTransferRequest, User
from members.services import (
    MAX_SHARES_AT_ONCE,
    application_approve,
    application_submit,
    capital_call_record_payment,
    shares_issue,
)
from smartcoop.errors import InvalidInput
from tests.members.test_joining import PDF, data, form_data
from tests.test_input_rules import ARABIC_INDIC_100, ARABIC_INDIC_DATE, FULL_WIDTH_100, ZERO_WIDTH_ONLY


@pytest.fixture
def media(settings, tmp_path: Path) -> Path:
    """Uploads of this test alone, so what is left on disk can be counted."""
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


def _document() -> SimpleUploadedFile:
    return SimpleUploadedFile("id.pdf", PDF, content_type="application/pdf")


@pytest.fixture
def applicant(make_user) -> User:
    user: User = make_user("lotte@example.be", language="en")
    return user


@pytest.mark.parametrize("shares", ["2147483648", "40000000", str(MAX_SHARES_AT_ONCE + 1)])
def test_too_many_shares_on_the_apply_page_are_refused_stating_the_ceiling_and_leave_no_file(
    client: Client, applicant: User, office: Office, cooperative, media: Path, shares: str
) -> None:
    client.force_login(applicant)
    response = client.post(
        "/membership/apply/", {**form_data(office, shares_requested=shares), "identity_document": _document()}
    )
    assert response.status_code == 400
    assert "At most 1,000 shares at a time." in response.content.decode()
    assert not MembershipApplication.objects.exists()
    assert _files(media) == []


def test_the_service_refuses_too_many_shares_whichever_door_they_came_through(
    applicant: User, office: Office, cooperative, media: Path
) -> None:
    with pytest.raises(InvalidInput) as error:
        application_submit(actor=applicant, data=data(office, shares_requested=40_000_000), document=_document())
    assert list(error.value.fields) == ["shares_requested"]
    assert not MembershipApplication.objects.exists()
    assert _files(media) == []


def test_an_application_the_database_refuses_leaves_no_document_on_disk(
    applicant: User, office: Office, cooperative, media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refused(*args: object, **kwargs: object) -> None:
        raise DataError("value out of range")

    monkeypatch.setattr(MembershipApplication, "save", refused)
    with pytest.raises(DataError):
        application_submit(actor=applicant, data=data(office), document=_document())
    assert _files(media) == []


def test_the_largest_accepted_number_of_shares_shows_its_payment_page_and_its_register(
    client: Client, applicant: User, make_staff, office: Office, cooperative, media: Path
) -> None:
    advisor = make_staff("sophie@example.be", office=office)
    client.force_login(applicant)
    response = client.post("/membership/apply/", form_data(office, shares_requested=str(MAX_SHARES_AT_ONCE)))
    assert response.status_code == 302
    call = application_approve(application=MembershipApplication.objects.get(), actor=advisor)
    page = client.get("/membership/")
    assert page.status_code == 200 and "<svg" in page.content.decode(), "the QR code holds 30 000 EUR"
    capital_call_record_payment(call=call, paid_on=date.today(), actor=advisor)
    assert client.get("/membership/shares/").status_code == 200


def test_issuing_more_shares_than_the_ceiling_at_once_is_refused(make_member, make_staff, office: Office) -> None:
    member = make_member()
    with pytest.raises(InvalidInput) as error:
        shares_issue(member=member, quantity=MAX_SHARES_AT_ONCE + 1, on=date.today(), key="too-many", actor=None)
    assert list(error.value.fields) == ["quantity"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        *[("shares_requested", text) for text in ["1E2", "1_000", ARABIC_INDIC_100, FULL_WIDTH_100]],
        ("birth_date", "0001-01-01"),
        ("birth_date", ARABIC_INDIC_DATE),
        ("trades", ZERO_WIDTH_ONLY),
        ("city", ZERO_WIDTH_ONLY),
    ],
)
def test_the_apply_page_refuses_what_a_person_did_not_mean_and_writes_nothing(
    client: Client, applicant: User, office: Office, cooperative, media: Path, field: str, value: str
) -> None:
    client.force_login(applicant)
    response = client.post(
        "/membership/apply/", {**form_data(office, **{field: value}), "identity_document": _document()}
    )
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not MembershipApplication.objects.exists()
    assert _files(media) == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        *[("quantity", text) for text in ["1E2", "1_000", ARABIC_INDIC_100, FULL_WIDTH_100, "2147483648"]],
        *[("buyer_number", text) for text in ["1E2", ARABIC_INDIC_100, "2147483648"]],
        ("buyer_name", ZERO_WIDTH_ONLY),
    ],
)
def test_the_transfer_request_form_refuses_what_a_person_did_not_mean(
    client: Client, make_member, field: str, value: str
) -> None:
    seller, buyer = make_member(), make_member("Jan", "Peeters")
    client.force_login(seller.user)
    values = {"buyer_number": str(buyer.number), "buyer_name": "Peeters", "quantity": "1", field: value}
    response = client.post("/membership/shares/", values)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not ShareTransferRequest.objects.exists()


@pytest.mark.parametrize("page_size", ["1E2", FULL_WIDTH_100, "0", "-5", "2147483648"])
def test_an_api_page_size_that_is_not_a_plain_number_within_bounds_is_refused(make_member, page_size: str) -> None:
    member = make_member()
    api = APIClient()
    api.force_authenticate(member.user)
    response = api.get("/api/members/me/shares/", {"page_size": page_size})
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["page_size"]
    assert api.get("/api/members/me/shares/", {"page_size": "200"}).status_code == 200
