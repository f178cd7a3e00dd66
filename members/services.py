"""Every write to members and the share register.

Register operations lock what they read, always in the same order, so concurrent operations
queue instead of overselling: the members concerned (by primary key), then the register counter
(which also numbers operations without gaps), then the ledger's rows through `ledger_post`.
Each operation carries an idempotency key naming its cause, so a retried request or task
records it once. Shares are always valued at the nominal value of the cooperative entity:
capital is never remunerated and shares never gain value (DOMAIN.md, "Money flows").
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from members.identity import bic_for, clean_enterprise_number, clean_iban, clean_national_number
from members.models import (
    HOLDING_SIGN,
    Member,
    MemberCategory,
    MemberStatus,
    Office,
    PersonKind,
    RegisterCounter,
    ShareOperation,
    ShareOperationKind,
    User,
)
from members.selectors import member_holding
from smartcoop.errors import ConflictError, InvalidInput
from smartcoop.ledger.services import credit, debit, ledger_post
from smartcoop.models import CooperativeEntity

# PCMN: 550 bank, 100 subscribed capital, 489 other debts (a refund owed to a leaving member).
BANK, CAPITAL, REFUND_DUE = "550", "100", "489"


def _next_number(counter: str) -> int:
    row = RegisterCounter.objects.select_for_update().get(name=counter)
    row.value += 1
    row.save(update_fields=["value"])
    return row.value


def _nominal_value() -> Decimal:
    entity = CooperativeEntity.objects.filter(country="BE").only("share_nominal_value").first()
    if entity is None:
        raise ConflictError(_("The cooperative's settings are missing: no nominal value for shares."))
    return entity.share_nominal_value


def _positive(quantity: int) -> None:
    if quantity <= 0:
        message = _("The number of shares must be at least one.")
        raise InvalidInput(message, fields={"quantity": [message]})


@dataclass(frozen=True)
class Identity:
    """Who a member is, as typed in a form; cleaned by `member_create`."""

    kind: str
    street: str
    postal_code: str
    city: str
    iban: str
    first_name: str = ""
    last_name: str = ""
    birth_date: date | None = None
    national_number: str = ""
    company_name: str = ""
    enterprise_number: str = ""
    representative: str = ""
    phone: str = ""
    country: str = "BE"


def _clean_identity(identity: Identity, *, exclude: Member | None = None) -> dict[str, object]:
    fields: dict[str, object] = {
        "kind": identity.kind,
        "street": identity.street.strip(),
        "postal_code": identity.postal_code.strip(),
        "city": identity.city.strip(),
        "country": identity.country,
        "phone": identity.phone.strip(),
        "iban": clean_iban(identity.iban),
    }
    fields["bic"] = bic_for(str(fields["iban"]))
    others = Member.objects.exclude(pk=exclude.pk) if exclude else Member.objects.all()
    if identity.kind == PersonKind.NATURAL:
        if not identity.first_name.strip() or not identity.last_name.strip() or identity.birth_date is None:
            message = _("A person needs a first name, a last name and a birth date.")
            raise InvalidInput(message, fields={"last_name": [message]})
        number = clean_national_number(identity.national_number, birth_date=identity.birth_date)
        if others.filter(national_number=number).exists():
            message = _("A member with this national register number already exists.")
            raise InvalidInput(message, fields={"national_number": [message]})
        fields.update(
            first_name=identity.first_name.strip(),
            last_name=identity.last_name.strip(),
            birth_date=identity.birth_date,
            national_number=number,
            company_name="",
            enterprise_number="",
            representative="",
        )
    elif identity.kind == PersonKind.LEGAL:
        if not identity.company_name.strip() or not identity.representative.strip():
            message = _("A company needs its name and the name of its representative.")
            raise InvalidInput(message, fields={"company_name": [message]})
        number = clean_enterprise_number(identity.enterprise_number)
        if others.filter(enterprise_number=number).exists():
            message = _("A member with this enterprise number already exists.")
            raise InvalidInput(message, fields={"enterprise_number": [message]})
        fields.update(
            company_name=identity.company_name.strip(),
            representative=identity.representative.strip(),
            enterprise_number=number,
            national_number="",
            first_name="",
            last_name="",
            birth_date=None,
        )
    else:
        message = _("A member is a natural or a legal person.")
        raise InvalidInput(message, fields={"kind": [message]})
    return fields


def member_create(
    *,
    user: User,
    identity: Identity,
    office: Office,
    applied_on: date,
    category: str = MemberCategory.A,
    advisor: User | None = None,
    actor: User | None,
) -> Member:
    """A new member record (an applicant until their first shares are issued)."""
    fields = _clean_identity(identity)
    with transaction.atomic():
        return Member.objects.create(
            user=user,
            number=_next_number("member_number"),
            category=category,
            office=office,
            advisor=advisor,
            applied_on=applied_on,
            status=MemberStatus.APPLICANT,
            **fields,
        )


def member_update_identity(*, member: Member, identity: Identity, actor: User) -> Member:
    fields = _clean_identity(identity, exclude=member)
    with transaction.atomic():
        for name, value in fields.items():
            setattr(member, name, value)
        member.save(update_fields=list(fields))
    return member


def _locked(*members: Member) -> list[Member]:
    """The members' rows, locked in primary-key order (the order every register operation uses)."""
    ids = sorted({m.pk for m in members})
    locked = {m.pk: m for m in Member.objects.select_for_update(no_key=True).filter(pk__in=ids).order_by("pk")}
    return [locked[m.pk] for m in members]


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
    return ShareOperation.objects.create(
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
            memo=_("Shares issued to member %(number)s") % {"number": member.number},
            legs=[debit(BANK, operation.amount), credit(CAPITAL, operation.amount)],
            actor=actor,
        )
        if member.status == MemberStatus.APPLICANT:
            member.status = MemberStatus.MEMBER
            member.admitted_on = on
            member.save(update_fields=["status", "admitted_on"])
        return operation


