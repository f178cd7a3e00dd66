"""Members ask to pass shares to another member; the register changes once an advisor approves."""

import json
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import TypeVar

import pytest
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from members.models import (
    Member,
    MemberStatus,
    Office,
    Role,
    ShareOperation,
    ShareOperationKind,
    ShareTransferRequest,
    TransferRequestStatus,
    User,
)
from members.selectors import member_holding
from members.services import (
    shares_issue,
    transfer_request_approve,
    transfer_request_cancel,
    transfer_request_reject,
    transfer_request_submit,
)
from smartcoop.errors import ConflictError, InvalidInput, PermissionDeniedError
from tests.support import waiting_on_a_lock

DAY = date(2026, 2, 1)
REQUESTS = "/admin/members/sharetransferrequest/"
T = TypeVar("T")


@pytest.fixture
def advisor(make_staff, office: Office) -> User:
    user: User = make_staff("sophie@example.be", office=office)
    return user


@pytest.fixture
def alice(make_member, advisor: User) -> Member:
    """The seller: a member holding 3 shares."""
    member: Member = make_member("Alice", "Dubois")
    shares_issue(member=member, quantity=3, on=DAY, key="alice:paid", actor=advisor)
    member.refresh_from_db()
    return member


@pytest.fixture
def bob(make_member, advisor: User) -> Member:
    member: Member = make_member("Bob", "Peeters")
    shares_issue(member=member, quantity=1, on=DAY, key="bob:paid", actor=advisor)
    member.refresh_from_db()
    return member


def _ask(seller: Member, buyer: Member, quantity: int = 2, *, name: str = "Peeters") -> ShareTransferRequest:
    return transfer_request_submit(
        seller=seller, buyer_number=buyer.number, buyer_name=name, quantity=quantity, note="", actor=seller.user
    )


def _transfers() -> list[tuple[str, int, int]]:
    return list(ShareOperation.objects.exclude(kind=ShareOperationKind.ISSUE).values_list("kind", "member", "quantity"))


# --- Asking ------------------------------------------------------------------------------------


def test_a_request_waits_for_an_advisor_and_leaves_the_register_alone(alice: Member, bob: Member) -> None:
    request = transfer_request_submit(
        seller=alice,
        buyer_number=bob.number,
        buyer_name="bob PEETERS",
        quantity=2,
        note=" Pour son atelier ",
        actor=alice.user,
    )
    assert (request.status, request.seller_id, request.buyer_id, request.quantity, request.note) == (
        TransferRequestStatus.PENDING,
        alice.pk,
        bob.pk,
        2,
        "Pour son atelier",
    )
    assert _transfers() == []
    assert (member_holding(member=alice), member_holding(member=bob)) == (3, 1)


@pytest.mark.parametrize(
    ("number_of", "name"),
    [
        ("stranger", "Peeters"),  # a number nobody has
        ("bob", "Martin"),  # the right number with another name
        ("bob", "p"),  # a letter of the name: no way to spell out who member n° X is
        ("bob", "eeter"),
        ("bob", "   "),
        ("applicant", "Applicant"),  # not yet a member: cannot receive shares
    ],
)
def test_a_wrong_number_or_name_finds_nobody_and_writes_nothing(
    alice: Member, bob: Member, make_member, number_of: str, name: str
) -> None:
    numbers = {"bob": bob.number, "stranger": 99999, "applicant": make_member("Carl", "Applicant").number}
    with pytest.raises(InvalidInput) as error:
        transfer_request_submit(
            seller=alice, buyer_number=numbers[number_of], buyer_name=name, quantity=1, note="", actor=alice.user
        )
    assert list(error.value.fields) == ["buyer_number"]
    assert not ShareTransferRequest.objects.exists()


def test_more_than_held_counting_pending_requests_is_refused(alice: Member, bob: Member, make_member) -> None:
    _ask(alice, bob, 2)
    with pytest.raises(InvalidInput) as error:
        _ask(alice, bob, 2)  # 3 held, 2 already promised
    assert list(error.value.fields) == ["quantity"]
    assert ShareTransferRequest.objects.count() == 1
    _ask(alice, bob, 1)  # what is left can still be asked for


def test_a_withdrawn_request_frees_its_shares_for_another(alice: Member, bob: Member) -> None:
    first = _ask(alice, bob, 3)
    transfer_request_cancel(request=first, actor=alice.user)
    assert _ask(alice, bob, 3).status == TransferRequestStatus.PENDING


def test_no_one_asks_to_transfer_another_members_shares(alice: Member, bob: Member) -> None:
    with pytest.raises(PermissionDeniedError):
        transfer_request_submit(
            seller=alice, buyer_number=bob.number, buyer_name="Peeters", quantity=1, note="", actor=bob.user
        )
    assert not ShareTransferRequest.objects.exists()


