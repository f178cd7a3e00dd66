"""Receipts and logos are named by the platform from what the file is, never by their uploader's name.

A PDF uploaded as `x.html` would open as a page; one named with a right-to-left override
(U+202E) reads as a PDF while it says `.exe`. Each is served as `<what>-<id>.pdf`, as a PDF.
"""

from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from activities.models import ExpenseCategory
from activities.services import ExpenseLineData, activity_update, expense_claim_create, expense_line_add
from members.models import Member
from smartcoop.uploads import document_response
from tests.activities.conftest import DAY, MakeActivity

PDF = b"%PDF-1.4\n% a real PDF header\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
DECEPTIVE_NAMES = ["x.html", "invoice\u202efdp.exe"]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


def _served_name(response) -> str:
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; filename=") or disposition.startswith("inline; filename="), disposition
    return str(disposition.split("filename=", 1)[1].strip('"'))


def _assert_named_by_the_platform(response, *, expected: str, uploaded_as: str) -> None:
    assert response.status_code == 200
    name = _served_name(response)
    assert name == expected
    assert uploaded_as not in name and "\u202e" not in name and "html" not in name and "exe" not in name
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("uploaded_as", DECEPTIVE_NAMES)
def test_a_receipt_is_served_as_a_pdf_named_by_the_platform(
    client: Client, make_activity: MakeActivity, holder: Member, supplies: ExpenseCategory, uploaded_as: str
) -> None:
    claim = expense_claim_create(activity=make_activity(), title="Tournée", actor=holder.user)
    expense_line_add(
        claim=claim,
        data=ExpenseLineData(
            spent_on=DAY, category=supplies, description="Cordes", amount=Decimal("24.20"), vat=Decimal("4.20")
        ),
        receipt=SimpleUploadedFile(uploaded_as, PDF, content_type="text/html"),
        actor=holder.user,
    )
    line = claim.lines.get()
    client.force_login(holder.user)

    response = client.get(reverse("activities:receipt", args=[line.pk]))

    _assert_named_by_the_platform(response, expected=f"receipt-{line.pk}.pdf", uploaded_as=uploaded_as)


def test_a_logo_uploaded_as_a_page_is_served_as_the_image_it_is(
    client: Client, make_activity: MakeActivity, holder: Member
) -> None:
    activity = make_activity()
    logo = SimpleUploadedFile("logo.html", PNG, content_type="text/html")
    activity_update(
        activity=activity, name=activity.name, description="", terms_of_sale="", logo=logo, actor=holder.user
    )
    client.force_login(holder.user)

    response = client.get(reverse("activities:logo", args=[activity.code]))

    assert response.status_code == 200
    assert _served_name(response) == f"logo-{activity.pk}.png"
    assert response["Content-Type"] == "image/png"


def test_a_stored_file_of_no_accepted_type_leaves_as_opaque_bytes(db: None) -> None:
    name = default_storage.save("receipts/0/page.html", ContentFile(b"<script>alert(1)</script>"))
    with default_storage.open(name, "rb") as stored:
        response = document_response(stored, name="receipt-0", inline=True)
        assert response["Content-Type"] == "application/octet-stream"
        assert response["Content-Disposition"] == 'attachment; filename="receipt-0.bin"'
        assert response["X-Content-Type-Options"] == "nosniff"
        response.close()
