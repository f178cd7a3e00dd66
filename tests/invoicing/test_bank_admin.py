"""The bank in the admin: a statement uploaded once, the advisors' queue of payments to review with
its count on the desk, each line's suggestions, and the decisions (allocate, ignore) made through
the services; and the `bank_import` command, which prints what it did.
"""

import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.contrib import messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from activities.models import ThirdParty
from invoicing.bank.coda import coda_write
from invoicing.models import BankStatement, BankStatementLine, InvoiceStatus, LineStatus
from members.models import Role, User
from smartcoop.admin_site import queues_waiting
from tests.invoicing.conftest import line
from tests.invoicing.test_matching import import_coda, importer, paid, statement, written, wrong_check_digits

__all__ = ["importer"]  # a fixture of the matching tests, used here by name

pytestmark = pytest.mark.django_db

STATEMENTS = "/admin/invoicing/bankstatement/"
LINES = "/admin/invoicing/bankstatementline/"


def _upload(client: Client, content: bytes, name: str = "releve.cod") -> Any:
    return client.post(f"{STATEMENTS}upload/", {"file": SimpleUploadedFile(name, content)}, follow=True)


def _messages(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_an_upload_imports_the_statement_once(
    client: Client, make_invoice, client_be: ThirdParty, importer: User
) -> None:
    invoice = make_invoice(client_be, line("Concert", "1", "1000"))
    content = coda_write(statement(paid("1210.00", invoice.reference), paid("15.00", "Don")))
    client.force_login(importer)

    page = client.get(STATEMENTS)
    assert page.status_code == 200 and 'id="statement-upload"' in page.content.decode()
    response = _upload(client, content)

    assert response.status_code == 200
    assert BankStatement.objects.count() == 1
    assert response.redirect_chain[-1][0].startswith(LINES)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    before = written()
    again = _upload(client, content, name="releve-encore.cod")
    assert written() == before
    (told,) = list(again.context["messages"])
    assert told.level == messages.WARNING and "2026-001" in str(told)


def test_a_refused_file_says_which_line_and_imports_nothing(client: Client, importer: User) -> None:
    client.force_login(importer)
    content = coda_write(statement(paid("15.00", "Don")))
    broken = b"\r\n".join(content.split(b"\r\n")[:-2])
    before = written()

    response = _upload(client, broken)

    assert written() == before
    (message,) = _messages(response)
    assert "9" in message  # the missing trailer record is named


def test_an_advisor_may_not_upload(client: Client, advisor: User, importer: User) -> None:
    client.force_login(advisor)
    assert 'id="statement-upload"' not in client.get(STATEMENTS).content.decode()
    response = client.post(f"{STATEMENTS}upload/", {"file": SimpleUploadedFile("a.cod", b"0")})
    assert response.status_code == 403
    assert not BankStatement.objects.exists()


def test_the_queue_is_on_the_desk_with_its_count(
    client: Client, make_invoice, client_be: ThirdParty, importer: User, advisor: User
) -> None:
    invoice = make_invoice(client_be, line("Concert", "1", "1000"))
    import_coda(statement(paid("1210.00", invoice.reference), paid("15.00", "Don"), paid("20.00", "Don")), importer)

    (state,) = [state for state in queues_waiting(advisor) if state.queue.model is BankStatementLine]

    assert state.count == 2
    client.force_login(advisor)
    page = client.get("/admin/").content.decode()
    assert f'href="{LINES}?status=review"' in page


def test_the_queue_lists_each_line_with_its_suggestions_in_a_fixed_number_of_queries(
    client: Client,
    make_invoice,
    client_be: ThirdParty,
    importer: User,
    advisor: User,
    django_assert_max_num_queries: Any,
) -> None:
    invoices = [make_invoice(client_be, line("Concert", "1", str(100 + n))) for n in range(6)]
    import_coda(
        statement(*(paid(str(i.total_incl_vat), wrong_check_digits(i.reference)) for i in invoices[:2])), importer
    )
    client.force_login(advisor)
    client.get(LINES)
    with django_assert_max_num_queries(20) as few:
        first = client.get(LINES)
    import_coda(
        statement(*(paid(str(i.total_incl_vat), wrong_check_digits(i.reference)) for i in invoices[2:]), number=2),
        importer,
    )
    with django_assert_max_num_queries(len(few.captured_queries)):
        many = client.get(LINES)

    assert first.status_code == many.status_code == 200
    page = many.content.decode()
    for invoice in invoices:
        assert str(invoice.number) in page  # each line names the invoice it may pay
    assert page.count('class="field-counterparty_name"') == 6


def test_an_advisor_allocates_a_line_to_a_suggested_and_a_typed_invoice_then_opens_the_next(
    client: Client, make_invoice, client_be: ThirdParty, client_person: ThirdParty, importer: User, advisor: User
) -> None:
    suggested = make_invoice(client_be, line("Concert", "1", "1000"))
    other = make_invoice(client_person, line("Cours", "1", "100"))
    result = import_coda(
        statement(paid("1331.00", wrong_check_digits(suggested.reference)), paid("15.00", "Don")), importer
    )
    first, second = BankStatementLine.objects.filter(statement=result.statement).order_by("sequence")
    client.force_login(advisor)
    page = client.get(f"{LINES}{first.pk}/change/").content.decode()
    assert f'name="amount_{suggested.pk}"' in page and 'id="ignore"' in page

    response = client.post(
        f"{LINES}{first.pk}/decide/?then=next",
        {
            "decision": "allocate",
            f"amount_{suggested.pk}": "1 210,00",
            "other_number_1": str(other.number).lower(),
            "other_amount_1": "121",
        },
    )

    assert response.status_code == 302 and response["Location"] == f"{LINES}{second.pk}/change/"
    first.refresh_from_db()
    assert (first.status, first.unallocated, first.decided_by) == (LineStatus.MATCHED, Decimal("0.00"), advisor)
    for invoice in (suggested, other):
        invoice.refresh_from_db()
        assert invoice.status == InvoiceStatus.PAID


def test_a_wrong_invoice_number_is_said_and_nothing_allocated(client: Client, importer: User, advisor: User) -> None:
    found = BankStatementLine.objects.get(statement=import_coda(statement(paid("15.00", "Don")), importer).statement)
    client.force_login(advisor)
    response = client.post(
        f"{LINES}{found.pk}/decide/",
        {"decision": "allocate", "other_number_1": "F2026-999999", "other_amount_1": "15"},
        follow=True,
    )
    assert any("F2026-999999" in text for text in _messages(response))
    found.refresh_from_db()
    assert found.status == LineStatus.REVIEW


def test_an_advisor_ignores_a_line_with_a_reason(client: Client, importer: User, advisor: User) -> None:
    found = BankStatementLine.objects.get(statement=import_coda(statement(paid("15.00", "Remb.")), importer).statement)
    client.force_login(advisor)

    client.post(f"{LINES}{found.pk}/decide/", {"decision": "ignore", "reason": "Remboursement fournisseur"})

    found.refresh_from_db()
    assert (found.status, found.match_note, found.decided_by) == (
        LineStatus.IGNORED,
        "Remboursement fournisseur",
        advisor,
    )


def test_an_accountant_reads_the_queue_but_does_not_decide(client: Client, make_staff, importer: User) -> None:
    accountant: User = make_staff("accountant@smartcoop.be", role=Role.ACCOUNTANT)
    found = BankStatementLine.objects.get(statement=import_coda(statement(paid("15.00", "Don")), importer).statement)
    client.force_login(accountant)

    assert client.get(LINES).status_code == 200
    assert 'id="decision-form"' not in client.get(f"{LINES}{found.pk}/change/").content.decode()
    response = client.post(f"{LINES}{found.pk}/decide/", {"decision": "ignore", "reason": "Don"})

    assert response.status_code == 403
    found.refresh_from_db()
    assert found.status == LineStatus.REVIEW


def test_the_command_imports_a_file_and_prints_what_it_did(
    tmp_path: Path, make_invoice, client_be: ThirdParty, importer: User
) -> None:
    invoice = make_invoice(client_be, line("Concert", "1", "1000"))
    path = tmp_path / "releve.cod"
    path.write_bytes(coda_write(statement(paid("1210.00", invoice.reference), paid("15.00", "Don"))))

    out = io.StringIO()
    call_command("bank_import", str(path), stdout=out)
    printed = out.getvalue()
    assert "lines 2, matched 1, to review 1, paid out 0, already imported no" in printed

    again = io.StringIO()
    call_command("bank_import", str(path), "--user", importer.email, stdout=again)
    assert "already imported yes" in again.getvalue()
    assert BankStatement.objects.count() == 1


def test_the_command_refuses_a_broken_file_with_its_reason(tmp_path: Path, importer: User) -> None:
    path = tmp_path / "releve.xml"
    path.write_bytes(b"<Document><Stmt>")
    with pytest.raises(CommandError) as refused:
        call_command("bank_import", str(path))
    assert "releve.xml" in str(refused.value)
    assert not BankStatement.objects.exists()
