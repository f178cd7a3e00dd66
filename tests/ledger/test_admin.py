"""Accountants read the whole ledger in the admin; nobody writes it there.

An advisor reads only the transactions of their own office's Activities: see tests/test_access_policy.py.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from members.models import Role, User
from smartcoop.ledger.models import AnalyticAccount, Transaction
from smartcoop.ledger.services import credit, debit, ledger_post


@pytest.fixture
def postings(db: None) -> list[Transaction]:
    books = [AnalyticAccount.objects.create(code=f"ACT-{n}", name=f"Activity {n}") for n in range(3)]
    return [
        ledger_post(
            key=f"invoice:{n}:issue",
            date=date(2026, 1, 1 + n),
            memo=f"Invoice {n}",
            legs=[
                debit("400", Decimal("121.00"), books[n % 3]),
                credit("700", Decimal("100.00"), books[n % 3]),
                credit("451", Decimal("21.00"), books[n % 3]),
            ],
            actor=None,
        )
        for n in range(30)
    ]


@pytest.fixture
def accountant_client(client: Client, make_staff) -> Client:
    client.force_login(make_staff("compta@smartcoop.be", role=Role.ACCOUNTANT))
    return client


def test_transaction_list_reads_in_a_fixed_number_of_queries(
    accountant_client: Client, postings: list[Transaction], django_assert_max_num_queries
) -> None:
    with django_assert_max_num_queries(12):
        response = accountant_client.get("/admin/ledger/transaction/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "invoice:29:issue" in html and "121,00" in html


def test_filters_by_account_activity_and_search_by_key(accountant_client: Client, postings: list[Transaction]) -> None:
    by_activity = accountant_client.get("/admin/ledger/transaction/", {"analytic": "ACT-1"}).content.decode()
    assert "invoice:1:issue" in by_activity and "invoice:2:issue" not in by_activity
    by_key = accountant_client.get("/admin/ledger/transaction/", {"q": "invoice:7:issue"}).content.decode()
    assert "invoice:7:issue" in by_key and "invoice:17:issue" not in by_key
    assert "invoice:4:issue" in accountant_client.get("/admin/ledger/transaction/", {"account": "451"}).content.decode()
    by_date = accountant_client.get(
        "/admin/ledger/transaction/", {"booking_date__year": "2026", "booking_date__month": "1"}
    )
    assert by_date.status_code == 200


def test_transaction_page_shows_its_legs_and_offers_no_change(
    accountant_client: Client, postings: list[Transaction]
) -> None:
    page = accountant_client.get(f"/admin/ledger/transaction/{postings[0].pk}/change/").content.decode()
    assert "121,00" in page and "451" in page
    assert 'name="_save"' not in page
    assert accountant_client.get("/admin/ledger/transaction/add/").status_code == 403
    assert accountant_client.post(f"/admin/ledger/transaction/{postings[0].pk}/delete/").status_code == 403


def test_accounts_show_their_balances(accountant_client: Client, postings: list[Transaction]) -> None:
    html = accountant_client.get("/admin/ledger/account/").content.decode()
    assert "3630,00" in html  # 400: 30 x 121.00 on its natural (debit) side
    assert "3000,00" in html  # 700: 30 x 100.00 on its natural (credit) side
    assert "-3000,00" not in html


def test_members_do_not_see_the_ledger(client: Client, make_user) -> None:
    member: User = make_user(role=Role.MEMBER)
    client.force_login(member)
    assert client.get("/admin/ledger/transaction/").status_code == 302
