"""What accountants and auditors rely on: the journal export and ledger_verify."""

import csv
import io
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client

from members.models import Role, User
from smartcoop.csv_export import CsvFormat
from smartcoop.ledger.exports import journal_lines
from smartcoop.ledger.models import AnalyticAccount
from smartcoop.ledger.services import credit, debit, ledger_post
from smartcoop.ledger.verify import ledger_problems


@pytest.fixture
def activity_books(db: None) -> AnalyticAccount:
    return AnalyticAccount.objects.create(code="ACT-0042", name="Atelier céramique")


@pytest.fixture
def sale(activity_books: AnalyticAccount) -> None:
    ledger_post(
        key="invoice:1:issue",
        date=date(2026, 3, 14),
        memo="Facture 2026-0001; « vase » bleu",
        legs=[
            debit("400", Decimal("1210.50"), activity_books),
            credit("700", Decimal("1000.41"), activity_books),
            credit("451", Decimal("210.09"), activity_books),
        ],
        actor=None,
    )
    ledger_post(
        key="invoice:2:issue",
        date=date(2026, 4, 2),
        memo="Outside the period",
        legs=[debit("400", Decimal("10.00")), credit("700", Decimal("10.00"))],
        actor=None,
    )


def export(journal_format: CsvFormat, language: str = "fr") -> str:
    return "".join(
        journal_lines(
            date_from=date(2026, 3, 1), date_to=date(2026, 3, 31), journal_format=journal_format, language=language
        )
    )


def test_belgian_excel_export_uses_semicolons_decimal_commas_and_a_bom(sale: None) -> None:
    text = export(CsvFormat.EXCEL_BE)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert len(rows) == 4, "header and the three legs of March only"
    by_account = {row[3]: row for row in rows[1:]}
    assert by_account["400"][0] == "14/03/2026"
    assert by_account["400"][2] == "invoice:1:issue"
    assert by_account["400"][4] == "Clients"
    assert by_account["400"][5] == "ACT-0042"
    assert by_account["400"][6:8] == ["1210,50", ""]
    assert by_account["700"][6:8] == ["", "1000,41"]
    assert by_account["451"][8] == "Facture 2026-0001; « vase » bleu", "a semicolon in a memo stays in its cell"


def test_plain_csv_export_uses_commas_and_decimal_points(sale: None) -> None:
    rows = list(csv.reader(io.StringIO(export(CsvFormat.CSV, language="nl"))))
    assert not rows[0][0].startswith("\ufeff")
    by_account = {row[3]: row for row in rows[1:]}
    assert by_account["400"][0] == "2026-03-14"
    assert by_account["400"][4] == "Handelsdebiteuren"
    assert by_account["451"][7] == "210.09"
    debits = sum(Decimal(row[6] or 0) for row in rows[1:])
    credits = sum(Decimal(row[7] or 0) for row in rows[1:])
    assert debits == credits == Decimal("1210.50")


def test_export_is_a_stream_of_lines_not_one_string(sale: None) -> None:
    lines = journal_lines(date_from=date(2026, 1, 1), date_to=date(2026, 12, 31), journal_format=CsvFormat.CSV)
    assert isinstance(lines, Iterator)
    header = next(lines)
    assert header.split(",")[:2] == ["Date", "Transaction"]
    assert sum(1 for _ in lines) == 5


def test_pages_of_the_export_follow_each_other_without_loss_or_repeat(sale: None, monkeypatch) -> None:
    from smartcoop.ledger import exports

    whole = export(CsvFormat.CSV)
    monkeypatch.setattr(exports, "CHUNK_ROWS", 2)  # three legs in March: two pages, the last one short
    assert export(CsvFormat.CSV) == whole


def test_export_command_writes_the_file(sale: None, tmp_path) -> None:
    output = tmp_path / "journal.csv"
    call_command(
        "export_journal", "--from", "2026-03-01", "--to", "2026-03-31", "--format", "csv", "--output", str(output)
    )
    assert output.read_text(encoding="utf-8").count("invoice:1:issue") == 3


@pytest.fixture
def accountant(make_staff) -> User:
    user: User = make_staff("marc@example.be", role=Role.ACCOUNTANT)
    return user


def test_accountant_downloads_the_journal(client: Client, accountant: User, sale: None) -> None:
    client.force_login(accountant)
    response = client.get(
        "/ledger/journal/", {"date_from": "2026-03-01", "date_to": "2026-03-31", "format": "excel-be"}
    )
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="journal_20260301_20260331.csv"'
    body = b"".join(response.streaming_content).decode("utf-8")  # type: ignore[attr-defined]
    assert body.startswith("\ufeff") and body.count("\r\n") == 4


def test_journal_with_dates_in_the_wrong_order_is_refused_in_french(client: Client, accountant: User) -> None:
    client.force_login(accountant)
    response = client.get("/ledger/journal/", {"date_from": "2026-04-01", "date_to": "2026-03-01", "format": "csv"})
    assert response.status_code == 400
    assert "La date de fin" in response.content.decode()


def test_members_cannot_download_the_journal(client: Client, member: User, sale: None) -> None:
    client.force_login(member)
    response = client.get("/ledger/journal/", {"date_from": "2026-03-01", "date_to": "2026-03-31", "format": "csv"})
    assert response.status_code == 403


def test_ledger_verify_passes_on_a_sound_ledger(sale: None, capsys) -> None:
    call_command("ledger_verify")
    assert "sound" in capsys.readouterr().out
    assert ledger_problems() == []


@pytest.mark.django_db(transaction=True)
def test_ledger_verify_names_a_balance_changed_behind_the_triggers_back(capsys) -> None:
    activity = AnalyticAccount.objects.create(code="ACT-7", name="Studio")
    ledger_post(
        key="expense:7:pay",
        date=date(2026, 5, 1),
        memo="Paint",
        legs=[debit("610", Decimal("50.00"), activity), credit("550", Decimal("50.00"), activity)],
        actor=None,
    )
    with connection.cursor() as cursor:
        # What a restored dump or a disabled trigger could do; the owner alone can.
        cursor.execute("ALTER TABLE ledger_balance DISABLE TRIGGER ledger_balance_maintained")
        cursor.execute("UPDATE ledger_balance SET debit = debit + 1 WHERE analytic_id = %s", [activity.pk])
        cursor.execute("ALTER TABLE ledger_balance ENABLE TRIGGER ledger_balance_maintained")
    with pytest.raises(SystemExit) as exit_info:
        call_command("ledger_verify")
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert "balances by analytic account: account 610 ACT-7" in err
    assert "legs sum to D 50.00 C 0.00" in err