def _refuse_more_than_held(member: Member, quantity: int) -> None:
    held = member_holding(member=member)
    if quantity > held:
        message = _("%(name)s holds %(held)s share(s): %(quantity)s cannot be taken from them.") % {
            "name": member.display_name,
            "held": held,
            "quantity": quantity,
        }
        raise InvalidInput(message, fields={"quantity": [message]})


def _leave_if_no_shares(member: Member, *, on: date, reason: str) -> None:
    if member_holding(member=member) == 0 and member.status == MemberStatus.MEMBER:
        member.status = MemberStatus.FORMER
        member.left_on = on
        member.exit_reason = reason
        member.save(update_fields=["status", "left_on", "exit_reason"])


def shares_transfer(
    *, seller: Member, buyer: Member, quantity: int, on: date, key: str, approved_by: User
) -> tuple[ShareOperation, ShareOperation]:
    """Shares pass from one member to another at nominal value, with an advisor's approval."""
    _positive(quantity)
    if seller.pk == buyer.pk:
        message = _("A member cannot transfer shares to themselves.")
        raise InvalidInput(message, fields={"buyer": [message]})
    with transaction.atomic():
        existing = ShareOperation.objects.filter(key=f"{key}:out").first()
        if existing is not None:
            return existing, ShareOperation.objects.get(key=f"{key}:in")
        seller, buyer = _locked(seller, buyer)
        if buyer.status != MemberStatus.MEMBER:
            message = _("Shares can only be transferred to a current member.")
            raise InvalidInput(message, fields={"buyer": [message]})
        _refuse_more_than_held(seller, quantity)
        unit_value = _nominal_value()
        out = _record(
            key=f"{key}:out",
            kind=ShareOperationKind.TRANSFER_OUT,
            member=seller,
            quantity=quantity,
            on=on,
            actor=approved_by,
            unit_value=unit_value,
            counterpart=buyer,
        )
        into = _record(
            key=f"{key}:in",
            kind=ShareOperationKind.TRANSFER_IN,
            member=buyer,
            quantity=quantity,
            on=on,
            actor=approved_by,
            unit_value=unit_value,
            counterpart=seller,
        )
        _leave_if_no_shares(seller, on=on, reason=_("All shares transferred"))
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
            memo=_("Shares bought back from member %(number)s") % {"number": member.number},
            legs=[debit(CAPITAL, operation.amount), credit(REFUND_DUE, operation.amount)],
            actor=actor,
        )
        _leave_if_no_shares(member, on=on, reason=reason)
        return operation