def test_only_the_seller_withdraws_their_request(alice: Member, bob: Member, advisor: User) -> None:
    request = _ask(alice, bob)
    for stranger in (bob.user, advisor):
        with pytest.raises(PermissionDeniedError):
            transfer_request_cancel(request=request, actor=stranger)
    request.refresh_from_db()
    assert request.status == TransferRequestStatus.PENDING


# --- Deciding ----------------------------------------------------------------------------------


def test_approval_records_the_transfer_in_the_register(alice: Member, bob: Member, advisor: User) -> None:
    request = _ask(alice, bob, 2)

    out = transfer_request_approve(request=request, actor=advisor)

    assert out.key == f"transfer-request:{request.pk}:out"
    into = ShareOperation.objects.get(key=f"transfer-request:{request.pk}:in")
    assert (out.kind, out.member_id, out.counterpart_id, out.actor_id) == ("transfer_out", alice.pk, bob.pk, advisor.pk)
    assert (into.kind, into.member_id, into.counterpart_id) == ("transfer_in", bob.pk, alice.pk)
    assert (member_holding(member=alice), member_holding(member=bob)) == (1, 3)
    request.refresh_from_db()
    assert (request.status, request.operation_id, request.decided_by_id) == ("approved", out.pk, advisor.pk)
    assert request.decided_at is not None


def test_a_retried_approval_returns_the_same_operation_and_writes_nothing_more(
    alice: Member, bob: Member, advisor: User
) -> None:
    request = _ask(alice, bob, 2)
    first = transfer_request_approve(request=request, actor=advisor)
    before = ShareOperation.objects.count()
    again = transfer_request_approve(request=request, actor=advisor)
    assert again.pk == first.pk
    assert ShareOperation.objects.count() == before
    assert (member_holding(member=alice), member_holding(member=bob)) == (1, 3)


@pytest.mark.parametrize("decision", ["withdrawn", "rejected"])
def test_a_withdrawn_or_rejected_request_cannot_be_approved(
    alice: Member, bob: Member, advisor: User, decision: str
) -> None:
    request = _ask(alice, bob)
    if decision == "withdrawn":
        transfer_request_cancel(request=request, actor=alice.user)
    else:
        transfer_request_reject(request=request, reason="Pièce manquante", actor=advisor)
    with pytest.raises(ConflictError):
        transfer_request_approve(request=request, actor=advisor)
    with pytest.raises(ConflictError):
        transfer_request_cancel(request=request, actor=alice.user)
    assert _transfers() == []


def test_a_rejection_needs_a_reason_the_member_reads(alice: Member, bob: Member, advisor: User) -> None:
    request = _ask(alice, bob)
    with pytest.raises(InvalidInput) as error:
        transfer_request_reject(request=request, reason="  ", actor=advisor)
    assert list(error.value.fields) == ["reason"]
    request.refresh_from_db()
    assert request.status == TransferRequestStatus.PENDING

    transfer_request_reject(request=request, reason=" Le cessionnaire doit d'abord être admis ", actor=advisor)
    request.refresh_from_db()
    assert (request.status, request.reason, request.decided_by_id) == (
        "rejected",
        "Le cessionnaire doit d'abord être admis",
        advisor.pk,
    )


def test_an_advisor_of_another_office_neither_approves_nor_rejects(alice: Member, bob: Member, make_staff) -> None:
    elsewhere: User = make_staff("bram@example.be", office=Office.objects.create(code="bxl", name="Bxl", city="Bxl"))
    request = _ask(alice, bob)
    with pytest.raises(PermissionDeniedError):
        transfer_request_approve(request=request, actor=elsewhere)
    with pytest.raises(PermissionDeniedError):
        transfer_request_reject(request=request, reason="Non", actor=elsewhere)
    request.refresh_from_db()
    assert request.status == TransferRequestStatus.PENDING
    assert _transfers() == []


def test_giving_every_share_away_makes_a_former_member(alice: Member, bob: Member, advisor: User) -> None:
    transfer_request_approve(request=_ask(alice, bob, 3), actor=advisor)
    alice.refresh_from_db()
    assert alice.status == MemberStatus.FORMER
    assert alice.left_on is not None
    assert member_holding(member=bob) == 4


def test_shares_given_away_meanwhile_make_the_approval_fail_cleanly(alice: Member, bob: Member, advisor: User) -> None:
    from members.services import shares_buy_back

    request = _ask(alice, bob, 2)
    shares_buy_back(member=alice, quantity=2, on=DAY, reason="Remboursement", key="alice:refund", actor=advisor)
    with pytest.raises(InvalidInput) as error:
        transfer_request_approve(request=request, actor=advisor)
    assert list(error.value.fields) == ["quantity"]
    request.refresh_from_db()
    assert request.status == TransferRequestStatus.PENDING
    assert not ShareOperation.objects.filter(kind=ShareOperationKind.TRANSFER_OUT).exists()


