"""Paying for shares: the capital call, its payment, and its EPC QR code.

A call's structured communication derives from its own id. The page and the QR code read the
transfer's details from one place (`capital_call_payment`), so they cannot disagree. Recording the
payment issues the shares under the call's key, so a retried payment issues them once.
"""

from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from members.identity import structured_communication
from members.models import CapitalCall, CapitalCallStatus, Member, ShareOperation, User
from members.services.shared import _check_decides, _nominal_value, _positive
from members.services.shares import shares_issue
from smartcoop.audit.services import audit_record, changes, name_actions, name_values, snapshot
from smartcoop.epc import PaymentDetails, epc_qr_svg, payment_details
from smartcoop.errors import ConflictError
from smartcoop.models import CooperativeEntity

name_actions(
    {
        "capital_call.issued": gettext_lazy("Capital call issued"),
        "capital_call.paid": gettext_lazy("Capital call paid"),
    }
)


name_values(
    {
        "member": gettext_lazy("member"),
    }
)


def capital_call_issue(*, member: Member, quantity: int, on: date, actor: User | None) -> CapitalCall:
    _positive(quantity)
    with transaction.atomic():
        call = CapitalCall.objects.create(
            member=member, quantity=quantity, amount=_nominal_value() * quantity, issued_on=on
        )
        # The reference is derived from the call's own id, so it is unique and needs no counter.
        call.reference = structured_communication(call.pk)
        call.save(update_fields=["reference"])
        audit_record(
            actor=actor,
            action="capital_call.issued",
            target=call,
            after=snapshot(call, ["quantity", "amount", "reference", "status", "issued_on"]),
            member=member.number,
        )
        return call


def capital_call_record_payment(*, call: CapitalCall, paid_on: date, actor: User) -> ShareOperation:
    """The money arrived: issue the shares (once, whatever is retried) and close the call."""
    _check_decides(actor, call)
    with transaction.atomic():
        locked = CapitalCall.objects.select_for_update().select_related("member").get(pk=call.pk)
        key = f"capital-call:{locked.pk}:paid"
        if locked.status == CapitalCallStatus.PAID:
            return ShareOperation.objects.get(key=key)
        if locked.status == CapitalCallStatus.CANCELLED:
            raise ConflictError(_("This capital call was cancelled."))
        operation = shares_issue(member=locked.member, quantity=locked.quantity, on=paid_on, key=key, actor=actor)
        stored = snapshot(locked, ["status", "paid_on"])
        locked.status = CapitalCallStatus.PAID
        locked.paid_on = paid_on
        locked.recorded_by = actor
        locked.save(update_fields=["status", "paid_on", "recorded_by"])
        before, after = changes(stored, locked, ["status", "paid_on"])
        audit_record(
            actor=actor,
            action="capital_call.paid",
            target=locked,
            before=before,
            after=after,
            register_number=operation.number,
        )
        return operation


def capital_call_payment(*, call: CapitalCall) -> PaymentDetails:
    """The transfer asked for, from the cooperative entity's account: one source for page and QR code."""
    entity = CooperativeEntity.objects.get(country="BE")
    return payment_details(
        beneficiary=entity.name,
        iban=entity.iban,
        bic=entity.bic,
        amount=call.amount,
        communication=call.reference or "",
    )


def capital_call_qr_svg(*, call: CapitalCall, payment: PaymentDetails | None = None) -> str:
    """An EPC QR code ("scan to pay") for the call, as inline SVG (`smartcoop.epc`)."""
    payment = payment or capital_call_payment(call=call)
    return epc_qr_svg(payment, title=str(_("Scan to pay with your banking app")))
