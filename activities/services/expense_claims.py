"""Expense claims: a worker's draft, its lines, submission, and the advisor's decision.

A worker changes only their own draft, re-checked on the locked row so a submission committed
meanwhile wins. Approval charges the Activity (under its lock, never beyond its balance) and owes
the worker; reimbursement settles that debt from the bank, once per claim.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from activities.models import (
    Activity,
    ClaimStatus,
    ExpenseCategory,
    ExpenseClaim,
    ExpenseLine,
    MileageRate,
)
from activities.services.shared import (
    OWED_TO_WORKER,
    VAT_RECOVERABLE,
    _locked,
    _merged,
    _money,
    _paid_out,
    _refuse_future_payment,
    _refuse_overspending,
    _require,
    _require_open,
    _require_staff,
)
from members.models import Member, User
from smartcoop.access import may
from smartcoop.audit.services import audit_record, name_actions
from smartcoop.errors import ConflictError, InvalidInput, NotFoundError
from smartcoop.input_rules import SPENDING
from smartcoop.ledger.models import Transaction
from smartcoop.ledger.services import LegSpec, books_memo, credit, debit, ledger_post
from smartcoop.money import ZERO, to_money
from smartcoop.notifications import Plain, notify
from smartcoop.uploads import check_document, uploads_kept_only_on_success

# One trip by car: ten thousand kilometres is already a month on the road without a stop.
MAX_TRIP_KILOMETRES = Decimal(10000)
TRIP_CEILING_MESSAGE = gettext_lazy("At most %(maximum)s km for one trip.")


@dataclass(frozen=True)
class ExpenseLineData:
    spent_on: date
    category: ExpenseCategory
    description: str
    amount: Decimal = ZERO
    vat: Decimal = ZERO
    kilometres: Decimal | None = None


def expense_claim_create(*, activity: Activity, title: str, actor: User) -> ExpenseClaim:
    """A draft claim by a worker of the Activity (any holder claims their own expenses)."""
    _require(actor, "claim", activity)
    _require_open(activity)
    if not title.strip():
        raise InvalidInput.on("title", _("Give the claim a title."))
    worker = Member.objects.get(user=actor)  # a holder of the Activity, so a member
    return ExpenseClaim.objects.create(activity=activity, worker=worker, title=title.strip())


def _own_draft(claim: ExpenseClaim, actor: User) -> None:
    if not may(actor, "edit", claim):
        raise NotFoundError()
    if claim.status != ClaimStatus.DRAFT:
        raise ConflictError(_("This claim was submitted: it can no longer change."))


def _locked_draft(claim: ExpenseClaim, actor: User) -> None:
    """Checked again on the locked row: a submission committed since `claim` was read wins."""
    _own_draft(ExpenseClaim.objects.select_for_update().select_related("worker").get(pk=claim.pk), actor)


def _mileage_rate(claim: ExpenseClaim, on: date) -> Decimal:
    rate = (
        MileageRate.objects.filter(entity_id=claim.activity.entity_id, valid_from__lte=on)
        .order_by("-valid_from")
        .values_list("rate", flat=True)
        .first()
    )
    if rate is None:
        raise InvalidInput.on("spent_on", _("No mileage allowance is set for this date; ask your advisor."))
    return rate


def expense_line_add(
    *, claim: ExpenseClaim, data: ExpenseLineData, receipt: UploadedFile[bytes] | None, actor: User
) -> ExpenseLine:
    """An expense with its receipt, or a trip paid per kilometre at the official rate of its date."""
    _own_draft(claim, actor)
    SPENDING.require(data.spent_on, field="spent_on")
    if not data.description.strip():
        raise InvalidInput.on("description", _("Say what the expense was for."))
    if data.category.is_mileage:
        kilometres = data.kilometres or ZERO
        if kilometres <= 0 or kilometres > MAX_TRIP_KILOMETRES:
            message = _("Enter the kilometres driven: more than 0, at most %(maximum)s.") % {
                "maximum": number_format(MAX_TRIP_KILOMETRES, force_grouping=True)
            }
            raise InvalidInput.on("kilometres", message)
        rate = _mileage_rate(claim, data.spent_on)
        amount, vat = to_money(kilometres * rate), ZERO
    else:
        amount = _money(data.amount, field="amount")
        vat = _money(data.vat, field="vat", allow_zero=True)
        if vat >= amount:
            raise InvalidInput.on("vat", _("The VAT is part of the amount, so it must be smaller."))
        if receipt is None:
            raise InvalidInput.on("receipt", _("Attach the receipt (PDF, JPEG or PNG)."))
        kilometres, rate = None, None
    if receipt is not None:
        check_document(receipt, field="receipt")
    line = ExpenseLine(
        claim=claim,
        spent_on=data.spent_on,
        category=data.category,
        description=data.description.strip(),
        amount=amount,
        vat=vat,
        kilometres=kilometres,
        rate=rate,
    )
    with uploads_kept_only_on_success() as uploads, transaction.atomic():
        _locked_draft(claim, actor)
        if receipt is not None:
            uploads.save(line.receipt, receipt, name=receipt.name or "receipt")
        line.save()
    return line


def expense_line_remove(*, line: ExpenseLine, actor: User) -> None:
    _own_draft(line.claim, actor)
    with transaction.atomic():
        _locked_draft(line.claim, actor)
        line.receipt.delete(save=False)
        line.delete()


def expense_claim_submit(*, claim: ExpenseClaim, actor: User) -> ExpenseClaim:
    with transaction.atomic():
        locked = ExpenseClaim.objects.select_for_update().select_related("worker").get(pk=claim.pk)
        _own_draft(locked, actor)
        if not locked.lines.exists():
            raise InvalidInput(_("Add at least one expense before submitting the claim."))
        locked.status = ClaimStatus.SUBMITTED
        locked.submitted_at = timezone.now()
        locked.save(update_fields=["status", "submitted_at"])
        claim.status, claim.submitted_at = locked.status, locked.submitted_at
        return locked


def _charge_and_vat(lines: Sequence[ExpenseLine]) -> tuple[Decimal, Decimal]:
    """What the Activity bears, and the VAT the cooperative recovers from the State."""
    charge = vat = ZERO
    for line in lines:
        recoverable = line.vat if line.category.vat_recoverable else ZERO
        charge += line.amount - recoverable
        vat += recoverable
    return charge, vat


def expense_claim_total(*, claim: ExpenseClaim) -> Decimal:
    return sum((line.amount for line in claim.lines.all()), ZERO)


name_actions(
    {
        "expense_claim.approved": gettext_lazy("Expense claim approved"),
        "expense_claim.rejected": gettext_lazy("Expense claim rejected"),
        "expense_claim.reimbursed": gettext_lazy("Expense claim reimbursed"),
    }
)


def _notify_claim(claim: ExpenseClaim, decision: str, subject: str, **context: Plain) -> None:
    notify(
        user=claim.worker.user,
        key=f"expense-claim:{claim.pk}:{decision}",
        subject=subject,
        template=f"expense_claim_{decision}",
        context={"title": claim.title, "code": claim.activity.code, **context},
        link=reverse("activities:claim_detail", args=[claim.pk]),
    )


def expense_claim_approve(*, claim: ExpenseClaim, actor: User) -> Transaction:
    """Approve a submitted claim: the Activity is charged now and owes the worker until reimbursed."""
    _require_staff(actor, claim, claim.activity)
    key = f"expense-claim:{claim.pk}:approve"
    with transaction.atomic():
        (activity,) = _locked(claim.activity)
        locked = ExpenseClaim.objects.select_for_update().get(pk=claim.pk)
        if locked.status in (ClaimStatus.APPROVED, ClaimStatus.REIMBURSED):
            return Transaction.objects.get(key=key)  # a retried approval
        if locked.status != ClaimStatus.SUBMITTED:
            raise ConflictError(_("Only a submitted claim can be approved."))
        _require_open(activity)
        lines = list(locked.lines.select_related("category"))
        charge, vat = _charge_and_vat(lines)
        _refuse_overspending(activity, charge, _("this expense claim"))
        legs: list[LegSpec] = []
        for line in lines:
            recoverable = line.vat if line.category.vat_recoverable else ZERO
            legs.append(debit(line.category.account_code, line.amount - recoverable, activity.analytic))
            if recoverable:
                legs.append(debit(VAT_RECOVERABLE, recoverable))
        legs.append(credit(OWED_TO_WORKER, charge, activity.analytic))
        if vat:
            legs.append(credit(OWED_TO_WORKER, vat))
        posting = ledger_post(
            key=key,
            date=timezone.localdate(),
            memo=books_memo(lambda: _("Expense claim %(id)s: %(title)s") % {"id": locked.pk, "title": locked.title}),
            legs=_merged(legs),
            actor=actor,
        )
        locked.status = ClaimStatus.APPROVED
        locked.decided_at, locked.decided_by = timezone.now(), actor
        locked.save(update_fields=["status", "decided_at", "decided_by"])
        claim.status = locked.status
        audit_record(
            actor=actor,
            action="expense_claim.approved",
            target=locked,
            before={"status": ClaimStatus.SUBMITTED},
            after={"status": locked.status},
            activity=activity.code,
            amount=charge + vat,
            posting=posting.key,
        )
        # The figures of the posting above: the Activity bears `charge` (its Available drops by that
        # much), the worker is owed `charge + vat`; the recoverable VAT is the State's to refund.
        subject = gettext_noop("Expense claim “%(title)s” approved")
        _notify_claim(locked, "approved", subject, charged=charge, owed=charge + vat)
        return posting


def expense_claim_reject(*, claim: ExpenseClaim, reason: str, actor: User) -> None:
    _require_staff(actor, claim, claim.activity)
    if not reason.strip():
        raise InvalidInput.on("reason", _("A rejection needs a reason: the worker reads it."))
    with transaction.atomic():
        locked = ExpenseClaim.objects.select_for_update().get(pk=claim.pk)
        if locked.status != ClaimStatus.SUBMITTED:
            raise ConflictError(_("Only a submitted claim can be rejected."))
        locked.status, locked.reason = ClaimStatus.REJECTED, reason.strip()
        locked.decided_at, locked.decided_by = timezone.now(), actor
        locked.save(update_fields=["status", "reason", "decided_at", "decided_by"])
        claim.status = locked.status
        audit_record(
            actor=actor,
            action="expense_claim.rejected",
            target=locked,
            before={"status": ClaimStatus.SUBMITTED},
            after={"status": locked.status},
            reason=locked.reason,
        )
        _notify_claim(locked, "rejected", gettext_noop("Expense claim “%(title)s” rejected"), reason=locked.reason)


def expense_claim_reimburse(*, claim: ExpenseClaim, paid_on: date, actor: User) -> Transaction:
    """The worker was paid back: once, whatever is retried (the claim's row is locked, the key unique)."""
    _require_staff(actor, claim, claim.activity)
    _refuse_future_payment(paid_on)
    key = f"expense-claim:{claim.pk}:reimburse"
    with transaction.atomic():
        locked = ExpenseClaim.objects.select_for_update().select_related("activity__analytic").get(pk=claim.pk)
        if locked.status == ClaimStatus.REIMBURSED:
            return Transaction.objects.get(key=key)
        if locked.status != ClaimStatus.APPROVED:
            raise ConflictError(_("Only an approved claim can be reimbursed."))
        charge, vat = _charge_and_vat(list(locked.lines.select_related("category")))
        analytic = locked.activity.analytic
        legs = _paid_out(OWED_TO_WORKER, charge=charge, vat=vat, analytic=analytic)
        posting = ledger_post(
            key=key,
            date=paid_on,
            memo=books_memo(lambda: _("Expense claim %(id)s reimbursed") % {"id": locked.pk}),
            legs=legs,
            actor=actor,
        )
        locked.status, locked.reimbursed_on = ClaimStatus.REIMBURSED, paid_on
        locked.save(update_fields=["status", "reimbursed_on"])
        claim.status = locked.status
        audit_record(
            actor=actor,
            action="expense_claim.reimbursed",
            target=locked,
            before={"status": ClaimStatus.APPROVED, "reimbursed_on": None},
            after={"status": locked.status, "reimbursed_on": paid_on},
            activity=locked.activity.code,
            amount=charge + vat,
            posting=posting.key,
        )
        subject = gettext_noop("Expense claim “%(title)s” reimbursed")
        _notify_claim(locked, "reimbursed", subject, amount=charge + vat, paid_on=paid_on)
        return posting
