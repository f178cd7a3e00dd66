"""Share transfers asked for by members, decided by an advisor before the register changes.

A request's row is locked alone; its members are locked afterwards in primary-key order, as every
register operation does, so a decision never deadlocks with one.
"""

from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from members.models import Member, MemberStatus, ShareOperation, ShareTransferRequest, TransferRequestStatus, User
from members.selectors import current_member_named, member_holding
from members.services.shared import _locked, _positive
from members.services.shares import shares_transfer
from smartcoop.access import may
from smartcoop.audit.services import audit_record, name_actions
from smartcoop.errors import ConflictError, InvalidInput, PermissionDeniedError
from smartcoop.notifications import notify

name_actions(
    {
        "transfer_request.approved": gettext_lazy("Share transfer approved"),
        "transfer_request.rejected": gettext_lazy("Share transfer rejected"),
        "transfer_request.cancelled": gettext_lazy("Share transfer withdrawn"),
    }
)


def transfer_request_submit(
    *, seller: Member, buyer_number: int, buyer_name: str, quantity: int, note: str, actor: User
) -> ShareTransferRequest:
    """A member asks to pass shares to another member; an advisor approves before the register changes.

    The receiving member is named by number and name together, as a bank checks a beneficiary:
    a mistyped number then finds nobody instead of a stranger, and no one can probe who is a member.
    """
    if not may(actor, "sell_shares", seller):
        raise PermissionDeniedError()
    _positive(quantity)
    if seller.status != MemberStatus.MEMBER:
        raise InvalidInput(_("Only a current member can transfer shares."))
    buyer = current_member_named(number=buyer_number, name=buyer_name)
    if buyer is None:
        raise InvalidInput.on("buyer_number", _("No current member has this number and this name."))
    if buyer.pk == seller.pk:
        raise InvalidInput.on("buyer_number", _("A member cannot transfer shares to themselves."))
    with transaction.atomic():
        (seller,) = _locked(seller)
        pending = (
            ShareTransferRequest.objects.filter(seller=seller, status=TransferRequestStatus.PENDING).aggregate(
                total=Sum("quantity")
            )["total"]
            or 0
        )
        held = member_holding(member=seller)
        if quantity + pending > held:
            message = _("You hold %(held)s shares, %(pending)s of them already in a pending transfer.") % {
                "held": held,
                "pending": pending,
            }
            raise InvalidInput.on("quantity", message)
        return ShareTransferRequest.objects.create(seller=seller, buyer=buyer, quantity=quantity, note=note.strip())


def _locked_request(request: ShareTransferRequest) -> ShareTransferRequest:
    """The request's row alone: joined members are locked later, in primary-key order, by `_locked`.

    A plain FOR UPDATE would also lock the seller then the buyer (join order), which deadlocks with
    a register operation that holds the lower member and waits for the higher one.
    """
    queryset = ShareTransferRequest.objects.select_for_update(of=("self",)).select_related("seller", "buyer")
    return queryset.get(pk=request.pk)


def _pending_request(request: ShareTransferRequest) -> ShareTransferRequest:
    locked = _locked_request(request)
    if locked.status != TransferRequestStatus.PENDING:
        raise ConflictError(_("This transfer request has already been decided."))
    return locked


def transfer_request_cancel(*, request: ShareTransferRequest, actor: User) -> None:
    if not may(actor, "cancel", request):
        raise PermissionDeniedError()
    with transaction.atomic():
        locked = _pending_request(request)
        locked.status = TransferRequestStatus.CANCELLED
        locked.decided_at = timezone.now()
        locked.decided_by = actor
        locked.save(update_fields=["status", "decided_at", "decided_by"])
        audit_record(
            actor=actor,
            action="transfer_request.cancelled",
            target=locked,
            before={"status": TransferRequestStatus.PENDING},
            after={"status": locked.status},
        )


def transfer_request_approve(*, request: ShareTransferRequest, actor: User) -> ShareOperation:
    """Record the transfer in the register (once, whatever is retried) and close the request."""
    if not may(actor, "decide", request):
        raise PermissionDeniedError(_("This member belongs to another office."))
    with transaction.atomic():
        locked = _locked_request(request)
        if locked.status == TransferRequestStatus.APPROVED and locked.operation is not None:
            return locked.operation
        locked = _pending_request(request)
        out, _into = shares_transfer(
            seller=locked.seller,
            buyer=locked.buyer,
            quantity=locked.quantity,
            on=timezone.localdate(),
            key=f"transfer-request:{locked.pk}",
            actor=actor,
        )
        locked.status = TransferRequestStatus.APPROVED
        locked.decided_at = timezone.now()
        locked.decided_by = actor
        locked.operation = out
        locked.save(update_fields=["status", "decided_at", "decided_by", "operation"])
        audit_record(
            actor=actor,
            action="transfer_request.approved",
            target=locked,
            before={"status": TransferRequestStatus.PENDING, "operation": None},
            after={"status": locked.status, "operation": out.pk},
        )
        notify(
            user=locked.seller.user,
            key=f"transfer-request:{locked.pk}:approved",
            subject=gettext_noop("Your share transfer was approved"),
            template="share_transfer_approved",
            context={
                "quantity": locked.quantity,
                "buyer": locked.buyer.display_name,
                "number": out.number,
            },
            link=reverse("members:shares"),
        )
        return out


def transfer_request_reject(*, request: ShareTransferRequest, reason: str, actor: User) -> None:
    if not may(actor, "decide", request):
        raise PermissionDeniedError(_("This member belongs to another office."))
    if not reason.strip():
        raise InvalidInput.on("reason", _("A rejection needs a reason: the member reads it."))
    with transaction.atomic():
        locked = _pending_request(request)
        locked.status = TransferRequestStatus.REJECTED
        locked.reason = reason.strip()
        locked.decided_at = timezone.now()
        locked.decided_by = actor
        locked.save(update_fields=["status", "reason", "decided_at", "decided_by"])
        audit_record(
            actor=actor,
            action="transfer_request.rejected",
            target=locked,
            before={"status": TransferRequestStatus.PENDING, "reason": ""},
            after={"status": locked.status, "reason": locked.reason},
        )
        notify(
            user=locked.seller.user,
            key=f"transfer-request:{locked.pk}:rejected",
            subject=gettext_noop("Your share transfer was rejected"),
            template="share_transfer_rejected",
            context={
                "quantity": locked.quantity,
                "buyer": locked.buyer.display_name,
                "reason": locked.reason,
            },
            link=reverse("members:shares"),
        )
