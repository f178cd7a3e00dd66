"""Money moving between Activities, and into one from outside an invoice.

A manager asks; an advisor of the paying Activity's office approves, which locks both Activities in
primary-key order and posts one transaction: a charge in the source's books, income in the
destination's. Money received outside an invoice (a subsidy, a gift) is posted by staff.

Asking goes in two steps, as a bank confirms a beneficiary: `activity_transfer_recipient` names
the Activity behind a code (its code and name, nothing of its books) to whoever may ask for a
transfer from the paying Activity, and `activity_transfer_check` reads the whole request as it will
be judged, for the member to confirm. The confirmed request carries a key: sent twice (a double
click, a retried request), it is asked once, and the second answer is the first request.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from activities.models import (
    Activity,
    ActivityStatus,
    ActivityTransfer,
    TransferKind,
    TransferStatus,
)
from activities.selectors import activity_books
from activities.services.shared import (
    BANK,
    BUDGET_GIVEN,
    BUDGET_RECEIVED,
    SERVICES_PROVIDED,
    SERVICES_RECEIVED,
    _locked,
    _managers,
    _money,
    _refuse_overspending,
    _require,
    _require_open,
    _require_staff,
)
from members.models import User
from smartcoop.audit.services import audit_record, name_actions, name_values
from smartcoop.errors import ConflictError, InvalidInput
from smartcoop.input_rules import PAYMENT
from smartcoop.ledger.models import Transaction
from smartcoop.ledger.services import books_memo, credit, debit, ledger_post
from smartcoop.money import amount_text
from smartcoop.notifications import Plain, notify

INCOME_ACCOUNTS = {"subsidy": "740", "other": "743"}

name_actions(
    {
        "transfer.approved": gettext_lazy("Transfer between Activities approved"),
        "transfer.rejected": gettext_lazy("Transfer between Activities rejected"),
        "activity.income_recorded": gettext_lazy("Money received outside an invoice"),
    }
)
name_values(
    {
        "amount": gettext_lazy("amount"),
        "posting": gettext_lazy("posting"),
        "activity": gettext_lazy("Activity"),
        "source": gettext_lazy("from"),
        "destination": gettext_lazy("to"),
        "memo": gettext_lazy("memo"),
    }
)


@dataclass(frozen=True)
class TransferDraft:
    """A request as it will be sent, each part checked: what the member confirms."""

    source: Activity
    destination: Activity
    kind: str
    amount: Decimal
    description: str

    @property
    def kind_label(self) -> str:
        return str(TransferKind(self.kind).label)


def activity_transfer_recipient(*, source: Activity, code: str, actor: User) -> Activity:
    """The open Activity with this code, for a manager of `source` about to pay it: its code and name only.

    Any code can be tried, so the answer says no more than the request itself would: whether an
    open Activity has it, and its name, never its books or holders.
    """
    _require(actor, "transfer", source)
    code = code.strip().upper()
    destination = Activity.objects.only("pk", "code", "name", "status").filter(code=code).first() if code else None
    if destination is None or destination.status != ActivityStatus.OPEN:
        raise InvalidInput.on("destination_code", _("No open Activity has this code."))
    if destination.pk == source.pk:
        raise InvalidInput.on("destination_code", _("An Activity cannot transfer to itself."))
    return destination


def activity_transfer_check(
    *, source: Activity, destination_code: str, kind: str, amount: Decimal, description: str, actor: User
) -> TransferDraft:
    """The request a manager is about to send, judged as `activity_transfer_request` will judge it."""
    _require(actor, "transfer", source)
    _require_open(source)
    amount = _money(amount, field="amount")
    if kind not in TransferKind.values:
        raise InvalidInput.on("kind", _("Choose the kind of transfer."))
    destination = activity_transfer_recipient(source=source, code=destination_code, actor=actor)
    if not description.strip():
        raise InvalidInput.on("description", _("Say what the transfer is for: both Activities read it."))
    available = activity_books(activity=source).available
    if amount > available:  # told now; checked again, under lock, at approval
        message = _("%(activity)s has %(available)s available.") % {
            "activity": source,
            "available": amount_text(available),
        }
        raise InvalidInput.on("amount", message)
    return TransferDraft(source, destination, kind, amount, description.strip())


def activity_transfer_request(
    *,
    source: Activity,
    destination_code: str,
    kind: str,
    amount: Decimal,
    description: str,
    actor: User,
    request_key: str = "",
) -> ActivityTransfer:
    """A manager asks to pay another Activity for its work, or to share budget with it.

    With a `request_key`, the request is asked once: the same key again returns the first request,
    provided it is the same request by the same member; another one under that key is refused.
    """
    _require(actor, "transfer", source)
    if request_key:
        asked = ActivityTransfer.objects.select_related("destination").filter(request_key=request_key).first()
        if asked is not None:
            return _asked_already(asked, source=source, destination_code=destination_code, amount=amount, actor=actor)
    draft = activity_transfer_check(
        source=source, destination_code=destination_code, kind=kind, amount=amount, description=description, actor=actor
    )
    try:
        # A savepoint: two confirmations racing on one key leave one row, and the loser reads it.
        with transaction.atomic():
            return ActivityTransfer.objects.create(
                source=draft.source,
                destination=draft.destination,
                kind=draft.kind,
                amount=draft.amount,
                description=draft.description,
                requested_by=actor,
                request_key=request_key,
            )
    except IntegrityError:
        if not request_key:
            raise
        asked = ActivityTransfer.objects.select_related("destination").get(request_key=request_key)
        return _asked_already(asked, source=source, destination_code=destination_code, amount=amount, actor=actor)


def _asked_already(
    asked: ActivityTransfer, *, source: Activity, destination_code: str, amount: Decimal, actor: User
) -> ActivityTransfer:
    same = (
        asked.requested_by_id == actor.pk
        and asked.source_id == source.pk
        and asked.destination.code == destination_code.strip().upper()
        and asked.amount == amount
    )
    if not same:
        raise ConflictError(_("This confirmation was already used for another transfer: fill in the form again."))
    return asked


def activity_transfer_approve(*, transfer: ActivityTransfer, actor: User) -> Transaction:
    """Move the money in one posting: a charge in the source's books, income in the destination's."""
    _require_staff(actor, transfer, transfer.source)
    key = f"activity-transfer:{transfer.pk}"
    with transaction.atomic():
        source, destination = _locked(transfer.source, transfer.destination)
        locked = ActivityTransfer.objects.select_for_update().get(pk=transfer.pk)
        if locked.status == TransferStatus.APPROVED:
            return Transaction.objects.get(key=key)
        if locked.status != TransferStatus.SUBMITTED:
            raise ConflictError(_("This transfer has already been decided."))
        _require_open(source)
        _require_open(destination)
        _refuse_overspending(source, locked.amount, _("this transfer"))
        charge, income = (
            (SERVICES_RECEIVED, SERVICES_PROVIDED)
            if locked.kind == TransferKind.SERVICE
            else (BUDGET_GIVEN, BUDGET_RECEIVED)
        )
        posting = ledger_post(
            key=key,
            date=timezone.localdate(),
            memo=books_memo(
                lambda: (
                    _("Transfer from %(source)s to %(destination)s: %(description)s")
                    % {"source": source.code, "destination": destination.code, "description": locked.description}
                )
            ),
            legs=[debit(charge, locked.amount, source.analytic), credit(income, locked.amount, destination.analytic)],
            actor=actor,
        )
        locked.status, locked.decided_at, locked.decided_by = TransferStatus.APPROVED, timezone.now(), actor
        locked.save(update_fields=["status", "decided_at", "decided_by"])
        transfer.status = locked.status
        audit_record(
            actor=actor,
            action="transfer.approved",
            target=locked,
            before={"status": TransferStatus.SUBMITTED},
            after={"status": locked.status},
            source=source.code,
            destination=destination.code,
            amount=locked.amount,
            posting=posting.key,
        )
        locked.source, locked.destination = source, destination
        context: dict[str, Plain] = {
            "amount": locked.amount,
            "description": locked.description,
            "source": source.code,
            "destination": destination.code,
        }
        notify(
            user=locked.requested_by,
            key=f"activity-transfer:{locked.pk}:approved:{locked.requested_by_id}",
            subject=gettext_noop("Transfer from %(source)s to %(destination)s approved"),
            template="activity_transfer_approved",
            context=context,
            link=reverse("activities:detail", args=[source.code]),
        )
        # The destination's managers learn that money arrived; the requester was told already.
        for manager in _managers(destination):
            if manager.pk != locked.requested_by_id:
                notify(
                    user=manager,
                    key=f"activity-transfer:{locked.pk}:approved:{manager.pk}",
                    subject=gettext_noop("%(destination)s received money from %(source)s"),
                    template="activity_transfer_received",
                    context=context,
                    link=reverse("activities:detail", args=[destination.code]),
                )
        return posting


def activity_transfer_reject(*, transfer: ActivityTransfer, reason: str, actor: User) -> None:
    _require_staff(actor, transfer, transfer.source)
    if not reason.strip():
        raise InvalidInput.on("reason", _("A rejection needs a reason: the members read it."))
    with transaction.atomic():
        locked = ActivityTransfer.objects.select_for_update().get(pk=transfer.pk)
        if locked.status != TransferStatus.SUBMITTED:
            raise ConflictError(_("This transfer has already been decided."))
        locked.status, locked.reason = TransferStatus.REJECTED, reason.strip()
        locked.decided_at, locked.decided_by = timezone.now(), actor
        locked.save(update_fields=["status", "reason", "decided_at", "decided_by"])
        transfer.status = locked.status
        audit_record(
            actor=actor,
            action="transfer.rejected",
            target=locked,
            before={"status": TransferStatus.SUBMITTED},
            after={"status": locked.status},
            reason=locked.reason,
        )
        source, destination = transfer.source, transfer.destination
        notify(
            user=locked.requested_by,
            key=f"activity-transfer:{locked.pk}:rejected:{locked.requested_by_id}",
            subject=gettext_noop("Transfer from %(source)s to %(destination)s rejected"),
            template="activity_transfer_rejected",
            context={
                "amount": locked.amount,
                "source": source.code,
                "destination": destination.code,
                "reason": locked.reason,
            },
            link=reverse("activities:detail", args=[source.code]),
        )


def activity_income_record(
    *, activity: Activity, amount: Decimal, source: str, memo: str, received_on: date, key: str, actor: User
) -> Transaction:
    """Money received on the bank for the Activity outside an invoice: a subsidy, a sponsorship, a gift."""
    _require_staff(actor, activity, activity)
    if activity.status == ActivityStatus.CLOSED:
        raise ConflictError(_("The Activity %(code)s is closed.") % {"code": activity.code})
    amount = _money(amount, field="amount")
    if source not in INCOME_ACCOUNTS:
        raise InvalidInput.on("source", _("Choose where the money comes from."))
    if not memo.strip():
        raise InvalidInput.on("memo", _("Say where the money comes from."))
    PAYMENT.require(received_on, field="received_on")
    with transaction.atomic():
        # Under the Activity's lock, a retry of the same key finds the posting and records nothing twice.
        (locked,) = _locked(activity)
        already = Transaction.objects.filter(key=key).first()
        posting = ledger_post(
            key=key,
            date=received_on,
            memo=memo.strip(),
            legs=[debit(BANK, amount, locked.analytic), credit(INCOME_ACCOUNTS[source], amount, locked.analytic)],
            actor=actor,
        )
        if already is None:
            audit_record(
                actor=actor,
                action="activity.income_recorded",
                target=locked,
                amount=amount,
                source=source,
                memo=memo.strip(),
                posting=posting.key,
            )
        return posting