# --- Races, on the real database with one connection per thread -----------------------------------


def _in_threads(count: int, work: Callable[[int], T]) -> list[T]:
    """Run `work(0..count-1)` in `count` threads at once; any exception in a thread fails the test."""

    def run(index: int) -> T:
        try:
            return work(index)
        finally:
            connection.close()  # a thread's connection would otherwise block the flush

    with ThreadPoolExecutor(max_workers=count) as pool:
        futures = [pool.submit(run, index) for index in range(count)]
        return [future.result(timeout=60) for future in futures]


@pytest.mark.django_db(transaction=True)
def test_two_advisors_approving_at_once_record_one_transfer(alice: Member, bob: Member, advisor: User) -> None:
    request = _ask(alice, bob, 2)
    start = threading.Barrier(2, timeout=30)

    def approve(_index: int) -> int:
        start.wait()
        return transfer_request_approve(request=request, actor=advisor).pk

    first, second = _in_threads(2, approve)

    assert first == second, "the second approval finds the first one's register line"
    assert sorted(_transfers()) == [("transfer_in", bob.pk, 2), ("transfer_out", alice.pk, 2)]
    assert (member_holding(member=alice), member_holding(member=bob)) == (1, 3)


@pytest.mark.django_db(transaction=True)
def test_an_approval_waits_for_a_register_operation_in_member_order_without_deadlock(
    make_member, advisor: User
) -> None:
    """Approving locks the members in primary-key order, as every register operation does.

    A register operation holding the lower member and about to lock the higher one must make an
    approval wait, not deadlock with it: the approval may not lock the higher member first.
    """
    low: Member = make_member("Lena", "Bas")
    high: Member = make_member("Hugo", "Haut")
    for member in (low, high):
        shares_issue(member=member, quantity=2, on=DAY, key=f"{member.pk}:paid", actor=advisor)
        member.refresh_from_db()
    request = _ask(high, low, 1, name="Bas")  # the seller has the higher primary key
    low_locked, approval_started = threading.Event(), threading.Event()

    def register_operation(_index: int) -> str:
        with transaction.atomic():
            Member.objects.select_for_update(no_key=True).get(pk=low.pk)
            low_locked.set()
            assert approval_started.wait(30)
            deadline = time.monotonic() + 30
            while not waiting_on_a_lock():  # the approval is now blocked on the lower member
                assert time.monotonic() < deadline, "the approval never waited"
                time.sleep(0.02)
            Member.objects.select_for_update(no_key=True).get(pk=high.pk)
        return "register"

    def approval(_index: int) -> str:
        assert low_locked.wait(30)
        approval_started.set()
        transfer_request_approve(request=request, actor=advisor)
        return "approved"

    steps = [register_operation, approval]  # thread 0 and thread 1
    outcomes = _in_threads(2, lambda index: steps[index](index))

    assert outcomes == ["register", "approved"]
    request.refresh_from_db()
    assert request.status == TransferRequestStatus.APPROVED


# --- The Espace membre ------------------------------------------------------------------------


def test_a_member_asks_from_their_shares_page_and_follows_the_request(
    client: Client, alice: Member, bob: Member, advisor: User
) -> None:
    client.force_login(alice.user)
    url = reverse("members:shares")
    response = client.post(url, {"buyer_number": bob.number, "buyer_name": "Peeters", "quantity": 2, "note": "Merci"})
    assert response.status_code == 302
    request = ShareTransferRequest.objects.get()

    page = client.get(url).content.decode()
    with translation.override("fr"):
        assert escape(str(TransferRequestStatus.PENDING.label)) in page  # as the template escapes it
    assert f"{bob.number} Bob Peeters" in page
    assert reverse("members:transfer_request_withdraw", args=[request.pk]) in page

    out = transfer_request_approve(request=request, actor=advisor)
    page = client.get(url).content.decode()
    with translation.override("fr"):
        assert escape(str(TransferRequestStatus.APPROVED.label)) in page
    assert f" {out.number})" in page, "the register number of the approved transfer"
    assert reverse("members:transfer_request_withdraw", args=[request.pk]) not in page


def test_a_wrong_name_on_the_shares_page_is_shown_on_the_field_and_nothing_is_asked(
    client: Client, alice: Member, bob: Member
) -> None:
    client.force_login(alice.user)
    response = client.post(
        reverse("members:shares"), {"buyer_number": bob.number, "buyer_name": "Martin", "quantity": 1, "note": ""}
    )
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["buyer_number"]
    assert not ShareTransferRequest.objects.exists()


