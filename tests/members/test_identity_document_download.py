"""An identity document is served under a name the platform gives it, as the type its content shows.

A scan uploaded as `x.html` would open as a page; one named with a right-to-left override (U+202E)
reads as a PDF while it says `.exe`. Either leaves as `identity-document-<id>.pdf`, a PDF.
"""

from datetime import date
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from members.identity import national_number_for
from members.models import Office, User
from members.services import ApplicationData, Identity, application_submit

PDF = b"%PDF-1.4\n% a real PDF header\n"
DECEPTIVE_NAMES = ["x.html", "invoice\u202efdp.exe"]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.mark.parametrize("uploaded_as", DECEPTIVE_NAMES)
def test_an_identity_document_is_served_as_a_pdf_named_by_the_platform(
    client: Client, make_user, office: Office, cooperative, uploaded_as: str
) -> None:
    applicant: User = make_user("lotte@example.be")
    birth = date(1990, 4, 12)
    identity = Identity(
        kind="natural",
        first_name="Lotte",
        last_name="Janssens",
        birth_date=birth,
        national_number=national_number_for(birth, 212),
        street="Veldstraat 10",
        postal_code="9000",
        city="Gent",
        iban="BE02 3630 0000 0040",
    )
    data = ApplicationData(
        identity=identity,
        trades=("illustrator",),
        shares_requested=1,
        office=office,
        accepts_statutes=True,
        accepts_rules=True,
        accepts_privacy=True,
    )
    document = SimpleUploadedFile(uploaded_as, PDF, content_type="application/octet-stream")
    application = application_submit(actor=applicant, data=data, document=document)
    client.force_login(applicant)

    response = client.get(reverse("members:application_document", args=[application.pk]))

    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="identity-document-{application.pk}.pdf"'
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
