"""The share register leaves as CSV with a member's name kept as text, never run as a formula."""

import csv
import io
from datetime import date
from pathlib import Path

from django.core.management import call_command
from django.test import Client

from members.models import Member, Office
from members.services import shares_issue

FORMULA_NAME = '=HYPERLINK("http://x","y")'


def _member_named_as_a_formula(make_member, make_staff) -> Member:
    advisor = make_staff(office=Office.objects.get(code="liege"), is_superuser=True)
    member: Member = make_member(FORMULA_NAME, "Dubois")
    shares_issue(member=member, quantity=1, on=date(2026, 1, 10), key=f"issue:{member.pk}", actor=advisor)
    return member


def _member_cells(text: str) -> list[str]:
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    return [row[3] for row in rows[1:]]


def test_a_name_typed_as_a_formula_stays_text_in_the_register_downloaded_from_the_admin(
    client: Client, make_member, make_staff
) -> None:
    _member_named_as_a_formula(make_member, make_staff)
    client.force_login(make_staff("keeper@example.be", is_superuser=True))
    response = client.get("/admin/members/shareoperation/register.csv")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    assert _member_cells(text) == [f"'{FORMULA_NAME} Dubois"]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_name_typed_as_a_formula_stays_text_in_the_register_written_by_the_command(
    make_member, make_staff, tmp_path: Path
) -> None:
    _member_named_as_a_formula(make_member, make_staff)
    output = tmp_path / "register.csv"
    call_command("export_share_register", "--format", "csv", "--output", str(output))
    assert _member_cells(output.read_text(encoding="utf-8")) == [f"'{FORMULA_NAME} Dubois"]