def test_the_withdraw_button_cancels_the_request(client: Client, alice: Member, bob: Member) -> None:
    request = _ask(alice, bob)
    client.force_login(alice.user)
    response = client.post(reverse("members:transfer_request_withdraw", args=[request.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("members:shares")
    request.refresh_from_db()
    assert (request.status, request.decided_by_id) == (TransferRequestStatus.CANCELLED, alice.user_id)


def test_another_member_cannot_withdraw_my_request(client: Client, alice: Member, bob: Member) -> None:
    request = _ask(alice, bob)
    client.force_login(bob.user)
    assert client.post(reverse("members:transfer_request_withdraw", args=[request.pk])).status_code == 404
    request.refresh_from_db()
    assert request.status == TransferRequestStatus.PENDING


def test_my_personal_data_include_my_transfer_requests(client: Client, alice: Member, bob: Member) -> None:
    request = _ask(alice, bob, 2)
    client.force_login(alice.user)
    data = json.loads(client.get(reverse("members:my_data")).content)
    (row,) = data["share_transfer_requests"]
    assert (row["id"], row["buyer"], row["quantity"], row["status"]) == (request.pk, bob.number, 2, "pending")
    assert row["requested_at"]


# --- The advisors' queue in the admin ------------------------------------------------------------


def test_an_advisor_approves_from_the_request_page(client: Client, alice: Member, bob: Member, advisor: User) -> None:
    request = _ask(alice, bob, 2)
    client.force_login(advisor)
    page = client.get(f"{REQUESTS}{request.pk}/change/").content.decode()
    assert reverse("admin:members_sharetransferrequest_decide", args=[request.pk]) in page

    client.post(reverse("admin:members_sharetransferrequest_decide", args=[request.pk]), {"decision": "approve"})

    request.refresh_from_db()
    assert request.status == TransferRequestStatus.APPROVED
    assert (member_holding(member=alice), member_holding(member=bob)) == (1, 3)


def test_a_rejection_without_reason_in_the_admin_says_why_and_changes_nothing(
    client: Client, alice: Member, bob: Member, advisor: User
) -> None:
    request = _ask(alice, bob)
    client.force_login(advisor)
    url = reverse("admin:members_sharetransferrequest_decide", args=[request.pk])
    response = client.post(url, {"decision": "reject", "reason": ""}, follow=True)
    assert len(list(response.context["messages"])) == 1
    request.refresh_from_db()
    assert request.status == TransferRequestStatus.PENDING

    client.post(url, {"decision": "reject", "reason": "Cessionnaire inconnu"})
    request.refresh_from_db()
    assert (request.status, request.reason) == (TransferRequestStatus.REJECTED, "Cessionnaire inconnu")


def test_the_approve_action_records_each_selected_request_once(
    client: Client, alice: Member, bob: Member, advisor: User
) -> None:
    first, second = _ask(alice, bob, 1), _ask(alice, bob, 1)
    client.force_login(advisor)
    selection = {"action": "approve_selected", "confirmed": "yes", "_selected_action": [first.pk, second.pk]}
    client.post(REQUESTS, selection)
    client.post(REQUESTS, selection)  # sent again: the requests are no longer pending
    assert set(ShareTransferRequest.objects.values_list("status", flat=True)) == {TransferRequestStatus.APPROVED}
    assert ShareOperation.objects.filter(kind=ShareOperationKind.TRANSFER_OUT).count() == 2
    assert (member_holding(member=alice), member_holding(member=bob)) == (1, 3)


def test_accountants_read_the_queue_but_cannot_approve(client: Client, alice: Member, bob: Member, make_staff) -> None:
    request = _ask(alice, bob)
    client.force_login(make_staff("compta@example.be", role=Role.ACCOUNTANT))
    assert client.get(REQUESTS).status_code == 200
    client.post(REQUESTS, {"action": "approve_selected", "confirmed": "yes", "_selected_action": [request.pk]})
    client.post(reverse("admin:members_sharetransferrequest_decide", args=[request.pk]), {"decision": "approve"})
    request.refresh_from_db()
    assert request.status == TransferRequestStatus.PENDING
    assert _transfers() == []


def test_an_advisor_sees_no_request_of_another_office(client: Client, alice: Member, bob: Member, make_staff) -> None:
    request = _ask(alice, bob)
    client.force_login(make_staff("bram@example.be", office=Office.objects.create(code="bxl", name="Bxl", city="B")))
    assert client.get(REQUESTS).context["cl"].result_count == 0
    client.post(reverse("admin:members_sharetransferrequest_decide", args=[request.pk]), {"decision": "approve"})
    request.refresh_from_db()
    assert request.status == TransferRequestStatus.PENDING
