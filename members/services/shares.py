"""The share register's operations: subscribe, issue, transfer and buy back.

Each operation locks the members concerned (`_locked`), then the register counter, then the
ledger's rows, and is keyed by its cause, so a retried one is recorded once. Issuing the first shares
admits an applicant; giving up the last ones makes a member a former member.
"""

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from members.models import HOLDING_SIGN, Member, MemberStatus, ShareOperation, ShareOperationKind, User
from members.selectors import member_holding
from members.services.shared import _locked, _next_number, _nominal_value, _positive
from smartcoop.audit.services import audit_record, changes, name_actions, name_values, snapshot
from smartcoop.errors import ConflictError, InvalidInput
from smartcoop.ledger.services import books_memo, credit, debit, ledger_post

# PCMN: 550 bank, 100 subscribed capital, 489 other debts (a refund owed to a leaving member).
BANK, CAPITAL, REFUND_DUE = "550", "100", "489"


name_actions(
    {
        "member.admitted": gettext_lazy("Admitted as a member"),
        "member.left": gettext_lazy("Left the cooperative"),
        "shares.subscription": gettext_lazy("Shares subscribed"),
        "shares.issue": gettext_lazy("Shares issued"),
        "shares.transfer_out": gettext_lazy("Shares transferred to another member"),
        "shares.transfer_in": gettext_lazy("Shares received from another member"),
        "shares.buyback": gettext_lazy("Shares bought back"),
    }
)


name_values(
    {
        "shares_held": gettext_lazy("shares held"),
        "register_number": gettext_lazy("register number"),
        "quantity": gettext_lazy("number of shares"),
        "unit_value": gettext_lazy("nominal value"),
        "operation_date": gettext_lazy("date"),
        "counterpart": gettext_lazy("other member"),
    }
)


def _record(
    *,
    key: str,
    kind: ShareOperationKind,
    member: Member,
    quantity: int,
    on: date,
    actor: User | None,
    unit_value: Decimal,
    counterpart: Member | None = None,
    reason: str = "",
) -> ShareOperation:
    operation = ShareOperation.objects.create(
        number=_next_number("share_register"),
        key=key,
        kind=kind,
        member=member,
        share_class=member.category,
        quantity=quantity,
        delta=quantity * HOLDING_SIGN[kind],
        unit_value=unit_value,
        operation_date=on,
        counterpart=counterpart,
        reason=reason,
        actor=actor,
    )
    held = member_holding(member=member)
    before, after = changes({"shares_held": held - operation.delta}, {"shares_held": held}, ["shares_held"])
    detail = {"register_number": operation.number, "quantity": quantity, "unit_value": unit_value, "operation_date": on}
    if counterpart is not None:
        detail["counterpart"] = counterpart.number
    if reason:
        detail["reason"] = reason
    audit_record(actor=actor, action=f"shares.{kind}", target=member, before=before, after=after, **detail)
    return operation


def shares_subscribe(*, member: Member, quantity: int, on: date, key: str, actor: User | None) -> ShareOperation:
    """The member's commitment to take shares; they count once paid and issued."""
    _positive(quantity)
    with transaction.atomic():
        existing = ShareOperation.objects.filter(key=key).first()
        if existing is not None:
            return existing
        (member,) = _locked(member)
        return _record(
            key=key,
            kind=ShareOperationKind.SUBSCRIPTION,
            member=member,
            quantity=quantity,
            on=on,
            actor=actor,
            unit_value=_nominal_value(),
        )


