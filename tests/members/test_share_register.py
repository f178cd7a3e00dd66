"""The share register: numbered, append-only, never more shares out than held, never a gain."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from members.models import Member, MemberStatus, ShareOperation, ShareOperationKind, User
from members.selectors import holdings_at, member_holding
from members.services import shares_buy_back, shares_issue, shares_subscribe, shares_transfer
from smartcoop.errors import InvalidInput
from smartcoop.ledger.selectors import account_balance

DAY = date(2026, 2, 1)


@pytest.fixture
def advisor(make_user) -> User:
    user: User = make_user("sophie@example.be")
    return user


def test_first_issue_admits_the_applicant_and_books_the_capital(make_member, advisor: User) -> None:
    member = make_member()
    assert member.status == MemberStatus.APPLICANT
    shares_subscribe(member=member, quantity=2, on=DAY, key="application:1:subscription", actor=advisor)
    assert member_holding(member=member) == 0, "a subscription is not yet a share"

    operation = shares_issue(member=member, quantity=2, on=DAY, key="capital-call:1:paid", actor=advisor)

    member.refresh_from_db()
    assert member.status == MemberStatus.MEMBER and member.admitted_on == DAY
    assert member_holding(member=member) == 2
    assert operation.amount == Decimal("60.00")
    assert account_balance(account="100").normal == Decimal("60.00")
    assert account_balance(account="550").normal == Decimal("60.00")


def test_a_retried_issue_records_nothing_more(make_member, advisor: User) -> None:
    member = make_member()
    first = shares_issue(member=member, quantity=1, on=DAY, key="capital-call:7:paid", actor=advisor)
    again = shares_issue(member=member, quantity=1, on=DAY, key="capital-call:7:paid", actor=advisor)
    assert again.pk == first.pk
    assert member_holding(member=member) == 1
    assert account_balance(account="100").normal == Decimal("30.00")


def test_register_numbers_follow_each_other_without_gaps(make_member, advisor: User) -> None:
    alice, bob = make_member(), make_member("Bob", "Peeters")
    shares_issue(member=alice, quantity=3, on=DAY, key="k1", actor=advisor)
    shares_issue(member=bob, quantity=1, on=DAY, key="k2", actor=advisor)
    shares_transfer(seller=alice, buyer=bob, quantity=1, on=DAY, key="t1", actor=advisor)
    with pytest.raises(InvalidInput):
        shares_buy_back(member=bob, quantity=5, on=DAY, reason="exit", key="b1", actor=advisor)
    shares_buy_back(member=bob, quantity=2, on=DAY, reason="exit", key="b2", actor=advisor)
    assert list(ShareOperation.objects.values_list("number", flat=True)) == [1, 2, 3, 4, 5]


def test_transfer_moves_shares_at_nominal_value_and_capital_does_not_change(make_member, advisor: User) -> None:
    alice, bob = make_member(), make_member("Bob", "Peeters")
    shares_issue(member=alice, quantity=3, on=DAY, key="k1", actor=advisor)
    shares_issue(member=bob, quantity=1, on=DAY, key="k2", actor=advisor)
    out, into = shares_transfer(seller=alice, buyer=bob, quantity=2, on=date(2026, 3, 1), key="t1", actor=advisor)
    assert (out.kind, into.kind) == (ShareOperationKind.TRANSFER_OUT, ShareOperationKind.TRANSFER_IN)
    assert out.unit_value == into.unit_value == Decimal("30.00")
    assert (member_holding(member=alice), member_holding(member=bob)) == (1, 3)
    assert account_balance(account="100").normal == Decimal("120.00")


def test_transfer_of_more_shares_than_held_is_refused_and_writes_nothing(make_member, advisor: User) -> None:
    alice, bob = make_member(), make_member("Bob", "Peeters")
    shares_issue(member=alice, quantity=1, on=DAY, key="k1", actor=advisor)
    shares_issue(member=bob, quantity=1, on=DAY, key="k2", actor=advisor)
    before = ShareOperation.objects.count()
    with pytest.raises(InvalidInput) as error:
        shares_transfer(seller=alice, buyer=bob, quantity=2, on=DAY, key="t1", actor=advisor)
    assert list(error.value.fields) == ["quantity"]
    assert ShareOperation.objects.count() == before


@pytest.mark.parametrize("quantity", [0, -1])
def test_zero_or_negative_shares_are_refused(make_member, advisor: User, quantity: int) -> None:
    with pytest.raises(InvalidInput) as error:
        shares_issue(member=make_member(), quantity=quantity, on=DAY, key="k", actor=advisor)
    assert list(error.value.fields) == ["quantity"]
    assert not ShareOperation.objects.exists()


def test_buying_back_every_share_makes_a_former_member_and_owes_the_nominal_value(make_member, advisor: User) -> None:
    member = make_member()
    shares_issue(member=member, quantity=2, on=DAY, key="k1", actor=advisor)
    shares_buy_back(member=member, quantity=2, on=date(2026, 6, 30), reason="Départ", key="exit:1", actor=advisor)
    member.refresh_from_db()
    assert member.status == MemberStatus.FORMER
    assert (member.left_on, member.exit_reason) == (date(2026, 6, 30), "Départ")
    assert account_balance(account="489").normal == Decimal("60.00"), "the refund is owed at nominal value"
    assert account_balance(account="100").normal == Decimal("0.00")


def test_holdings_at_a_past_date_are_what_the_register_said_then(make_member, advisor: User) -> None:
    alice, bob = make_member(), make_member("Bob", "Peeters")
    shares_issue(member=alice, quantity=3, on=date(2026, 1, 10), key="k1", actor=advisor)
    shares_issue(member=bob, quantity=1, on=date(2026, 2, 10), key="k2", actor=advisor)
    shares_transfer(seller=alice, buyer=bob, quantity=3, on=date(2026, 3, 10), key="t1", actor=advisor)
    assert holdings_at(at=date(2026, 1, 31)) == {alice.pk: 3}
    assert holdings_at(at=date(2026, 2, 28)) == {alice.pk: 3, bob.pk: 1}
    assert holdings_at(at=date(2026, 3, 10)) == {bob.pk: 4}
    assert member_holding(member=alice, at=date(2026, 2, 1)) == 3


def test_the_register_refuses_to_be_rewritten(make_member, advisor: User) -> None:
    operation = shares_issue(member=make_member(), quantity=1, on=DAY, key="k1", actor=advisor)
    for statement in (
        "UPDATE members_shareoperation SET quantity = 5 WHERE id = %s",
        "DELETE FROM members_shareoperation WHERE id = %s",
    ):
        with pytest.raises(IntegrityError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [operation.pk])
    operation.refresh_from_db()
    assert operation.quantity == 1


@pytest.mark.django_db(transaction=True)
def test_two_buy_backs_of_the_same_shares_at_once_leave_the_register_consistent(make_member, advisor: User) -> None:
    member: Member = make_member()
    shares_issue(member=member, quantity=3, on=DAY, key="k1", actor=advisor)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def buy_back(key: str) -> None:
        try:
            barrier.wait()
            shares_buy_back(member=member, quantity=2, on=DAY, reason="exit", key=key, actor=advisor)
            outcomes.append("done")
        except InvalidInput:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=buy_back, args=(f"exit:{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["done", "refused"]
    assert member_holding(member=member) == 1
    assert account_balance(account="100").normal == Decimal("30.00"), "90.00 issued, 60.00 bought back once"
    assert list(ShareOperation.objects.values_list("number", flat=True)) == [1, 2]
