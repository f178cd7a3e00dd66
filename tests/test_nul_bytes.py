"""A NUL character anywhere in a request is bad input (400), never a server error, and files still upload.

PostgreSQL stores no NUL in text: before the platform refused them up front, a NUL in a path, a
query string, a cookie or a JSON field that a serializer looked up turned into a 500.
"""

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation
from rest_framework.test import APIClient

from activities.models import ExpenseClaim, Trade
from activities.services import activity_create, expense_claim_create
from members.models import Office, User
from members.services import shares_issue
from smartcoop.middleware import NUL_REFUSED

PDF_WITH_NUL_BYTES = b"%PDF-1.4\n%\x00\x00\x00\n1 0 obj\n<< >>\nendobj\n"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def advisor(make_staff, office: Office) -> User:
    user: User = make_staff("advisor@smartcoop.be", office=office)
    return user


@pytest.fixture
def claim(make_member, advisor: User) -> ExpenseClaim:
    """A draft expense claim of an admitted member's Activity."""
    member = make_member()
    shares_issue(member=member, quantity=1, on=date(2026, 1, 10), key=f"test:{member.pk}:share", actor=advisor)
    member.refresh_from_db()
    activity = activity_create(
        name="Studio Dubois", holder=member, trades=[Trade.objects.get(code="musician")], actor=member.user
    )
    return expense_claim_create(activity=activity, title="Tournée de mars", actor=member.user)


def _worker(claim: ExpenseClaim) -> APIClient:
    api = APIClient()
    api.force_authenticate(claim.worker.user)
    return api


def _line(**given: object) -> dict[str, object]:
    return {"spent_on": "2026-03-03", "category": "supplies", "description": "Cordes", "amount": "12.10"} | given


def _refused_in_english(response: Any, field: str | None) -> None:
    assert response.status_code == 400
    with translation.override("en"):
        message = str(NUL_REFUSED)
    assert response.json() == {"message": message, "fields": {field: [message]} if field else {}}


def test_a_null_character_in_a_json_field_is_refused_naming_the_field(claim: ExpenseClaim) -> None:
    api = _worker(claim)
    response = api.post(
        f"/api/expense-claims/{claim.pk}/lines/",
        _line(category="sup\x00plies"),
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    _refused_in_english(response, "category")
    assert not claim.lines.exists()


def test_a_backslash_followed_by_u0000_is_text_not_a_null_character(claim: ExpenseClaim) -> None:
    api = _worker(claim)
    description = "C:\\u0000\\drivers"  # typed by someone, with its backslashes
    response = api.post(
        f"/api/expense-claims/{claim.pk}/lines/",
        _line(description=description, receipt=None),
        format="json",
    )
    # Refused for the missing receipt, as any line without one: the text itself passed.
    assert set(response.json()["fields"]) == {"receipt"}


def test_a_receipt_whose_bytes_contain_nul_still_uploads(claim: ExpenseClaim) -> None:
    api = _worker(claim)
    receipt = SimpleUploadedFile("ticket.pdf", PDF_WITH_NUL_BYTES, content_type="application/pdf")
    response = api.post(f"/api/expense-claims/{claim.pk}/lines/", _line(receipt=receipt), format="multipart")
    assert response.status_code == 201, response.json()
    assert claim.lines.get().receipt.read() == PDF_WITH_NUL_BYTES


def test_a_null_character_in_a_multipart_text_field_is_refused_beside_its_file(claim: ExpenseClaim) -> None:
    api = _worker(claim)
    receipt = SimpleUploadedFile("ticket.pdf", PDF_WITH_NUL_BYTES, content_type="application/pdf")
    response = api.post(
        f"/api/expense-claims/{claim.pk}/lines/",
        _line(description="Cor\x00des", receipt=receipt),
        format="multipart",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    _refused_in_english(response, "description")
    assert not claim.lines.exists()


def test_a_null_character_in_a_query_string_is_refused_naming_the_parameter(advisor: User) -> None:
    api = APIClient()
    api.force_authenticate(advisor)
    _refused_in_english(api.get("/api/members/", {"q": "Du\x00bois"}, HTTP_ACCEPT_LANGUAGE="en"), "q")


def test_a_null_character_in_an_api_path_is_refused(advisor: User) -> None:
    api = APIClient()
    api.force_authenticate(advisor)
    _refused_in_english(api.get("/api/offices/li%00ege/", HTTP_ACCEPT_LANGUAGE="en"), None)


def test_a_null_character_in_a_page_path_gets_the_error_page_in_the_readers_language(client: Client, db: None) -> None:
    client.cookies["django_language"] = "nl"
    response = client.get("/activities/A%00001/")
    assert response.status_code == 400
    with translation.override("nl"):
        assert str(NUL_REFUSED) in response.content.decode()
        assert str(NUL_REFUSED) != "Null characters are not allowed."


def test_a_null_character_in_a_form_field_gets_the_error_page_not_the_form(client: Client, member: User) -> None:
    response = client.post(
        "/accounts/login/", {"login": f"{member.email}\x00", "password": "x"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert "Null characters are not allowed." in response.content.decode()
    assert response.templates[0].name == "error.html"


def test_a_null_character_in_a_cookie_is_refused_before_the_session_is_read(client: Client, db: None) -> None:
    client.cookies["sessionid"] = "abcdefgh\x00ijkl"
    assert client.get("/").status_code == 400