def shares_issue(*, member: Member, quantity: int, on: date, key: str, actor: User | None) -> ShareOperation:
    """Issue paid shares: the register line, the capital in the ledger, and admission if first."""
    _positive(quantity)
    with transaction.atomic():
        existing = ShareOperation.objects.filter(key=key).first()
        if existing is not None:
            return existing
        (member,) = _locked(member)
        if member.status == MemberStatus.FORMER:
            raise ConflictError(_("A former member cannot receive shares; they apply again."))
        unit_value = _nominal_value()
        operation = _record(
            key=key,
            kind=ShareOperationKind.ISSUE,
            member=member,
            quantity=quantity,
            on=on,
            actor=actor,
            unit_value=unit_value,
        )
        ledger_post(
            key=f"shares:{operation.number}:issue",
            date=on,
            memo=books_memo(lambda: _("Shares issued to member %(number)s") % {"number": member.number}),
            legs=[debit(BANK, operation.amount), credit(CAPITAL, operation.amount)],
            actor=actor,
        )
        if member.status == MemberStatus.APPLICANT:
            stored = snapshot(member, ["status", "admitted_on"])
            member.status = MemberStatus.MEMBER
            member.admitted_on = on
            member.save(update_fields=["status", "admitted_on"])
            before, after = changes(stored, member, ["status", "admitted_on"])
            audit_record(actor=actor, action="member.admitted", target=member, before=before, after=after)
        return operation


def _refuse_more_than_held(member: Member, quantity: int) -> None:
    held = member_holding(member=member)
    if quantity > held:
        message = _("%(name)s holds %(held)s share(s): %(quantity)s cannot be taken from them.") % {
            "name": member.display_name,
            "held": held,
            "quantity": quantity,
        }
        raise InvalidInput.on("quantity", message)


def _leave_if_no_shares(member: Member, *, on: date, reason: str, actor: User | None) -> None:
    if member_holding(member=member) == 0 and member.status == MemberStatus.MEMBER:
        fields = ["status", "left_on", "exit_reason"]
        stored = snapshot(member, fields)
        member.status = MemberStatus.FORMER
        member.left_on = on
        member.exit_reason = reason
        member.save(update_fields=fields)
        before, after = changes(stored, member, fields)
        audit_record(actor=actor, action="member.left", target=member, before=before, after=after)


def shares_transfer(
    *, seller: Member, buyer: Member, quantity: int, on: date, key: str, actor: User
) -> tuple[ShareOperation, ShareOperation]:
    """Shares pass from one member to another at nominal value, with an advisor's approval."""
    _positive(quantity)
    if seller.pk == buyer.pk:
        raise InvalidInput.on("buyer", _("A member cannot transfer shares to themselves."))
    with transaction.atomic():
        existing = ShareOperation.objects.filter(key=f"{key}:out").first()
        if existing is not None:
            return existing, ShareOperation.objects.get(key=f"{key}:in")
        seller, buyer = _locked(seller, buyer)
        if buyer.status != MemberStatus.MEMBER:
            raise InvalidInput.on("buyer", _("Shares can only be transferred to a current member."))
        _refuse_more_than_held(seller, quantity)
        unit_value = _nominal_value()
        out = _record(
            key=f"{key}:out",
            kind=ShareOperationKind.TRANSFER_OUT,
            member=seller,
            quantity=quantity,
            on=on,
            actor=actor,
            unit_value=unit_value,
            counterpart=buyer,
        )
        into = _record(
            key=f"{key}:in",
            kind=ShareOperationKind.TRANSFER_IN,
            member=buyer,
            quantity=quantity,
            on=on,
            actor=actor,
            unit_value=unit_value,
            counterpart=seller,
        )
        _leave_if_no_shares(seller, on=on, reason=_("All shares transferred"), actor=actor)
        return out, into


def shares_buy_back(
    *, member: Member, quantity: int, on: date, reason: str, key: str, actor: User | None
) -> ShareOperation:
    """The cooperative takes shares back at nominal value; the refund is owed until paid."""
    _positive(quantity)
    with transaction.atomic():
        existing = ShareOperation.objects.filter(key=key).first()
        if existing is not None:
            return existing
        (member,) = _locked(member)
        _refuse_more_than_held(member, quantity)
        operation = _record(
            key=key,
            kind=ShareOperationKind.BUYBACK,
            member=member,
            quantity=quantity,
            on=on,
            actor=actor,
            unit_value=_nominal_value(),
            reason=reason,
        )
        ledger_post(
            key=f"shares:{operation.number}:buyback",
            date=on,
            memo=books_memo(lambda: _("Shares bought back from member %(number)s") % {"number": member.number}),
            legs=[debit(CAPITAL, operation.amount), credit(REFUND_DUE, operation.amount)],
            actor=actor,
        )
        _leave_if_no_shares(member, on=on, reason=reason, actor=actor)
        return operation
